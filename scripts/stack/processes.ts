/**
 * One process of a stack, from spawn to stop: what to run (a service, the gateway, or a benchmark's
 * baseline app), its log file, its readiness check and its graceful stop. The Supervisor runs
 * every process through these.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ServiceName } from '@boxoffice/runtime';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** What a process of a stack is: a service, the gateway, or a benchmark's baseline app. */
export type ProcessRole = ServiceName | 'gateway' | 'baseline';

export const ENTRY_POINTS: Readonly<Record<ServiceName | 'gateway', string>> = {
  users: join(REPO_ROOT, 'services/users/src/server.ts'),
  events: join(REPO_ROOT, 'services/events/src/server.ts'),
  tickets: join(REPO_ROOT, 'services/tickets/src/server.ts'),
  gateway: join(REPO_ROOT, 'gateway/src/server.ts'),
};

/** One process of the stack. */
export interface ProcessSpec {
  /** e.g. "users-1", "gateway", "monolith". */
  name: string;
  role: ProcessRole;
  port: number;
  url: string;
  env: Record<string, string>;
  /** The file to run; by default the role's server (a baseline must name its own). */
  entry?: string;
  /** What answers 200 once it serves; default `/readyz`. */
  readyPath?: string;
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

function entryOf(spec: ProcessSpec): string {
  if (spec.entry) return spec.entry;
  if (spec.role === 'baseline') throw new Error(`${spec.name}: a baseline process names its entry`);
  return ENTRY_POINTS[spec.role];
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
  const child = spawn(process.execPath, [...profile, ...flags, '--import', 'tsx', entryOf(spec)], {
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

/** True once the process has exited (or was killed). */
export function hasExited(proc: RunningProcess): boolean {
  return proc.child.exitCode !== null || proc.child.signalCode !== null;
}

/** Polls the process's ready path (`/readyz`) until it answers 200; rejects early if the process exits. */
export async function waitUntilReady(proc: RunningProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited(proc)) {
      throw new Error(
        `${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before it was ready:\n${logTail(proc.logFile)}`,
      );
    }
    try {
      const res = await fetch(`${proc.url}${proc.readyPath ?? '/readyz'}`, {
        signal: AbortSignal.timeout(2000),
      });
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

/** Sends `signal` (SIGKILL by default) and resolves once the process is gone. */
export async function killProcess(proc: RunningProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (hasExited(proc)) return;
  const gone = new Promise<void>((r) => proc.child.once('exit', () => r()));
  proc.child.kill(signal);
  await gone;
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Resolves when the process is gone. */
export async function stopProcess(proc: RunningProcess, graceMs = 10_000): Promise<void> {
  const { child } = proc;
  if (hasExited(proc)) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
