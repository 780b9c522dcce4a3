/**
 * One purchase is one trace, from the gateway through tickets, the outbox, the bus and events
 * back to the settlement, on whichever bus the stack runs (this file is also in the rabbitmq
 * project). The stack keeps every trace (OTEL_TRACES_SAMPLER=parentbased_always_on, as npm start
 * does); the spans are read the way the topology page reads them, from /admin/api/traces, and the
 * page itself is checked in Chromium: the purchase is drawn with every hop (the screenshot goes
 * to results/traces.png; docs/images/traces.png is one).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { buildAdminUi } from '../../gateway/admin-ui/build-admin-ui';
import { REPO_ROOT, launchChromium } from '@boxoffice/devstack';
import { TestStack, callerHeaders, startTestStack } from '../support';
import { createEvent, newBuyer, order } from '../tickets/purchase-kit';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  process: string;
  name: string;
  kind: string;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
}

let stack: TestStack;
let browser: Browser | undefined;

beforeAll(async () => {
  await buildAdminUi({ ifNeeded: true });
  stack = await startTestStack({
    env: { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A confirmed purchase; returns the order id. */
async function purchase(headers: Record<string, string> = {}): Promise<string> {
  const event = await createEvent(stack.gatewayUrl, 10);
  const res = await order(stack.gatewayUrl, newBuyer(), { eventId: event.id, quantity: 2 }, headers);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** The trace id of the newest purchase the gateway lists, once it lists one newer than `after`. */
async function newestPurchaseTrace(after: number): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await request(stack.gatewayUrl).get('/admin/api/traces');
    expect(res.status).toBe(200);
    const newest = (res.body.purchases as { traceId: string; startMs: number }[]).find(
      (p) => p.startMs >= after,
    );
    if (newest) return newest.traceId;
    if (Date.now() > deadline) throw new Error('no purchase trace listed');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The trace's spans once the settlement's consumer span has arrived (the hop after the answer may lag). */
async function spansOf(traceId: string): Promise<Span[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await request(stack.gatewayUrl).get(`/admin/api/traces/${traceId}`);
    expect(res.status).toBe(200);
    const spans = res.body.spans as Span[];
    if (spans.some((s) => s.process === 'tickets' && s.name === 'process seats')) return spans;
    if (Date.now() > deadline) throw new Error(`trace ${traceId} never reached the settlement`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('one purchase, one trace', () => {
  test('when a buyer purchases, then one trace holds every hop: gateway, tickets and its statement, the outbox, events, and the settlement', async () => {
    const before = Date.now();
    await purchase();
    const spans = await spansOf(await newestPurchaseTrace(before));
    const has = (process: string, name: string | RegExp, kind?: string) =>
      spans.some(
        (s) =>
          s.process === process &&
          (typeof name === 'string' ? s.name === name : name.test(s.name)) &&
          (!kind || s.kind === kind),
      );
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(has('gateway', /^POST/, 'server')).toBe(true);
    // The service's span is named by the route Express matched, and the order's statement runs
    // under it: the request's context reached the handler through the body parser.
    const ticketsServer = spans.find((s) => s.process === 'tickets' && s.kind === 'server')!;
    expect(ticketsServer).toMatchObject({
      name: 'POST /api/orders',
      attributes: expect.objectContaining({ 'http.route': '/api/orders', 'http.response.status_code': 201 }),
    });
    expect(
      spans.some(
        (s) => s.kind === 'client' && s.parentSpanId === ticketsServer.spanId && s.attributes['db.namespace'],
      ),
    ).toBe(true);
    expect(has('tickets', 'publish orders', 'producer')).toBe(true);
    expect(has('events', 'process orders', 'consumer')).toBe(true);
    expect(has('events', 'publish seats', 'producer')).toBe(true);
    expect(has('tickets', 'process seats', 'consumer')).toBe(true);
    // The order's statement names its shard (a tickets database: <prefix>tickets_<range>).
    const statement = spans.find(
      (s) => s.process === 'tickets' && s.kind === 'client' && s.attributes['db.namespace'],
    );
    expect(String(statement?.attributes['db.namespace'])).toMatch(/tickets_[0-9a-f]_[0-9a-f]$/);
    // Topic and partition on every message hop.
    for (const hop of spans.filter((s) => s.kind === 'consumer')) {
      expect(hop.attributes['messaging.destination.name']).toEqual(expect.any(String));
      expect(hop.attributes['messaging.destination.partition.id']).toEqual(expect.any(String));
    }
    // Every span but the gateway's root has its parent in the trace: nothing is cut off.
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
    expect(roots.map((s) => `${s.process} ${s.name}`)).toEqual(['gateway POST']);
  });

  test('when the events service decides a batch, then each purchase links to the batch and the batch to each purchase', async () => {
    const before = Date.now();
    await purchase();
    const spans = await spansOf(await newestPurchaseTrace(before));
    const hop = spans.find((s) => s.process === 'events' && s.name === 'process orders')!;
    expect(hop.links).toHaveLength(1);
    // The batch is a trace of its own (its statements run there), linked back to every message.
    const batchTrace = await request(stack.gatewayUrl).get(`/admin/api/traces/${hop.links[0]!.traceId}`);
    expect(batchTrace.status).toBe(200);
    const batch = (batchTrace.body.spans as Span[]).find((s) => s.spanId === hop.links[0]!.spanId)!;
    expect(batch).toMatchObject({ process: 'events', name: 'process orders batch', kind: 'consumer' });
    expect(batch.links).toContainEqual({ traceId: hop.traceId, spanId: hop.spanId });
    expect(batch.attributes['messaging.batch.message_count']).toBeGreaterThanOrEqual(1);
    // The batch's statements are its children, on the event's shard.
    const statements = (batchTrace.body.spans as Span[]).filter((s) => s.parentSpanId === batch.spanId);
    expect(
      statements.some((s) => /events_[0-9a-f]_[0-9a-f]$/.test(String(s.attributes['db.namespace']))),
    ).toBe(true);
  });
});

describe('trace context from outside', () => {
  const forged = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  test.each([
    ['a valid traceparent of the client', forged],
    ['a malformed traceparent', 'not-a-traceparent'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['an oversized traceparent', `00-${'a'.repeat(4000)}-b7ad6b7169203331-01`],
  ])(
    "when a client sends %s, then the purchase succeeds in a trace of the gateway's own",
    async (_what, traceparent) => {
      const before = Date.now();
      await purchase({ traceparent, tracestate: 'vendor=trusted' });
      const traceId = await newestPurchaseTrace(before);
      expect(traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    },
  );
});

describe('bad input to the traces endpoints', () => {
  test.each([['not-hex'], ['ABCDEF0123456789ABCDEF0123456789'], ['0'.repeat(32)], ['a'.repeat(33)]])(
    'when the trace id is %p, then /admin/api/traces/:traceId is 400 validation_failed',
    async (traceId) => {
      const res = await request(stack.gatewayUrl).get(`/admin/api/traces/${traceId}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    },
  );

  test("when a service is asked for traces without the gateway's signed header, then it is 401; with a bad id, 400", async () => {
    const tickets = stack.process('tickets-1').url;
    expect((await request(tickets).get(`/internal/traces?traceId=${'a'.repeat(32)}`)).status).toBe(401);
    const bad = await request(tickets).get('/internal/traces?traceId=zz').set(callerHeaders());
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const none = await request(tickets).get('/internal/traces').set(callerHeaders());
    expect(none.status).toBe(400);
  });
});

describe('the Traces view', () => {
  test('when a buyer purchases, then /admin draws that purchase with every hop', async () => {
    const before = Date.now();
    await purchase();
    const traceId = await newestPurchaseTrace(before);
    await spansOf(traceId);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${stack.gatewayUrl}/admin`);
    await page.locator(`.trace-link[data-trace-id="${traceId}"]`).first().click({ timeout: 30_000 });
    const table = page.locator(`table.waterfall[data-trace-id="${traceId}"]`);
    await table.waitFor({ timeout: 30_000 });
    const rows = async () =>
      table
        .locator('tr.span')
        .evaluateAll((trs) =>
          trs.map((tr) => `${tr.getAttribute('data-process')} ${tr.getAttribute('data-span-name')}`),
        );
    const deadline = Date.now() + 30_000;
    let drawn = await rows();
    while (!drawn.includes('tickets process seats') && Date.now() < deadline) {
      await page.waitForTimeout(500);
      drawn = await rows();
    }
    expect(drawn).toEqual(
      expect.arrayContaining([
        'gateway POST',
        'tickets publish orders',
        'events process orders',
        'events publish seats',
        'tickets process seats',
      ]),
    );
    mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
    await page.locator('#traces').screenshot({ path: join(REPO_ROOT, 'results', 'traces.png') });
  });
});
