import knex from 'knex';
import request from 'supertest';
import { ShardRouter } from '@boxoffice/sharding';
import { TestStack, expectDocumented, signUpAndSignIn, startTestStack } from '../support';

/** End to end: a signed-in user, the gateway, real processes and shards. */
describe('events through the gateway', () => {
  let stack: TestStack;
  let organizer: string;
  const ids: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    organizer = (await signUpAndSignIn(stack.gatewayUrl)).cookie;
    const base = Date.now() + 86_400_000;
    for (let i = 0; i < 60; i++) {
      const res = await request(stack.gatewayUrl)
        .post('/api/events')
        .set('cookie', organizer)
        .send({
          title: `Show ${i}`,
          venue: 'Hall',
          startsAt: new Date(base + (i % 7) * 60_000).toISOString(),
          capacity: 10,
        });
      expectDocumented('POST', '/api/events', res);
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  test('when one user creates sixty events, then they land on all four shards, each on the shard its id names', async () => {
    const router = new ShardRouter('events', stack.env.topology.services.events.shards);
    const found = new Map<string, string[]>();
    for (const shard of router.shards) {
      const db = knex({ client: 'pg', connection: shard.primary });
      try {
        const rows = await db('events').whereIn('id', ids).select('id');
        found.set(
          shard.name,
          rows.map((r: { id: string }) => r.id),
        );
      } finally {
        await db.destroy();
      }
    }
    expect([...found.keys()].filter((name) => found.get(name)!.length > 0)).toEqual([
      '0_2',
      '3_5',
      '6_8',
      '9_f',
    ]);
    for (const [name, rows] of found) {
      for (const id of rows) expect(router.shardForKey(id).name).toBe(name);
    }
    expect([...found.values()].flat().sort()).toEqual([...ids].sort());
  });

  test('when the listing is paged through the gateway, then each event appears once, in (startsAt, id) order', async () => {
    const seen: { id: string; startsAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/events?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const res = expectDocumented('GET', path, await request(stack.gatewayUrl).get(path));
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.id).sort()).toEqual([...ids].sort());
    const keys = seen.map((e) => `${e.startsAt}|${e.id}`);
    expect([...keys].sort()).toEqual(keys);
  });

  test('when another user edits an event, then it is 403 and the event is unchanged', async () => {
    const other = (await signUpAndSignIn(stack.gatewayUrl)).cookie;
    const res = await request(stack.gatewayUrl)
      .patch(`/api/events/${ids[0]}`)
      .set('cookie', other)
      .send({ title: 'Mine now' });
    expect(expectDocumented('PATCH', `/api/events/${ids[0]}`, res).status).toBe(403);
    expect((await request(stack.gatewayUrl).get(`/api/events/${ids[0]}`)).body.title).toBe('Show 0');
  });

  test('when the body is bad or there is no session, then it is a 4xx and nothing is created', async () => {
    const bad = await request(stack.gatewayUrl)
      .post('/api/events')
      .set('cookie', organizer)
      .send({ title: '', venue: 'x', capacity: 0 });
    expect(expectDocumented('POST', '/api/events', bad).status).toBe(400);
    const anonymous = await request(stack.gatewayUrl)
      .post('/api/events')
      .send({
        title: 'T',
        venue: 'V',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        capacity: 1,
      });
    expect(anonymous.status).toBe(401);
    const listed = await request(stack.gatewayUrl).get('/api/events?limit=100');
    expect(listed.body.items).toHaveLength(60);
  });
});
