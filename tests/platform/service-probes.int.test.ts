import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildUsersDeps, createUsersApp } from '../../services/users/src';
import { InProcessService, TestEnv, buildServiceInProcess, createTestEnv } from '../support';

describe('the probes and platform routes every service has', () => {
  let env: TestEnv;
  let users: InProcessService;

  beforeAll(async () => {
    env = await createTestEnv({ services: ['users'] });
    users = buildServiceInProcess('users', env, (ctx) => createUsersApp(ctx, buildUsersDeps(ctx)));
  });

  afterAll(async () => {
    await users?.close();
    await env?.cleanup();
  });

  test('when /healthz is asked, then the process says it is alive', async () => {
    const res = await request(users.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'alive' });
  });

  test('when every shard and Redis answer, then /readyz is 200 listing each check', async () => {
    const res = await request(users.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({
      'redis cache': 'ok',
      'shard users_0_2': 'ok',
      'shard users_3_5': 'ok',
      'shard users_6_8': 'ok',
      'shard users_9_f': 'ok',
    });
  });

  test('when /internal/ping is asked, then it lists the four shards with their ranges and databases', async () => {
    const res = await request(users.app).get('/internal/ping');
    expect(res.status).toBe(200);
    expect(res.body.shards).toEqual([
      {
        name: 'users_0_2',
        range: '00-2f',
        database: `${env.prefix}users_0_2`,
        reachable: true,
        migrations: expect.any(Number),
      },
      {
        name: 'users_3_5',
        range: '30-5f',
        database: `${env.prefix}users_3_5`,
        reachable: true,
        migrations: expect.any(Number),
      },
      {
        name: 'users_6_8',
        range: '60-8f',
        database: `${env.prefix}users_6_8`,
        reachable: true,
        migrations: expect.any(Number),
      },
      {
        name: 'users_9_f',
        range: '90-ff',
        database: `${env.prefix}users_9_f`,
        reachable: true,
        migrations: expect.any(Number),
      },
    ]);
  });

  test('when a request id is sent, then it is echoed; when none is, then one is generated', async () => {
    const given = await request(users.app).get('/healthz').set('x-request-id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await request(users.app).get('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await request(users.app).get('/healthz').set('x-request-id', 'x'.repeat(500));
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('when /metrics is scraped, then it has the request histogram by route and the process metrics', async () => {
    await request(users.app).get('/internal/ping');
    const res = await request(users.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /http_request_duration_seconds_bucket\{le="\+Inf",service="users",method="GET",route="\/internal\/ping",status="200"\} [1-9]/,
    );
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  test('when the body is malformed JSON, then the answer is 400 malformed_json', async () => {
    const res = await request(users.app)
      .post('/internal/ping')
      .set('content-type', 'application/json')
      .send('{"a":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: 'malformed_json', message: 'The request body is not valid JSON' },
    });
  });

  test('when the body is over the limit, then the answer is 413 payload_too_large', async () => {
    const res = await request(users.app)
      .post('/internal/ping')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(70_000) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  test('when the route is unknown, then the answer is a JSON 404', async () => {
    const res = await request(users.app).delete('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'No route for DELETE /nowhere' } });
  });

  test('when one shard primary is unreachable, then /readyz answers 503 naming that shard, quickly', async () => {
    const good = env.topology.services.users.shards;
    const file = join(mkdtempSync(join(tmpdir(), 'topology-')), 'down.json');
    writeFileSync(
      file,
      JSON.stringify({
        services: {
          users: {
            shards: good.map((s, i) => ({
              range: `${s.range.lo.toString(16).padStart(2, '0')}-${s.range.hi.toString(16)}`,
              primary: i === 2 ? 'postgres://postgres@127.0.0.1:1/nowhere' : s.primary,
            })),
          },
        },
      }),
    );
    const degraded = buildServiceInProcess('users', env, (ctx) => createUsersApp(ctx, buildUsersDeps(ctx)), {
      TOPOLOGY_FILE: file,
    });
    try {
      const started = Date.now();
      const res = await request(degraded.app).get('/readyz');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('not_ready');
      expect(res.body.error.message).toMatch(/^Not ready: shard users_6_8 \(/);
      expect(res.body.error.details.checks['shard users_0_2']).toBe('ok');
      const ping = await request(degraded.app).get('/internal/ping');
      expect(ping.body.shards.map((s: { reachable: boolean }) => s.reachable)).toEqual([
        true,
        true,
        false,
        true,
      ]);
    } finally {
      await degraded.close();
    }
  });
});
