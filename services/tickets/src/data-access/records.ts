/**
 * Plain records the tickets data-access layer returns; no knex or pg types. Timestamps are ISO
 * 8601 strings (UTC, milliseconds) as in every service, so records survive JSON unchanged.
 */
export type OrderStatus = 'pending' | 'confirmed' | 'rejected';
export type TicketStatus = 'active' | 'cancelled';

export interface OrderRecord {
  id: string;
  buyerId: string;
  eventId: string;
  quantity: number;
  status: OrderStatus;
  reason?: string;
  requestFingerprint: string;
  createdAt: string;
  ticketIds: string[];
}

export interface NewOrder {
  id: string;
  buyerId: string;
  eventId: string;
  quantity: number;
  idempotencyKey?: string;
  requestFingerprint: string;
}

export interface TicketRecord {
  id: string;
  orderId: string;
  buyerId: string;
  eventId: string;
  seatNumber: number;
  status: TicketStatus;
  createdAt: string;
  cancelledAt?: string;
}

/** Where a page of "my tickets" starts: after this (createdAt, id), newest first. */
export interface TicketPosition {
  createdAt: string;
  id: string;
}

/** How an order is settled by the saga's outcome message. */
export type Settlement = { outcome: 'confirmed' } | { outcome: 'rejected'; reason: string };

/** One order's settlement, as a `seats.*` message carries it. */
export interface OrderSettlement {
  orderId: string;
  settlement: Settlement;
}

/** An order's final state, as settled by the saga (confirmed with its tickets, or rejected). */
export interface SettledOrder {
  orderId: string;
  status: 'confirmed' | 'rejected';
  reason?: string;
  ticketIds: string[];
}
