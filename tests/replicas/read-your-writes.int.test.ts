import { randomBytes } from 'node:crypto';
import { ApiClient, signUpAndIn } from '@boxoffice/devstack';
import { uniqueEmail } from '../support';
import { ReplicaStack, readsCounted, startReplicaStack } from './replica-stack';

/**
 * 800 ms replay delay: "right after the write" is then reliably before the replica has it, so a
 * read that ignored the writer's positions would visibly miss the write. The cache is off, so the
 * event page and profiles reach the shards too (with it on, cache fills read the primary).
 */
const APPLY_DELAY_MS = 800;

let rs: ReplicaStack;

beforeAll(async () => {
  rs = await startReplicaStack({ applyDelayMs: APPLY_DELAY_MS, env: { CACHE_ENABLED: 'false' } });
}, 300_000);

afterAll(async () => {
  await rs?.stop();
});

/** A browser signed up and in (the client throws unless POST /api/users answers 201 and the sign-in 200). */
async function signedUpBrowser(options = { positions: true }): Promise<ApiClient> {
  const browser = new ApiClient(rs.stack.gatewayUrl, options);
  await signUpAndIn(browser, { email: uniqueEmail('ryw'), displayName: 'Before' });
  return browser;
}

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();

describe('read-your-writes through the gateway, on a real streaming replica', () => {
  test('when a write answers, then the gateway sets the signed positions cookie and hides the header', async () => {
    const browser = await signedUpBrowser();
    const res = await browser.request('PATCH', '/api/me', { displayName: 'After' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-shard-positions')).toBeNull();
    expect(browser.cookie('sidpos')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  test('when a user renames themselves, then GET /api/me and their profile show the new name at once', async () => {
    const browser = await signedUpBrowser();
    const me = (await browser.get('/api/me')).body as { id: string };
    for (let i = 0; i < 3; i++) {
      const name = `Name ${i} ${randomBytes(3).toString('hex')}`;
      expect((await browser.request('PATCH', '/api/me', { displayName: name })).status).toBe(200);
      expect((await browser.get('/api/me')).body).toMatchObject({ displayName: name });
      expect((await browser.get(`/api/users/${me.id}`)).body).toMatchObject({ displayName: name });
    }
  });

  test('when the positions cookie is dropped (pinning off), then the read right after the write is stale', async () => {
    const browser = await signedUpBrowser({ positions: false });
    await new Promise((r) => setTimeout(r, APPLY_DELAY_MS * 2)); // the sign-up has replayed
    const name = `Unpinned ${randomBytes(3).toString('hex')}`;
    expect((await browser.request('PATCH', '/api/me', { displayName: name })).status).toBe(200);
    expect((await browser.get('/api/me')).body).not.toMatchObject({ displayName: name });
    await new Promise((r) => setTimeout(r, APPLY_DELAY_MS * 2));
    expect((await browser.get('/api/me')).body).toMatchObject({ displayName: name });
  });

  test('when an organizer creates and edits an event, then the event page and the listing show it at once', async () => {
    const browser = await signedUpBrowser();
    const startsAt = tomorrow();
    const created = await browser.request('POST', '/api/events', {
      title: 'Replica night',
      venue: 'Hall R',
      startsAt,
      capacity: 10,
    });
    expect(created.status).toBe(201);
    const { id } = created.body as { id: string };
    expect((await browser.get(`/api/events/${id}`)).status).toBe(200);
    const listing = await browser.get(`/api/events?from=${encodeURIComponent(startsAt)}&limit=100`);
    expect((listing.body as { items: Array<{ id: string }> }).items.map((e) => e.id)).toContain(id);
    const edited = await browser.request('PATCH', `/api/events/${id}`, { title: 'Replica night, moved' });
    expect(edited.status).toBe(200);
    expect((await browser.get(`/api/events/${id}`)).body).toMatchObject({ title: 'Replica night, moved' });
  });

  test('when a buyer buys, then their order and their tickets show at once', async () => {
    const organizer = await signedUpBrowser();
    const event = await organizer.request('POST', '/api/events', {
      title: 'Sale',
      venue: 'Hall S',
      startsAt: tomorrow(),
      capacity: 5,
    });
    const buyer = await signedUpBrowser();
    const placed = await buyer.request('POST', '/api/orders', {
      eventId: (event.body as { id: string }).id,
      quantity: 2,
    });
    expect(placed.status).toBe(201);
    const order = placed.body as { id: string; ticketIds: string[] };
    expect((await buyer.get(`/api/orders/${order.id}`)).body).toMatchObject({ status: 'confirmed' });
    const mine = (await buyer.get('/api/me/tickets')).body as { items: Array<{ id: string }> };
    expect(mine.items.map((t) => t.id).sort()).toEqual([...order.ticketIds].sort());
    expect((await buyer.get(`/api/tickets/${order.ticketIds[0]}`)).status).toBe(200);
  });

  test('when buyers buy at once (their orders written in one batch), then each one reads back the order and tickets they were told of, in every round', async () => {
    const organizer = await signedUpBrowser();
    const event = await organizer.request('POST', '/api/events', {
      title: 'Rush',
      venue: 'Hall B',
      startsAt: tomorrow(),
      capacity: 100,
    });
    const eventId = (event.body as { id: string }).id;
    const buyers = await Promise.all(Array.from({ length: 8 }, () => signedUpBrowser()));
    const stale: string[] = [];
    for (let round = 0; round < 3; round++) {
      // All at once, so the tickets service writes several of them in one statement: a buyer's
      // order is then committed by a batch started on behalf of another request.
      await Promise.all(
        buyers.map(async (buyer, i) => {
          const placed = await buyer.request(
            'POST',
            '/api/orders',
            { eventId, quantity: 1 },
            { prefer: 'wait=5' },
          );
          expect(placed.status).toBe(201);
          const order = placed.body as { id: string; status: string; ticketIds: string[] };
          expect(order.status).toBe('confirmed');
          const read = await buyer.get(`/api/orders/${order.id}`);
          if (read.status !== 200 || (read.body as { status?: string }).status !== 'confirmed') {
            stale.push(`round ${round} buyer ${i}: GET order ${read.status}`);
          }
          const mine = (await buyer.get('/api/me/tickets')).body as { items?: Array<{ id: string }> };
          const listed = new Set((mine.items ?? []).map((t) => t.id));
          if (!order.ticketIds.every((id) => listed.has(id)))
            stale.push(`round ${round} buyer ${i}: tickets`);
        }),
      );
    }
    expect(stale).toEqual([]);
  });

  test('when anonymous visitors read, then replicas serve them, and pinned reads are counted as such', async () => {
    const before = await readsCounted(rs.stack, { target: 'replica' });
    const anonymous = new ApiClient(rs.stack.gatewayUrl);
    for (let i = 0; i < 5; i++) expect((await anonymous.get('/api/events?limit=5')).status).toBe(200);
    expect(await readsCounted(rs.stack, { target: 'replica' })).toBeGreaterThanOrEqual(before + 5 * 4);
    expect(await readsCounted(rs.stack, { target: 'primary', reason: 'not_caught_up' })).toBeGreaterThan(0);
  });

  test('when the positions cookie is tampered with or oversized, then it is ignored: 200, never a 5xx', async () => {
    const browser = await signedUpBrowser();
    await browser.request('PATCH', '/api/me', { displayName: 'Tamper' });
    const good = browser.cookie('sidpos')!;
    // An ignored position is an unpinned read, which a replica still behind the sign-up answers
    // 401 (no such user yet): wait until an unpinned reader sees the write, so every answer below
    // must be 200 and only a mishandled cookie (a 5xx, a lost session) can fail it.
    const unpinned = new ApiClient(rs.stack.gatewayUrl, { positions: false });
    unpinned.setCookie('sid', browser.cookie('sid')!);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await unpinned.get('/api/me');
      if (res.status === 200 && (res.body as { displayName?: string }).displayName === 'Tamper') break;
      if (Date.now() > deadline) throw new Error(`the replica never caught up: ${res.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [body, mac] = good.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ t: Math.floor(Date.now() / 1000), p: 'users:0_2=FFFFFFFF/FFFFFFFF' }),
    ).toString('base64url');
    for (const value of [`${forged}.${mac}`, `${body}.${mac.slice(1)}`, 'x'.repeat(6000), '%%%', `${body}`]) {
      browser.setCookie('sidpos', value);
      const res = await browser.get('/api/me');
      expect({ value: value.slice(0, 20), status: res.status }).toEqual({
        value: value.slice(0, 20),
        status: 200,
      });
    }
    const direct = await browser.get('/api/events?limit=1', {
      'x-shard-positions': `events:0_2=${'F'.repeat(5000)}`,
    });
    expect(direct.status).toBe(200);
  });

  test('when a service is asked for readiness, then it names its replica and is ready', async () => {
    const users = rs.stack.processes.find((p) => p.role === 'users')!;
    const res = await fetch(`${users.url}/readyz`);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(res.status).toBe(200);
    expect(body.checks[`replica 127.0.0.1:${rs.cluster.replicas[0]!.port}`]).toBe('ok');
  });
});
