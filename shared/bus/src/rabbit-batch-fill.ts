import type { Channel } from 'amqplib';

/**
 * Longest a partial batch waits for messages the broker has reported ready. A fuse, not a
 * linger: those messages are already on their way to this consumer, and the wait ends when they
 * arrive (0.5 ms typically; at most 50 ms seen with a 250-message backlog under four busy loops
 * on two cores). It only fires if they never come (a broker that stops delivering), and then a
 * partial batch is held 200 ms at most.
 */
export const BATCH_FILL_TIMEOUT_MS = 200;

/**
 * Holds a partial batch back while the broker is still delivering the messages that would fill it.
 *
 * RabbitMQ pushes deliveries up to the prefetch (batchSize) over several socket reads (a quorum
 * queue sends them a few at a time), so a batch that took whatever had arrived held 5 or 10 of
 * a 250-message backlog, and its ack let only as many in again: the batches stayed small. Redis
 * (XREADGROUP COUNT) returns a full batch from a backlog. To match it, a batch smaller than
 * batchSize asks the broker how many messages are ready in the queue (a passive declare, one
 * round trip). Ready messages go to this consumer, the queue's single active one, as its prefetch
 * window allows, so at least min(batchSize, held + ready) are coming: wait for those, then ask
 * again, until the batch is full or nothing more is ready. A trickle of live messages finds
 * nothing ready and goes after that one round trip. Messages already sent but still on the wire
 * are not ready any more, so the last batch of a backlog may still come in parts.
 */
export class BatchFill {
  private wake: (() => void) | undefined;

  constructor(
    private readonly queue: string,
    private readonly batchSize: number,
  ) {}

  /** A delivery arrived, or the consumer stopped: the waiting fill looks again. */
  poke(): void {
    this.wake?.();
  }

  /**
   * Resolves once `held()` deliveries are as many as the broker has said are coming (batchSize at
   * most), or once `gone()` (stopped, channel lost), or after BATCH_FILL_TIMEOUT_MS.
   */
  async fill(channel: Channel, held: () => number, gone: () => boolean): Promise<void> {
    const deadline = Date.now() + BATCH_FILL_TIMEOUT_MS;
    while (!gone() && held() < this.batchSize) {
      const { messageCount } = await channel.checkQueue(this.queue);
      const coming = Math.min(this.batchSize, held() + messageCount);
      if (coming <= held()) return;
      if (!(await this.until(() => gone() || held() >= coming, deadline))) return;
    }
  }

  /** True once `done()` holds (checked at each poke), false at the deadline. */
  private until(done: () => boolean, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.wake = undefined;
        resolve(ok);
      };
      // At the deadline, give I/O one more turn first: after a blocked event loop (a GC pause,
      // another partition's handler) timers run before the socket is read, and the deliveries
      // waited for may already be there.
      const timer = setTimeout(() => setImmediate(() => finish(false)), deadline - Date.now());
      this.wake = () => done() && finish(true);
      this.wake();
    });
  }
}
