import { loadConfig, platformEnvSchema } from '@boxoffice/shared';

// The cache itself is tested against real Redis in shared/test/cache/.
describe('CACHE_ENABLED', () => {
  test('it defaults to true and reads "false" as false', () => {
    expect(loadConfig(platformEnvSchema, {}).CACHE_ENABLED).toBe(true);
    expect(loadConfig(platformEnvSchema, { CACHE_ENABLED: 'false' }).CACHE_ENABLED).toBe(false);
  });

  test('a value that is not a boolean stops start-up naming the variable', () => {
    expect(() => loadConfig(platformEnvSchema, { CACHE_ENABLED: 'sometimes' })).toThrow(/CACHE_ENABLED/);
  });
});
