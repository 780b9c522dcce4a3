import type { OrderRecord, OrderStatus, TicketRecord, TicketStatus } from './records';

export interface OrderRow {
  id: string;
  buyer_id: string;
  event_id: string;
  quantity: number;
  status: OrderStatus;
  reason: string | null;
  idempotency_key: string | null;
  request_fingerprint: string;
  created_at: Date;
  updated_at: Date;
}

export interface TicketRow {
  id: string;
  order_id: string;
  buyer_id: string;
  event_id: string;
  seat_number: number;
  status: TicketStatus;
  created_at: Date;
  cancelled_at: Date | null;
}

export function toOrder(row: OrderRow, ticketIds: string[]): OrderRecord {
  return {
    id: row.id,
    buyerId: row.buyer_id,
    eventId: row.event_id,
    quantity: row.quantity,
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    requestFingerprint: row.request_fingerprint,
    createdAt: row.created_at.toISOString(),
    ticketIds,
  };
}

export function toTicket(row: TicketRow): TicketRecord {
  return {
    id: row.id,
    orderId: row.order_id,
    buyerId: row.buyer_id,
    eventId: row.event_id,
    seatNumber: row.seat_number,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    ...(row.cancelled_at ? { cancelledAt: row.cancelled_at.toISOString() } : {}),
  };
}
