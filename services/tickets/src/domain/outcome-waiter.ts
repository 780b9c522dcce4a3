/**
 * Wakes requests waiting for an order's outcome. The saga's consumer announces each settled
 * order with an at-most-once broadcast (`order.settled`) that reaches every tickets instance;
 * the instance holding the waiting POST wakes it at once instead of polling the database.
 * A lost broadcast costs nothing but the wait's timeout: the caller re-reads the order then.
 */
export class OutcomeWaiter {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Wakes everyone waiting for `orderId`. */
  notify(orderId: string): void {
    const wakers = this.waiting.get(orderId);
    if (!wakers) return;
    this.waiting.delete(orderId);
    for (const wake of wakers) wake();
  }

  /** Resolves true when `orderId` is announced, false after `timeoutMs`. Register before re-checking the order. */
  wait(orderId: string, timeoutMs: number): { settled: Promise<boolean>; cancel: () => void } {
    let wake!: () => void;
    let timer: NodeJS.Timeout | undefined;
    const settled = new Promise<boolean>((resolve) => {
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      timer = setTimeout(() => {
        this.forget(orderId, wake);
        resolve(false);
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

  private forget(orderId: string, wake: () => void): void {
    const set = this.waiting.get(orderId);
    set?.delete(wake);
    if (set?.size === 0) this.waiting.delete(orderId);
  }
}
