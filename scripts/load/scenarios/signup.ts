import { sessionCookie } from '../load-client';
import type { Scenario } from './scenario';

/** Write-heavy on users: register, sign in, read "me". Password hashing (scrypt) dominates. */
export const signup: Scenario = {
  name: 'signup',
  description:
    'POST /api/users (email index + user shard, scrypt), POST /api/sessions (signed cookie), GET /api/me (user cache)',
  buys: false,
  async prepare(ctx) {
    const counters = new Map<number, number>();
    return {
      async iterate(vu) {
        const n = (counters.get(vu.index) ?? 0) + 1;
        counters.set(vu.index, n);
        const email = `load-${ctx.runId}-${vu.index}-${n}@example.test`;
        const password = `load-password-${ctx.runId}`;
        const created = await vu.client.send({
          operation: 'sign up',
          method: 'POST',
          path: '/api/users',
          body: { email, password, displayName: `Load User ${vu.index}-${n}` },
          expect: [201],
          shardOf: (_status, body) => ctx.shards.of('users', (body as { id?: unknown } | undefined)?.id),
        });
        const id = (created?.body as { id?: unknown } | undefined)?.id;
        if (created?.status !== 201) return;
        const session = await vu.client.send({
          operation: 'sign in',
          method: 'POST',
          path: '/api/sessions',
          body: { email, password },
          expect: [200],
          shard: ctx.shards.of('users', id),
        });
        const cookie = session ? sessionCookie(session.headers) : undefined;
        if (!cookie) return;
        await vu.client.send({
          operation: 'me',
          path: '/api/me',
          headers: { cookie },
          expect: [200],
          shard: ctx.shards.of('users', id),
        });
      },
    };
  },
};
