import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, newId } from '@boxoffice/platform';
import { formatBucketRange } from '@boxoffice/sharding';
import { loadTopology, platformEnvSchema, Topology } from '@boxoffice/runtime';
import { ReplicaCluster, migrateAllShards, startReplicaCluster } from '@boxoffice/devstack';
import { TestEnv, TestStack, sessionCookieFor, startTestStack } from '../support';
import { Buyer, createEvent } from '../tickets/purchase-kit';
import { expectEverythingSettles, rush } from './fault-kit';

const CAPACITY = 200;
const SHARD_TIMEOUT_MS = 1000;
/** The gateway's default UPSTREAM_TIMEOUT_MS. */
const UPSTREAM_TIMEOUT_MS = 15_000;

/** A buyer whose orders live on the tickets shard 9_f (first hex digit 9–f) or on another. */
function buyerOn(shard9: boolean): Buyer {
  const digit = shard9
    ? '9abcdef'[Math.floor(Math.random() * 7)]
    : '012345678'[Math.floor(Math.random() * 9)];
  const id = `${digit}${newId().slice(1)}`;
  return { id, cookie: sessionCookieFor(id) };
}
const onShard9 = (buyer: Buyer) => parseInt(buyer.id.slice(0, 2), 16) >= 0x90;

/**
 * The Postgres server holding one tickets shard (9_f: buyers whose id starts 9–f) is
 * its own server here, stopped mid-rush as a crash (pg_ctl -m immediate) and started again.
 */
describe('one shard server stopped mid-rush', () => {
  let cluster: ReplicaCluster;
  let stack: TestStack;
  let topology: Topology;

  beforeAll(async () => {
    cluster = await startReplicaCluster({
      dir: mkdtempSync(join(tmpdir(), 'bo-shard-server-')),
      replicas: 0,
      durable: false,
      maxConnections: 50,
    });
    stack = await startTestStack({
      supervise: true,
      env: {
        SHARD_TIMEOUT_MS: String(SHARD_TIMEOUT_MS),
        BUS_LEASE_MS: '1500',
        BUS_VISIBILITY_TIMEOUT_MS: '3000',
      },
      prepare: async (env: TestEnv) => {
        const shards = env.topology.services.tickets.shards.map((shard) => ({
          range: formatBucketRange(shard.range),
          primary: shard.name === '9_f' ? `${cluster.primary.url}/${env.prefix}tickets_9_f` : shard.primary,
        }));
        const file = join(mkdtempSync(join(tmpdir(), 'bo-topology-')), 'topology.json');
        writeFileSync(file, JSON.stringify({ services: { tickets: { shards } } }));
        topology = loadTopology(loadConfig(platformEnvSchema, { ...env.env, TOPOLOGY_FILE: file }));
        await migrateAllShards(topology, ['tickets']);
        return { TOPOLOGY_FILE: file };
      },
    });
    // Starting a stack takes past 120 s at load 25 on the two-core CI machine.
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await cluster?.remove();
  });

  test('when the 9_f tickets server stops, then only its buyers get 503 (fast), the rest order normally, and every order settles once it is back', async () => {
    const url = stack.gatewayUrl;
    const event = await createEvent(url, CAPACITY);
    let turn = 0;
    const buyers: Buyer[] = [];
    const outcome = await rush(url, event.id, {
      waves: 6,
      waveSize: 20,
      buyers: () => {
        const buyer = buyerOn(turn++ % 2 === 0);
        buyers.push(buyer);
        return buyer;
      },
      during: async (wave) => {
        if (wave === 2) await cluster.stopNode(cluster.primary, 'immediate');
        if (wave === 4) await cluster.startNode(cluster.primary);
      },
    });

    expect(outcome.refused.length).toBeGreaterThan(0);
    expect(new Set(outcome.refused)).toEqual(new Set([503]));
    // Only 9_f's buyers were refused; every other buyer's order was acknowledged.
    const acknowledged = new Set(outcome.acknowledged.map((a) => a.buyer.id));
    expect(buyers.filter((b) => !onShard9(b) && !acknowledged.has(b.id))).toEqual([]);
    // Fast: no request hung until the gateway's 15 s upstream timeout (that would be a 504). The
    // bound is loose because a 20-request wave takes seconds on a loaded two-core machine anyway.
    expect(Math.max(...outcome.refusedMs)).toBeLessThan(UPSTREAM_TIMEOUT_MS - 5000);
    await expectEverythingSettles(url, { ...stack.env, topology }, event.id, CAPACITY, outcome.acknowledged);
  });
});
