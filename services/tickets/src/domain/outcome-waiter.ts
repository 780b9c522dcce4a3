/** An order's final state as announced by the settling consumer. */
export interface AnnouncedOutcome {
  status: 'confirmed' | 'rejected';
  reason?: string;
  ticketIds: string[];
}

/** How a wait ended: woken (with the outcome when the announcement carried it) or timed out. */
export type WaitResult = { woken: true; outcome?: AnnouncedOutcome } | { woken: false };

/**
 * Wakes requests waiting for an order's outcome. The saga's consumer announces each settled
 * order with an at-most-once broadcast (`orders.settled`) that reaches every tickets instance;
 * the instance holding the waiting POST wakes it at once instead of polling the database.
 * A lost broadcast costs nothing but the wait's timeout: the caller re-reads the order then.
 */
export class OutcomeWaiter {
  private readonly waiting = new Map<string, Set<(outcome?: AnnouncedOutcome) => void>>();

  /** Wakes everyone waiting for `orderId`, passing the outcome on when it is known. */
  notify(orderId: string, outcome?: AnnouncedOutcome): void {
    const wakers = this.waiting.get(orderId);
    if (!wakers) return;
    this.waiting.delete(orderId);
    for (const wake of wakers) wake(outcome);
  }

  /** Resolves when `orderId` is announced, or after `timeoutMs`. Register before re-checking the order. */
  wait(orderId: string, timeoutMs: number): { settled: Promise<WaitResult>; cancel: () => void } {
    let wake!: (outcome?: AnnouncedOutcome) => void;
    let timer: NodeJS.Timeout | undefined;
    const settled = new Promise<WaitResult>((resolve) => {
      wake = (outcome) => {
        clearTimeout(timer);
        resolve(outcome ? { woken: true, outcome } : { woken: true });
      };
      timer = setTimeout(() => {
        this.forget(orderId, wake);
        resolve({ woken: false });
      }, timeoutMs);
    });
    let set = this.waiting.get(orderId);
    if (!set) this.waiting.set(orderId, (set = new Set()));
    set.add(wake);
    return {
      settled,
      cancel: () => {
        clearTimeout(timer);
        this.forget(orderId, wake);
      },
    };
  }

  /** Requests waiting right now (a gauge for /metrics, and a leak check in tests). */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }

  private forget(orderId: string, wake: (outcome?: AnnouncedOutcome) => void): void {
    const set = this.waiting.get(orderId);
    set?.delete(wake);
    if (set?.size === 0) this.waiting.delete(orderId);
  }
}
