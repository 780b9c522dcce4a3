import { loadConfig } from '@boxoffice/platform';
import { MEMORY_TIER_DEFAULTS, memoryTierOptionsOf } from '@boxoffice/cache';
import { platformEnvSchema } from '@boxoffice/runtime';

// The cache's settings as every service reads them from its environment; the cache itself is
// tested against real Redis servers in shared/cache/test.
describe('CACHE_ENABLED', () => {
  test('it defaults to true and reads "false" as false', () => {
    expect(loadConfig(platformEnvSchema, {}).CACHE_ENABLED).toBe(true);
    expect(loadConfig(platformEnvSchema, { CACHE_ENABLED: 'false' }).CACHE_ENABLED).toBe(false);
  });

  test('a value that is not a boolean stops start-up naming the variable', () => {
    expect(() => loadConfig(platformEnvSchema, { CACHE_ENABLED: 'sometimes' })).toThrow(/CACHE_ENABLED/);
  });
});

describe('CACHE_L1_*', () => {
  test('by default every process keeps 10,000 documents or 16 MiB per cache in memory for 2 s', () => {
    const config = loadConfig(platformEnvSchema, {});

    expect(memoryTierOptionsOf(config)).toEqual({
      ttlMs: 2000,
      maxEntries: 10_000,
      maxBytes: 16 * 1024 * 1024,
    });
    expect(memoryTierOptionsOf(config)).toEqual(MEMORY_TIER_DEFAULTS);
  });

  test('the lifetime and both bounds are configurable, and CACHE_L1_ENABLED=false leaves Redis only', () => {
    const env = { CACHE_L1_TTL_MS: '500', CACHE_L1_MAX_ENTRIES: '100', CACHE_L1_MAX_BYTES: '65536' };

    expect(memoryTierOptionsOf(loadConfig(platformEnvSchema, env))).toEqual({
      ttlMs: 500,
      maxEntries: 100,
      maxBytes: 65536,
    });
    expect(memoryTierOptionsOf(loadConfig(platformEnvSchema, { CACHE_L1_ENABLED: 'false' }))).toBeUndefined();
  });

  test.each([
    ['CACHE_L1_TTL_MS', '0'],
    ['CACHE_L1_TTL_MS', '600000'],
    ['CACHE_L1_MAX_ENTRIES', 'lots'],
    ['CACHE_L1_MAX_BYTES', '10'],
    ['CACHE_L1_ENABLED', 'maybe'],
  ])('%s=%s stops start-up naming the variable', (name, value) => {
    expect(() => loadConfig(platformEnvSchema, { [name]: value })).toThrow(new RegExp(name));
  });
});
