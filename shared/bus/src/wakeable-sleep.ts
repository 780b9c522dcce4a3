/**
 * A pause that can be cut short: `sleep(ms)` resolves after `ms`, or at once when `wake()` is
 * called meanwhile (a NOTIFY arrived, a partition was assigned, the loop is stopping). A wake with
 * no sleep in progress does nothing; the next sleep waits its full time.
 */
export class WakeableSleep {
  private wakeUp: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}
