import { createHash } from 'node:crypto';
import { AppError } from '@boxoffice/platform';
import { newColocatedId } from '@boxoffice/sharding';
import type { OrderRecord } from '../data-access';
import { orderRequested } from '../messages';
import type { WaitResult } from './outcome-waiter';
import type { TicketsDeps } from './tickets-deps';

export interface PlaceOrderCommand {
  buyerId: string;
  eventId: string;
  quantity: number;
  idempotencyKey?: string;
  /** How long to wait for the outcome before answering with a pending order (ms, 0–10 000). */
  waitMs: number;
  requestId?: string;
}

export interface PlacedOrder {
  order: OrderRecord;
  /** False when an Idempotency-Key matched an earlier order and nothing new was written. */
  created: boolean;
}

/** Same key and same body → same order; the fingerprint is what "same body" means. */
function fingerprint(eventId: string, quantity: number): string {
  return createHash('sha256').update(`${eventId.toLowerCase()}:${quantity}`).digest('base64url');
}

/**
 * Step 1 of the purchase saga (docs/architecture.md, The purchase saga): write a pending order and its `order.requested`
 * outbox row so they commit together (concurrent POSTs are written together, one statement per
 * shard: OrderRepository.createPending), then wait up to `waitMs` for the outcome. The waiter is
 * registered before the write: the outcome cannot be announced before the order commits, so a
 * new order needs no read before waiting. The wait is woken by the settling consumer, locally or
 * by its `orders.settled` broadcast, which carries the final state when the order was settled
 * just now; otherwise (a duplicate delivery, a timeout) the order is read again.
 */
export async function placeOrder(deps: TicketsDeps, command: PlaceOrderCommand): Promise<PlacedOrder> {
  const requestFingerprint = fingerprint(command.eventId, command.quantity);
  const orderId = newColocatedId(command.buyerId);
  const waiting = command.waitMs > 0 ? deps.waiter.wait(orderId, command.waitMs) : undefined;
  try {
    const pending = {
      id: orderId,
      buyerId: command.buyerId,
      eventId: command.eventId,
      quantity: command.quantity,
      idempotencyKey: command.idempotencyKey,
      requestFingerprint,
    };
    const { order, created } = await deps.orders.createPending(
      pending,
      orderRequested(pending, command.requestId),
    );
    if (!created && order.requestFingerprint !== requestFingerprint) {
      throw new AppError(
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request body',
        {
          details: { orderId: order.id },
        },
      );
    }
    if (order.status !== 'pending' || !waiting) return { order, created };
    // An earlier order of this Idempotency-Key has another id: wait for that one.
    if (!created) return { order: await waitForExisting(deps, order, command.waitMs), created };
    return { order: await outcomeOf(deps, order, waiting.settled), created };
  } finally {
    waiting?.cancel();
  }
}

/** The order's state once the wait ends: the announced outcome, or (no outcome known) a read. */
async function outcomeOf(
  deps: TicketsDeps,
  order: OrderRecord,
  settled: Promise<WaitResult>,
): Promise<OrderRecord> {
  const result = await settled;
  // A settled order never changes state, so the announced outcome is as good as a read.
  if (result.woken && result.outcome) {
    const { status, reason, ticketIds } = result.outcome;
    return { ...order, status, ticketIds, ...(reason ? { reason } : {}) };
  }
  return (await deps.orders.find(order.id, order.buyerId)) ?? order;
}

async function waitForExisting(deps: TicketsDeps, order: OrderRecord, waitMs: number): Promise<OrderRecord> {
  // Register first, then look: an outcome announced in between is then either seen by the
  // read or wakes the waiter; never neither.
  const waiting = deps.waiter.wait(order.id, waitMs);
  try {
    const now = await deps.orders.find(order.id, order.buyerId);
    if (now && now.status !== 'pending') return now;
    return await outcomeOf(deps, order, waiting.settled);
  } finally {
    waiting.cancel();
  }
}
