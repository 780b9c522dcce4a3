/**
 * The compose topology's read replica (docs/replicas.md): pg-9-f-replica streams from pg-9-f,
 * and the events service sends anonymous listing reads of its 9-f shard to it.
 */
import { DEFAULT_PORTS as PORTS } from '@boxoffice/runtime';
import { waitFor } from './gateway-probe';
import { SmokeContext, SmokeStep, assertSmoke } from './smoke-step';
import { runningContainers } from './stack-steps';

/** One value from psql inside a Postgres container of the project. */
async function psql(ctx: SmokeContext, service: string, sql: string): Promise<string> {
  const [container] = await runningContainers(ctx, service);
  assertSmoke(container, `no running ${service} container`);
  const out = await ctx.cli.docker(['exec', container.Id, 'psql', '-U', 'postgres', '-Atc', sql]);
  return out.trim();
}

/** Reads the events containers' db_reads_total sent to a replica, summed (from inside each one). */
async function replicaReads(ctx: SmokeContext): Promise<number> {
  let total = 0;
  for (const c of await runningContainers(ctx, 'events')) {
    const request = `exec 3<>/dev/tcp/127.0.0.1/${PORTS.events} && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3`;
    const metrics = await ctx.cli.docker(['exec', c.Id, 'bash', '-c', request]);
    for (const m of metrics.matchAll(/^db_reads_total\{[^}]*target="replica"[^}]*\} (\d+)/gm))
      total += Number(m[1]);
  }
  return total;
}

export const readReplicaStep: SmokeStep = {
  name: 'read replica',
  timeoutMs: 90_000,
  async run(ctx) {
    assertSmoke(
      (await psql(ctx, 'pg-9-f-replica', 'select pg_is_in_recovery()')) === 't',
      'pg-9-f-replica is not in recovery: it is not a standby',
    );
    const streaming = await waitFor('pg-9-f to stream to its replica', 60_000, async () => {
      const n = Number(
        await psql(ctx, 'pg-9-f', "select count(*) from pg_stat_replication where state = 'streaming'"),
      );
      return n >= 1 ? n : undefined;
    });
    // The purchase step's event is on one shard; the listing reads all four, anonymously: the
    // 9-f shard's part goes to the replica once the services have seen it fresh. Each read asks
    // for a page size of its own, so no read is answered by a process's cached page instead.
    const before = await replicaReads(ctx);
    let pageSize = 0;
    const reads = await waitFor('listing reads served by pg-9-f-replica', 60_000, async () => {
      for (let i = 0; i < 10; i++) {
        pageSize = (pageSize % 100) + 1;
        const res = await fetch(`${ctx.gatewayUrl}/api/events?limit=${pageSize}`);
        assertSmoke(res.ok, `GET /api/events → ${res.status}`);
        await res.arrayBuffer();
      }
      const after = await replicaReads(ctx);
      return after > before ? after - before : undefined;
    });
    return `pg-9-f streams to ${streaming} standby; ${reads} listing reads of the 9-f shards served by pg-9-f-replica`;
  },
};
