/**
 * Runs the processes of a stack: starts each and waits until it is ready, stops them all (the
 * last started first), and, unless `restarts` is false, keeps them running as an orchestrator
 * would: a process that exits while the stack is up is started again on the same port after a
 * delay that doubles with each consecutive failure (1 s, 2 s, 4 s… up to `maxDelayMs`), and each
 * restart is logged. A process that keeps dying is given up on after `maxRestarts` consecutive
 * restarts, and that is logged too; one that stayed up `stableAfterMs` counts as healthy again.
 */
import {
  ProcessSpec,
  RunningProcess,
  hasExited,
  killProcess,
  spawnProcess,
  stopProcess,
  waitUntilReady,
} from './processes';

export interface SupervisorOptions {
  /** Where each process's log goes (`<logDir>/<name>.log`, appended across restarts). */
  logDir: string;
  /** Receives one line per restart, recovery and surrender. Default: nothing is logged. */
  log?: (line: string) => void;
  /** False: a process that exits stays down (tests that kill one restart it themselves). Default true. */
  restarts?: boolean;
  /** The first restart's delay; doubles with each consecutive failure. Default 1000 ms. */
  initialDelayMs?: number;
  /** The longest delay between restarts. Default 30 s. */
  maxDelayMs?: number;
  /** Consecutive restarts before giving up on a process. Default 5. */
  maxRestarts?: number;
  /** Up this long after a restart and the failure count starts again from zero. Default 60 s. */
  stableAfterMs?: number;
  /** How long a restarted process gets to answer /readyz 200. Default 60 s. */
  readyTimeoutMs?: number;
}

/** One supervised process; `current` is replaced by each restart. */
export interface SupervisedProcess {
  spec: ProcessSpec;
  current: RunningProcess;
  /** Restarts since it last was stable. */
  failures: number;
  /** True once the supervisor stopped restarting it. */
  gaveUp: boolean;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

export class Supervisor {
  private readonly procs: SupervisedProcess[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private readonly options: Required<SupervisorOptions>;

  constructor(options: SupervisorOptions) {
    this.options = {
      log: () => undefined,
      restarts: true,
      initialDelayMs: 1000,
      maxDelayMs: 30_000,
      maxRestarts: 5,
      stableAfterMs: 60_000,
      readyTimeoutMs: 60_000,
      ...options,
    };
  }

  /** Where each process's log goes. */
  get logDir(): string {
    return this.options.logDir;
  }

  /** Every supervised process, in the order started. */
  get processes(): readonly SupervisedProcess[] {
    return this.procs;
  }

  /** The supervised process named e.g. "tickets-1". */
  process(name: string): SupervisedProcess {
    const found = this.procs.find((p) => p.spec.name === name);
    if (!found) throw new Error(`no supervised process ${name}`);
    return found;
  }

  /** Spawns `spec` and waits until it is ready; from then on (restarts on), restarts it whenever it exits. */
  async start(spec: ProcessSpec): Promise<SupervisedProcess> {
    const proc: SupervisedProcess = {
      spec,
      current: spawnProcess(spec, this.options.logDir),
      failures: 0,
      gaveUp: false,
    };
    this.procs.push(proc);
    await waitUntilReady(proc.current, this.options.readyTimeoutMs);
    this.watch(proc);
    return proc;
  }

  /** Kills one process with `signal` (SIGKILL by default) and resolves once it is gone. */
  async kill(name: string, signal?: NodeJS.Signals): Promise<void> {
    await killProcess(this.process(name).current, signal);
  }

  /**
   * Starts a process that exited again, on the same port, and waits until it is ready: a restart
   * by hand, for tests that kill a process themselves (with `restarts: false`).
   */
  async respawn(name: string): Promise<void> {
    const proc = this.process(name);
    if (!hasExited(proc.current)) throw new Error(`${name} is still running`);
    proc.current = spawnProcess(proc.spec, this.options.logDir);
    this.watch(proc);
    await waitUntilReady(proc.current, this.options.readyTimeoutMs);
  }

  /** Stops restarting and stops every process, the last started first (the gateway before the services). */
  async stopAll(graceMs?: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.procs].reverse().map((p) => stopProcess(p.current, graceMs)));
  }

  private watch(proc: SupervisedProcess): void {
    if (!this.options.restarts) return;
    const child = proc.current.child;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      const { name } = proc.spec;
      const how = describeExit(code, signal);
      if (proc.failures >= this.options.maxRestarts) {
        proc.gaveUp = true;
        this.options.log(
          `${name} (pid ${child.pid}) ${how}; gave up after ${proc.failures} restarts in a row. Its log: ${proc.current.logFile}`,
        );
        return;
      }
      proc.failures += 1;
      const delay = Math.min(this.options.initialDelayMs * 2 ** (proc.failures - 1), this.options.maxDelayMs);
      this.options.log(
        `${name} (pid ${child.pid}) ${how}; restarting in ${formatDelay(delay)} (attempt ${proc.failures + 1})`,
      );
      this.later(delay, () => void this.restart(proc));
    });
  }

  private async restart(proc: SupervisedProcess): Promise<void> {
    if (this.stopping) return;
    // `current` is this attempt's process: by the time a slow readiness check gives up, a later
    // attempt may already be `proc.current`.
    const current = spawnProcess(proc.spec, this.options.logDir);
    proc.current = current;
    this.watch(proc);
    const startedAt = Date.now();
    try {
      await waitUntilReady(current, this.options.readyTimeoutMs);
    } catch {
      // It exited before it was ready (the exit handler restarts it) or never answered: stop it
      // so the exit handler counts it as one more failure.
      if (!hasExited(current)) await stopProcess(current, 5000);
      return;
    }
    if (this.stopping) return;
    this.options.log(
      `${proc.spec.name} is back (pid ${current.child.pid}, ready in ${formatDelay(Date.now() - startedAt)})`,
    );
    this.later(this.options.stableAfterMs, () => {
      if (proc.current === current && !hasExited(current)) proc.failures = 0;
    });
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}

function formatDelay(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
