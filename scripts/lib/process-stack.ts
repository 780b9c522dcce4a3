import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_PORTS, SERVICE_NAMES, ServiceName } from '@boxoffice/runtime';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export const ENTRY_POINTS: Readonly<Record<ServiceName | 'gateway', string>> = {
  users: join(REPO_ROOT, 'services/users/src/server.ts'),
  events: join(REPO_ROOT, 'services/events/src/server.ts'),
  tickets: join(REPO_ROOT, 'services/tickets/src/server.ts'),
  gateway: join(REPO_ROOT, 'gateway/src/server.ts'),
};

/** One process of the stack. */
export interface ProcessSpec {
  /** e.g. "users-1", "gateway". */
  name: string;
  role: ServiceName | 'gateway';
  port: number;
  url: string;
  env: Record<string, string>;
}

export interface RunningProcess extends ProcessSpec {
  child: ChildProcess;
  logFile: string;
}

/** This process's environment without the unset entries: the base every child process is given. */
export function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** A port nothing listens on right now (the OS picks it); see freePort. */
function portFromOs(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Where handed-out ports are noted, for every process of this machine that starts stacks. */
const RESERVATIONS = join(tmpdir(), 'boxoffice-ports');
/** A note older than this is stale: its stack has bound the port (or given it up) long since. */
const RESERVATION_MS = 10 * 60_000;

/** Notes `port` as handed out; false when another process (or this one) did so in the last 10 min. */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch {
    try {
      if (Date.now() - statSync(file).mtimeMs < RESERVATION_MS) return false;
      utimesSync(file, new Date(), new Date()); // stale: take it over
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * A port nothing listens on right now, for a process about to be started. The OS picks it, and it
 * is noted (an empty file under the temp folder) so that no other caller on this machine is
 * handed the same port for 10 minutes: between this answer and the child's bind, seconds pass,
 * and two jest workers starting stacks at once could otherwise both be given it; one child would
 * then fail to bind while the other's process answered its readiness checks.
 */
export async function freePort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = await portFromOs();
    if (reserve(port) || attempt >= 50) return port;
  }
}

/** Resolves true when `port` can be bound on `host`. */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, host, () => server.close(() => resolveFree(true)));
  });
}

/**
 * The processes of a stack: `instances` of each service, then the gateway pointed at all of them.
 * `ports` gives each role's first port (instance i listens on first + i).
 */
export function planStack(options: {
  instances: number;
  ports?: Partial<Record<ServiceName | 'gateway', number>>;
  env: Record<string, string>;
}): ProcessSpec[] {
  const first = { ...DEFAULT_PORTS, ...options.ports };
  const consecutive = (base: number) => Array.from({ length: options.instances }, (_, i) => base + i);
  return stackSpecs(
    {
      users: consecutive(first.users),
      events: consecutive(first.events),
      tickets: consecutive(first.tickets),
      gateway: first.gateway,
    },
    options.env,
  );
}

/** The processes of a stack with explicit ports: one instance per listed port, then the gateway over them. */
export function stackSpecs(
  ports: Record<ServiceName, number[]> & { gateway: number },
  env: Record<string, string>,
): ProcessSpec[] {
  const specs: ProcessSpec[] = [];
  const urls = {} as Record<ServiceName, string[]>;
  for (const service of SERVICE_NAMES) {
    urls[service] = ports[service].map((port) => `http://127.0.0.1:${port}`);
    ports[service].forEach((port, i) => {
      specs.push({
        name: `${service}-${i + 1}`,
        role: service,
        port,
        url: urls[service][i]!,
        env: { ...env, PORT: String(port) },
      });
    });
  }
  specs.push({
    name: 'gateway',
    role: 'gateway',
    port: ports.gateway,
    url: `http://127.0.0.1:${ports.gateway}`,
    env: {
      ...env,
      PORT: String(ports.gateway),
      USERS_URLS: urls.users.join(','),
      EVENTS_URLS: urls.events.join(','),
      TICKETS_URLS: urls.tickets.join(','),
    },
  });
  return specs;
}

/** Runs one process with tsx; stdout and stderr go to `<logDir>/<name>.log`. */
export function spawnProcess(spec: ProcessSpec, logDir: string): RunningProcess {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${spec.name}.log`);
  const fd = openSync(logFile, 'a');
  // The IPC channel lets the child notice when we die, even by SIGKILL, and stop itself.
  // BOXOFFICE_CPU_PROF_DIR=/some/dir writes a V8 CPU profile per process on exit (open it in
  // Chrome DevTools); NODE_OPTIONS may not carry --cpu-prof, hence this switch.
  const profile = spec.env.BOXOFFICE_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${spec.env.BOXOFFICE_CPU_PROF_DIR}`]
    : [];
  // BOXOFFICE_NODE_FLAGS='--trace-deopt …' passes V8 and Node flags NODE_OPTIONS refuses (a measuring aid).
  const flags = (spec.env.BOXOFFICE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...profile, ...flags, '--import', 'tsx', ENTRY_POINTS[spec.role]], {
    cwd: REPO_ROOT,
    env: { ...spec.env },
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  closeSync(fd);
  return { ...spec, child, logFile };
}

/** The last lines of a process's log, for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `<url>/readyz` until it answers 200; rejects early if the process exits. */
export async function waitUntilReady(proc: RunningProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before it was ready:\n${logTail(proc.logFile)}`,
      );
    }
    try {
      const res = await fetch(`${proc.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status === 200) return;
      last = `${res.status} ${body}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.name} was not ready after ${timeoutMs} ms: ${last}\n${logTail(proc.logFile)}`);
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Resolves when the process is gone. */
export async function stopProcess(proc: RunningProcess, graceMs = 10_000): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts a planned stack in order: every service process, each ready, then the gateway. Each
 * process is pushed onto `running` as soon as it is spawned, so a caller that catches a failed
 * start can stop whatever did start.
 */
export async function startPlannedStack(
  specs: readonly ProcessSpec[],
  logDir: string,
  running: RunningProcess[],
  readyTimeoutMs: number,
): Promise<void> {
  const services = specs.filter((s) => s.role !== 'gateway').map((s) => spawnProcess(s, logDir));
  running.push(...services);
  await Promise.all(services.map((p) => waitUntilReady(p, readyTimeoutMs)));
  const gateway = spawnProcess(
    specs.find((s) => s.role === 'gateway')!,
    logDir,
  );
  running.push(gateway);
  await waitUntilReady(gateway, readyTimeoutMs);
}
