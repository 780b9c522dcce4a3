import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@boxoffice/platform';
import { ShardRouter } from '@boxoffice/sharding';
import { buildTopology, loadTopology, platformEnvSchema, serviceEnvSchema } from '@boxoffice/runtime';

function topologyFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'topology-')), 'topology.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('loadConfig', () => {
  test('when nothing is set, then the local defaults apply and the result is frozen', () => {
    const config = loadConfig(serviceEnvSchema(7101), {});
    expect(config).toMatchObject({
      PORT: 7101,
      PG_URL: 'postgres://postgres@127.0.0.1:5432',
      SHARD_PRESET: 'talk',
      BODY_LIMIT_BYTES: 65536,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.INTERNAL_KEYS)).toBe(true);
  });

  test('when a value is malformed, then the error names the variable', () => {
    expect(() => loadConfig(serviceEnvSchema(7101), { PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig(serviceEnvSchema(7101), { PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig(platformEnvSchema, { SHARD_PRESET: 'lopsided' })).toThrow(/SHARD_PRESET: /);
    expect(() => loadConfig(platformEnvSchema, { PG_URL: 'mysql://x' })).toThrow(/PG_URL: /);
    expect(() => loadConfig(platformEnvSchema, { INTERNAL_KEYS: 'short' })).toThrow(
      /INTERNAL_KEYS\.0: each key needs at least 16 characters/,
    );
  });

  test('when several keys are listed, then they are split on commas in order', () => {
    const config = loadConfig(platformEnvSchema, { INTERNAL_KEYS: 'new-key-0123456789, old-key-0123456789' });
    expect(config.INTERNAL_KEYS).toEqual(['new-key-0123456789', 'old-key-0123456789']);
  });
});

describe('topology', () => {
  test('when there is no topology file, then each service gets the talk layout as databases on PG_URL', () => {
    const topology = buildTopology(loadConfig(platformEnvSchema, { DB_PREFIX: 'x_' }));
    expect(topology.services.users.shards.map((s) => s.primary)).toEqual([
      'postgres://postgres@127.0.0.1:5432/x_users_0_2',
      'postgres://postgres@127.0.0.1:5432/x_users_3_5',
      'postgres://postgres@127.0.0.1:5432/x_users_6_8',
      'postgres://postgres@127.0.0.1:5432/x_users_9_f',
    ]);
    expect(topology.services.events.shards[0]!.primary).toContain('/x_events_0_2');
    expect(topology.busUrl).toBe('redis://127.0.0.1:6379');
  });

  test('when SHARD_PRESET is even, then the databases are named after the quarters', () => {
    const topology = buildTopology(loadConfig(platformEnvSchema, { SHARD_PRESET: 'even' }));
    expect(topology.services.tickets.shards.map((s) => s.name)).toEqual(['0_3', '4_7', '8_b', 'c_f']);
  });

  test('when the file lists shards, servers, caches and instances, then they replace the defaults', () => {
    const file = topologyFile({
      busUrl: 'redis://bus:6379',
      services: {
        users: {
          cacheUrl: 'redis://users-cache:6379',
          instances: ['http://users-1:7101', 'http://users-2:7101'],
          shards: [
            {
              range: '00-7f',
              primary: 'postgres://pg-a/users_0_7',
              replicas: ['postgres://pg-a-replica/users_0_7'],
            },
            { range: '80-ff', primary: 'postgres://pg-b/users_8_f' },
          ],
        },
      },
    });
    const topology = loadTopology(loadConfig(platformEnvSchema, { TOPOLOGY_FILE: file }));
    expect(topology.busUrl).toBe('redis://bus:6379');
    expect(topology.services.users).toEqual({
      cacheUrl: 'redis://users-cache:6379',
      instances: ['http://users-1:7101', 'http://users-2:7101'],
      shards: [
        {
          name: '0_7',
          range: { lo: 0, hi: 127 },
          primary: 'postgres://pg-a/users_0_7',
          replicas: ['postgres://pg-a-replica/users_0_7'],
        },
        { name: '8_f', range: { lo: 128, hi: 255 }, primary: 'postgres://pg-b/users_8_f', replicas: [] },
      ],
    });
    expect(topology.services.events.shards).toHaveLength(4);
  });

  test('when the file has a gap, then building the router names it', () => {
    const file = topologyFile({
      services: {
        events: {
          shards: [
            { range: '00-2f', primary: 'postgres://a/e' },
            { range: '40-ff', primary: 'postgres://b/e' },
          ],
        },
      },
    });
    const topology = loadTopology(loadConfig(platformEnvSchema, { TOPOLOGY_FILE: file }));
    expect(() => new ShardRouter('events', topology.services.events.shards)).toThrow(
      'shard map for events has a gap: buckets 30-3f belong to no shard',
    );
  });

  test('when the file is not JSON or has unknown keys, then the error names the file and the key', () => {
    const broken = topologyFile('{ nope');
    expect(() => loadTopology(loadConfig(platformEnvSchema, { TOPOLOGY_FILE: broken }))).toThrow(
      /cannot be read as JSON/,
    );
    const unknown = topologyFile({ services: { users: { shardz: [] } } });
    expect(() => loadTopology(loadConfig(platformEnvSchema, { TOPOLOGY_FILE: unknown }))).toThrow(
      /services\.users: Unrecognized key/,
    );
    const badRange = topologyFile({
      services: { users: { shards: [{ range: '0-2', primary: 'postgres://a/b' }] } },
    });
    expect(() => loadTopology(loadConfig(platformEnvSchema, { TOPOLOGY_FILE: badRange }))).toThrow(
      /services\.users\.shards\.0\.range/,
    );
  });
});
