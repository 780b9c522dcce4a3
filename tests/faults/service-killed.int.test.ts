import { createEvent } from '../tickets/purchase-kit';
import { SupervisedStack, expectEverythingSettles, rush, startSupervisedStack } from './fault-kit';

const CAPACITY = 60;

/**
 * Issue 13: a service process SIGKILLed mid-rush is brought back by the supervisor `npm start`
 * uses (scripts/lib/supervisor.ts), with no one restarting it by hand; every acknowledged order
 * settles. (tests/tickets/saga-crash.int.test.ts restarts by hand and covers both services.)
 */
describe('a service SIGKILLed mid-rush under the supervisor', () => {
  let stack: SupervisedStack;

  beforeAll(async () => {
    // Short leases so the restarted consumer takes the dead one's partitions in seconds.
    stack = await startSupervisedStack({ BUS_LEASE_MS: '1500', BUS_VISIBILITY_TIMEOUT_MS: '3000' });
    // Starting a stack takes past 120 s at load 25 on the two-core CI machine.
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  test('when tickets-1 is SIGKILLed during a wave, then the supervisor restarts it, the rush goes on, and every order settles', async () => {
    const url = stack.gatewayUrl;
    const event = await createEvent(url, CAPACITY);
    const tickets = stack.supervisor.process('tickets-1');
    const victimPid = tickets.current.child.pid;

    const outcome = await rush(url, event.id, {
      waves: 6,
      waveSize: 20,
      during: async (wave) => {
        if (wave === 1) tickets.current.child.kill('SIGKILL');
        if (wave === 3) {
          // Wait for the supervisor (not the test) to have it back before the last waves.
          const deadline = Date.now() + 60_000;
          while (tickets.current.child.pid === victimPid || !(await isReady(tickets.current.url))) {
            if (Date.now() > deadline) throw new Error('tickets-1 was not restarted within 60 s');
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      },
    });

    expect(tickets.current.child.pid).not.toBe(victimPid);
    expect(tickets.failures).toBe(1);
    expect(outcome.refused.every((status) => [502, 503].includes(status))).toBe(true);
    expect(outcome.acknowledged.length).toBeGreaterThanOrEqual(40);
    await expectEverythingSettles(url, stack.env, event.id, CAPACITY, outcome.acknowledged);
  });
});

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}
