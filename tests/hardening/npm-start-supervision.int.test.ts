import { mkdtempSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stackSpecs, Supervisor } from '@boxoffice/devstack';
import { newId } from '@boxoffice/platform';
import { TestEnv, createTestEnv, sessionCookieFor } from '../support';
import { freePortBase, pidOf, portsClosedWithin, runNpmStart, stackPorts } from '../support/npm-start-kit';

/** `npm start` keeps its processes running and stops on a signal. */
describe('npm start as a supervisor', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv();
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  test('when a service instance is SIGKILLed, then it is restarted with backoff, logged, and serves again; SIGTERM to npm then closes every port within 5 s and exits 0', async () => {
    const base = await freePortBase();
    const run = runNpmStart(env.env, base);
    try {
      await run.waitFor(/Boxoffice is up/);
      const victim = pidOf(run, 'tickets-1');

      process.kill(victim, 'SIGKILL');
      await run.waitFor(
        new RegExp(`tickets-1 \\(pid ${victim}\\) was killed by SIGKILL; restarting in 1 s \\(attempt 2\\)`),
        10_000,
      );
      const [, newPid] = await run.waitFor(/tickets-1 is back \(pid (\d+)/, 60_000);
      expect(Number(newPid)).not.toBe(victim);
      const ready = await fetch(`http://127.0.0.1:${base + 300}/readyz`);
      expect(ready.status).toBe(200);
      // Through the gateway: the tickets service answers a signed-in read again, not 502/503.
      const tickets = await fetch(`http://127.0.0.1:${base}/api/me/tickets`, {
        headers: { cookie: sessionCookieFor(newId()) },
      });
      expect(tickets.status).toBe(200);

      run.child.kill('SIGTERM');
      expect(await portsClosedWithin(stackPorts(base), 5000)).toEqual([]);
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('stopped; nothing left running');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('when SIGINT is sent to the npm process alone (not its group), then every port closes within 5 s and it exits 0', async () => {
    const base = await freePortBase();
    const run = runNpmStart(env.env, base);
    try {
      await run.waitFor(/Boxoffice is up/);
      run.child.kill('SIGINT');
      expect(await portsClosedWithin(stackPorts(base), 5000)).toEqual([]);
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('when a process keeps dying, then the supervisor gives up after its bound and says so', async () => {
    const port = await freePort();
    const [users] = stackSpecs(
      { users: [port], events: [], tickets: [], gateway: await freePort() },
      env.env,
    );
    const lines: string[] = [];
    const supervisor = new Supervisor({
      logDir: mkdtempSync(join(tmpdir(), 'bo-supervisor-')),
      log: (line) => lines.push(line),
      initialDelayMs: 100,
      maxRestarts: 2,
    });
    let squatter: Server | undefined;
    try {
      const proc = await supervisor.start(users!);
      // Once it is gone, something else holds its port: every restart dies at listen.
      const gone = new Promise((r) => proc.current.child.once('exit', r));
      proc.current.child.kill('SIGKILL');
      await gone;
      squatter = createServer();
      await new Promise<void>((r) => squatter!.listen(port, '127.0.0.1', r));

      const deadline = Date.now() + 60_000;
      while (!proc.gaveUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(proc.gaveUp).toBe(true);
      expect(lines[0]).toMatch(
        /^users-1 \(pid \d+\) was killed by SIGKILL; restarting in 0\.1 s \(attempt 2\)$/,
      );
      expect(lines[1]).toMatch(
        /^users-1 \(pid \d+\) exited with code 1; restarting in 0\.2 s \(attempt 3\)$/,
      );
      expect(lines[2]).toMatch(/^users-1 \(pid \d+\) exited with code 1; gave up after 2 restarts in a row/);
      expect(lines).toHaveLength(3);
    } finally {
      squatter?.close();
      await supervisor.stopAll(2000);
    }
  });
});
