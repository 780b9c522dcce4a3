/**
 * Two projects: `unit` (pure logic, no servers) and `integration` (real Postgres and Redis).
 * Both compile TypeScript with SWC; type checking is `npm run typecheck`'s job.
 */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
const moduleNameMapper = { '^@boxoffice/shared$': '<rootDir>/shared/src/index.ts' };
const common = { transform, moduleNameMapper, testEnvironment: 'node', rootDir: __dirname };

module.exports = {
  // Global only: Jest ignores testTimeout inside a project. 120 s covers starting a whole stack
  // (seven processes) in a beforeAll on a loaded two-core machine.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.unit.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
      slowTestThreshold: 20,
    },
  ],
};
