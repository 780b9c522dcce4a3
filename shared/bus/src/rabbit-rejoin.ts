/**
 * After a channel is lost (the connection dropped, the broker closed the channel or cancelled the
 * consumer), calls `join` again a second later, and again after each failure, until it succeeds
 * or `stopped()` (the subscription was closed meanwhile).
 */
export function rejoinLater(
  join: () => Promise<void>,
  stopped: () => boolean,
  onError: (err: unknown) => void,
  delayMs = 1000,
): void {
  setTimeout(() => {
    if (stopped()) return;
    join().catch((err: unknown) => {
      onError(err);
      rejoinLater(join, stopped, onError, delayMs);
    });
  }, delayMs);
}
