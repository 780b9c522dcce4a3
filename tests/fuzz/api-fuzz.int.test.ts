import fc from 'fast-check';
import { buildAdminUi } from '../../gateway/admin-ui/build-admin-ui';
import { newId } from '@boxoffice/platform';
import { makeImage } from '../images/image-fixtures';
import { TestStack, sessionCookieFor, signUp, startTestStack } from '../support';
import { createEvent, get, order, settledOrder } from '../tickets/purchase-kit';
import {
  DataFingerprint,
  FUZZ_RUNS,
  FUZZ_TIMEOUT_MS,
  changedTables,
  assertSound,
  describeRequest,
  documentedOperations,
  send,
} from './fuzz-kit';
import { FuzzWorld, OperationFuzz, fuzzOperations } from './fuzz-operations';

/**
 * The fuzz suite: every operation of the OpenAPI document, driven through the gateway
 * of a real stack with generated valid and invalid input. Defaults keep it near a minute on the
 * CI machine; FUZZ_RUNS=N runs each property N times (e.g. FUZZ_RUNS=5000 for an hour's worth).
 * A failure prints the shrunk request and fast-check's seed to replay it.
 */
describe('the API under generated input', () => {
  let stack: TestStack;
  let operations: Record<string, OperationFuzz>;
  let fingerprint: DataFingerprint;

  beforeAll(async () => {
    // As npm start does: GET /admin is one of the operations, and without a build it is a 503.
    await buildAdminUi({ ifNeeded: true });
    stack = await startTestStack({
      env: { SIGNIN_MAX_FAILURES_PER_IP: '100000', SIGNIN_MAX_FAILURES_PER_EMAIL: '100000' },
    });
    operations = fuzzOperations(await makeWorld(stack.gatewayUrl));
    fingerprint = new DataFingerprint(stack.env.topology);
    // A stack plus its fixtures (two sign-ups, two events, a settled order): past 120 s at load 25.
  }, 180_000);

  afterAll(async () => {
    await fingerprint?.close();
    await stack?.stop();
  });

  test('every operation in the OpenAPI document has a generator', () => {
    expect(Object.keys(operations).sort()).toEqual(documentedOperations().sort());
  });

  test(
    'when any operation gets generated input, then no answer is a 5xx or undocumented, and no process dies',
    async () => {
      const anyRequest = fc.oneof(...Object.values(operations).map((op) => op.any));
      await fc.assert(
        fc.asyncProperty(anyRequest, async (req) => {
          assertSound(stack, req, await send(stack, req));
        }),
        { numRuns: FUZZ_RUNS ?? 400 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  test(
    'when a write is refused, then it is a 4xx and no stored data changed',
    async () => {
      const refused = fc.oneof(
        ...Object.values(operations).flatMap((op) => (op.refused ? [op.refused] : [])),
      );
      const before = await fingerprint.whenQuiet();
      await fc.assert(
        fc.asyncProperty(refused, async (req) => {
          const res = await send(stack, req);
          assertSound(stack, req, res);
          if (res.status < 400)
            throw new Error(
              `${describeRequest(req)} was accepted (${res.status}); it was meant to be refused`,
            );
          const after = await fingerprint.take();
          if (after !== before) {
            throw new Error(
              `${describeRequest(req)} → ${res.status} changed stored data in ${changedTables(before, after).join(', ')}`,
            );
          }
        }),
        { numRuns: FUZZ_RUNS ?? 150 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});

/** Two signed-up users, two events, an order with two tickets, and cursors into each listing. */
async function makeWorld(url: string): Promise<FuzzWorld> {
  const organizer = await signUp(url);
  const buyer = await signUp(url);
  const organizerCookie = sessionCookieFor(organizer.user.id);
  const buyerCookie = sessionCookieFor(buyer.user.id);
  const organizerAsBuyer = { id: organizer.user.id, cookie: organizerCookie };
  const buyerAsBuyer = { id: buyer.user.id, cookie: buyerCookie };
  const events = [await createEvent(url, 50, organizerAsBuyer), await createEvent(url, 50, organizerAsBuyer)];
  const placed = await order(
    url,
    buyerAsBuyer,
    { eventId: events[1]!.id, quantity: 2 },
    { prefer: 'wait=5' },
  );
  const settled = await settledOrder(url, buyerAsBuyer, placed.body.id);
  if (settled.status !== 'confirmed') throw new Error(`the fixture order was ${settled.status}`);
  const eventPage = await get(url, '/api/events?limit=1');
  const ticketPage = await get(url, '/api/me/tickets?limit=1', buyerAsBuyer);
  return {
    organizerCookie,
    buyerCookie,
    strangerCookie: sessionCookieFor(newId()),
    email: organizer.email,
    password: organizer.password,
    userIds: [organizer.user.id, buyer.user.id],
    eventIds: events.map((e) => e.id),
    orderIds: [placed.body.id],
    ticketIds: settled.ticketIds,
    eventCursors: [eventPage.body.nextCursor],
    ticketCursors: [ticketPage.body.nextCursor],
    png: await makeImage('png', 64, 48),
  };
}
