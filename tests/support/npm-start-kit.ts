/**
 * `npm start` run the way a user runs it, for the tests of the whole command: its output, its
 * ports, its signals, its supervision.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portIsFree, REPO_ROOT } from '@boxoffice/devstack';

export interface NpmStart {
  /** The `npm` process itself: what a user's `kill <pid>` or an init system signals. */
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once `pattern` shows in the output (rejects if npm exits or after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/**
 * Runs `npm start` exactly as a user does, on its own ports and state dir (a fresh one unless
 * `env` names BOXOFFICE_STATE_DIR), under `env`.
 */
export function runNpmStart(env: Record<string, string>, portBase: number): NpmStart {
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      BOXOFFICE_STATE_DIR: mkdtempSync(join(tmpdir(), 'bo-start-')),
      ...env,
      PORT_BASE: String(portBase),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    async waitFor(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = text.match(pattern);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`npm start exited early:\n${text}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** The four ports of a stack moved to `base` (gateway, users, events, tickets). */
export const stackPorts = (base: number) => [base, base + 100, base + 200, base + 300];

/**
 * A base port with base, +100, +200 and +300 all free, all below Linux's ephemeral range
 * (32768–60999): the stacks of other test files take their ports from that range (`freePort`
 * binds port 0), and a base inside it can take a port another file's stack was just given: the
 * likely cause of a CI failure where one stack's events URL was answered by another's tickets.
 */
export async function freePortBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    if ((await Promise.all(stackPorts(base).map((p) => portIsFree(p)))).every(Boolean)) return base;
  }
}

/** Polls until every port can be bound again (nothing listens), or gives up after `timeoutMs`. */
export async function portsClosedWithin(ports: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = (await Promise.all(ports.map(async (p) => ((await portIsFree(p)) ? 0 : p)))).filter(Boolean);
    if (open.length === 0 || Date.now() > deadline) return open;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid `npm start`'s table shows for a process, e.g. "tickets-1". */
export function pidOf(run: NpmStart, name: string): number {
  const match = run.output().match(new RegExp(`^${name}\\s+(\\d+)\\s+http`, 'm'));
  if (!match) throw new Error(`no ${name} in the table:\n${run.output()}`);
  return Number(match[1]);
}
