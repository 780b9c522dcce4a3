import knex, { Knex } from 'knex';
import request from 'supertest';
import { newId } from '@boxoffice/platform';
import { ShardRouter, emailKey } from '@boxoffice/sharding';
import {
  ClaimAbandonedError,
  UserRepository,
  buildUsersDeps,
  createUsersApp,
} from '../../services/users/src';
import {
  InProcessService,
  TestEnv,
  buildServiceInProcess,
  callerHeaders,
  createTestEnv,
  expectDocumented,
  identityHeaders,
  signUp,
  uniqueEmail,
} from '../support';

/**
 * The email index (docs/architecture.md, Sharding): one address, one user, across every shard, under races and when a
 * process dies between the steps of a sign-up or an address change (docs/users.md).
 */
describe('the email index across the users shards', () => {
  let env: TestEnv;
  let svc: InProcessService;
  let router: ShardRouter;
  const shardDbs = new Map<string, Knex>();

  /** The database of the shard that owns `key`, queried directly. */
  const shardFor = (key: string): Knex => shardDbs.get(router.shardForKey(key).name)!;

  const signIn = (email: string, password: string) =>
    request(svc.app).post('/internal/sessions').set(callerHeaders()).send({ email, password });

  const indexRow = (email: string) =>
    shardFor(emailKey(email))('email_index')
      .first('*')
      .where({ email_hash: emailKey(email) });

  beforeAll(async () => {
    env = await createTestEnv({ services: ['users'] });
    svc = buildServiceInProcess('users', env, (ctx) => createUsersApp(ctx, buildUsersDeps(ctx)));
    await svc.ctx.cache.connect();
    router = new ShardRouter('users', env.topology.services.users.shards);
    for (const shard of router.shards) {
      shardDbs.set(shard.name, knex({ client: 'pg', connection: shard.primary, pool: { min: 0, max: 2 } }));
    }
  });

  afterAll(async () => {
    await Promise.all([...shardDbs.values()].map((db) => db.destroy()));
    await svc?.close();
    await env?.cleanup();
  });

  describe('uniqueness under races', () => {
    test('when twelve sign-ups of one address race, then exactly one gets 201, the rest 409, and nothing is orphaned', async () => {
      const email = uniqueEmail('race');
      const variants = Array.from({ length: 12 }, (_, i) => (i % 2 ? email.toUpperCase() : ` ${email}`));
      const responses = await Promise.all(
        variants.map((address, i) =>
          request(svc.app)
            .post('/api/users')
            .send({ email: address, password: `password-${i}-long`, displayName: `Racer ${i}` }),
        ),
      );
      responses.forEach((res) => expectDocumented('POST', '/api/users', res));
      const statuses = responses.map((res) => res.status).sort();
      expect(statuses).toEqual([201, ...Array(11).fill(409)]);
      expect(
        responses.filter((r) => r.status === 409).every((r) => r.body.error.code === 'email_taken'),
      ).toBe(true);

      const winner = responses.find((res) => res.status === 201)!.body;
      const rows = (
        await Promise.all([...shardDbs.values()].map((db) => db('users').select('id').where({ email })))
      ).flat();
      expect(rows).toEqual([{ id: winner.id }]);
      const entries = (
        await Promise.all([...shardDbs.values()].map((db) => db('email_index').select('*').where({ email })))
      ).flat();
      expect(entries).toEqual([expect.objectContaining({ user_id: winner.id, status: 'active' })]);
    });

    test('when two users move to one new address at once, then exactly one of them gets it', async () => {
      const [a, b] = await Promise.all([signUp(svc.app), signUp(svc.app)]);
      const target = uniqueEmail('contested');
      const responses = await Promise.all(
        [a!, b!].map(({ user }) =>
          request(svc.app).patch('/api/me').set(identityHeaders(user.id)).send({ email: target }),
        ),
      );
      responses.forEach((res) => expectDocumented('PATCH', '/api/me', res));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = responses.find((r) => r.status === 200)!.body;
      expect(await indexRow(target)).toMatchObject({ user_id: winner.id, status: 'active' });
      const loser = [a!, b!].find(({ user }) => user.id !== winner.id)!;
      expect((await signIn(loser.email, loser.password)).status).toBe(200);
    });
  });

  test('when many users sign up, then they spread over all four shards and each row sits on the shard its id names', async () => {
    const created: { id: string; email: string }[] = [];
    const seen = new Set<string>();
    // Random ids: ~30 sign-ups cover the smallest shard (3/16 of the key space) with near certainty;
    // keep going until they do, so the test cannot flake.
    while (seen.size < 4 && created.length < 400) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => signUp(svc.app)));
      for (const { user } of batch) {
        created.push({ id: user.id, email: user.email });
        seen.add(router.shardForKey(user.id).name);
      }
    }
    expect([...seen].sort()).toEqual(['0_2', '3_5', '6_8', '9_f']);

    for (const shard of router.shards) {
      const db = shardDbs.get(shard.name)!;
      const ids = (await db('users').select('id')).map((row: { id: string }) => row.id);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) {
        const bucket = parseInt(id.slice(0, 2), 16);
        expect(bucket).toBeGreaterThanOrEqual(shard.range.lo);
        expect(bucket).toBeLessThanOrEqual(shard.range.hi);
      }
      const hashes = (await db('email_index').select('email_hash')).map(
        (r: { email_hash: string }) => r.email_hash,
      );
      for (const hash of hashes) expect(router.shardForKey(hash).name).toBe(shard.name);
    }
    for (const { id, email } of created) {
      const home = router.shardForKey(id).name;
      for (const [name, db] of shardDbs) {
        const row = await db('users').first('email').where({ id });
        if (name === home) expect(row).toEqual({ email });
        else expect(row).toBeUndefined();
      }
    }
  });

  test('when a user changes address, then the index entry moves: the new one signs in, the old one is free', async () => {
    const { user, email, password } = await signUp(svc.app);
    const next = uniqueEmail('moved');
    const res = expectDocumented(
      'PATCH',
      '/api/me',
      await request(svc.app)
        .patch('/api/me')
        .set(identityHeaders(user.id))
        .send({ email: next.toUpperCase() }),
    );
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(next);
    expect(await indexRow(email)).toBeUndefined();
    expect(await indexRow(next)).toMatchObject({ user_id: user.id, status: 'active', email: next });
    expect((await signIn(next, password)).status).toBe(200);
    expect((await signIn(email, password)).status).toBe(401);
    expect(
      (await request(svc.app).post('/api/users').send({ email, password, displayName: 'New' })).status,
    ).toBe(201);
  });

  describe('when a process died between the steps', () => {
    const longAgo = () => shardDbs.get('0_2')!.raw(`now() - interval '2 minutes'`);

    /** A pending index entry as a claimant leaves it: step 1 done, nothing after. */
    async function leavePendingClaim(
      email: string,
      userId: string,
      options: { replaces?: string; stale: boolean },
    ) {
      const claimId = newId();
      await shardFor(emailKey(email))('email_index').insert({
        email_hash: emailKey(email),
        email,
        user_id: userId,
        status: 'pending',
        claim_id: claimId,
        replaces_hash: options.replaces ? emailKey(options.replaces) : null,
        claimed_at: options.stale ? longAgo() : shardDbs.get('0_2')!.fn.now(),
      });
      return claimId;
    }

    test('a sign-up that claimed an address and died holds it only during the grace period', async () => {
      const email = uniqueEmail('died-after-claim');
      const ghost = newId();
      const claimId = await leavePendingClaim(email, ghost, { stale: false });
      const fresh = await request(svc.app)
        .post('/api/users')
        .send({ email, password: 'password-long', displayName: 'A' });
      expect(fresh.status).toBe(409);

      await shardFor(emailKey(email))('email_index')
        .update({ claimed_at: longAgo() })
        .where({ claim_id: claimId });
      const later = expectDocumented(
        'POST',
        '/api/users',
        await request(svc.app)
          .post('/api/users')
          .send({ email, password: 'password-long', displayName: 'A' }),
      );
      expect(later.status).toBe(201);
      expect(
        await shardFor(ghost)('email_claim_outcomes').first('outcome').where({ claim_id: claimId }),
      ).toEqual({
        outcome: 'abandoned',
      });
      expect(await shardFor(ghost)('users').first('id').where({ id: ghost })).toBeUndefined();
    });

    test('a claimant that comes back after its claim was abandoned writes nothing', async () => {
      const email = uniqueEmail('late');
      const late = newId();
      const claimId = await leavePendingClaim(email, late, { stale: true });
      expect((await signIn(email, 'whatever-password')).status).toBe(401); // meets the claim, abandons it
      const users = new UserRepository(svc.ctx.dbs);
      await expect(
        users.insertClaimed({ id: late, email, displayName: 'Late', passwordHash: 'x' }, claimId),
      ).rejects.toBeInstanceOf(ClaimAbandonedError);
      expect(await users.findById(late)).toBeUndefined();
      expect(await indexRow(email)).toBeUndefined();
    });

    test('a sign-up that wrote the user but died before activating is completed by the next sign-in', async () => {
      const { user, email, password } = await signUp(svc.app);
      const db = shardFor(emailKey(email));
      await db('email_index')
        .update({ status: 'pending', activated_at: null })
        .where({ email_hash: emailKey(email) });
      expect((await signIn(email, password)).status).toBe(401); // in flight: not signed in yet
      expect(
        (await request(svc.app).post('/api/users').send({ email, password, displayName: 'B' })).status,
      ).toBe(409);

      await db('email_index')
        .update({ claimed_at: longAgo() })
        .where({ email_hash: emailKey(email) });
      const res = await signIn(email, password);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(user.id);
      expect(await indexRow(email)).toMatchObject({ status: 'active', user_id: user.id });
    });

    test('an address change that claimed the new address and died leaves the user on the old one', async () => {
      const { user, email, password } = await signUp(svc.app);
      const next = uniqueEmail('never-moved');
      await leavePendingClaim(next, user.id, { replaces: email, stale: true });
      expect((await signIn(email, password)).status).toBe(200);
      expect((await signIn(next, password)).status).toBe(401);
      const other = await request(svc.app)
        .post('/api/users')
        .send({ email: next, password, displayName: 'Other' });
      expect(other.status).toBe(201);
      expect((await signIn(email, password)).body.id).toBe(user.id);
    });

    test('an address change that moved the user row and died is finished when either address is met', async () => {
      const { user, email, password } = await signUp(svc.app);
      const next = uniqueEmail('half-moved');
      const claimId = await leavePendingClaim(next, user.id, { replaces: email, stale: true });
      const home = shardFor(user.id);
      await home('users').update({ email: next }).where({ id: user.id });
      await home('email_claim_outcomes').insert({ claim_id: claimId, user_id: user.id, outcome: 'applied' });

      expect((await signIn(email, password)).status).toBe(401); // the old entry is a leftover now
      const res = await signIn(next, password);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.id, email: next });
      expect(await indexRow(next)).toMatchObject({ status: 'active', user_id: user.id });
      expect(await indexRow(email)).toBeUndefined();
      const reuse = await request(svc.app).post('/api/users').send({ email, password, displayName: 'Reuse' });
      expect(reuse.status).toBe(201);
    });
  });
});
