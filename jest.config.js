/**
 * Three projects: `unit` (pure logic, no servers), `integration` (real Postgres and Redis) and
 * `rabbitmq` (the whole system's saga and crash tests again, with the bus on RabbitMQ). All
 * compile TypeScript with SWC; type checking is `npm run typecheck`'s job.
 */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
// Each library under shared/ resolves to its source, as tsx does through the workspace links; the
// tooling (scripts/) to its index.
const moduleNameMapper = {
  '^@boxoffice/(tracing|platform|sharding|bus|cache|contracts|reshard|runtime)$':
    '<rootDir>/shared/$1/src/index.ts',
  '^@boxoffice/devstack$': '<rootDir>/scripts/index.ts',
};
const common = { transform, moduleNameMapper, testEnvironment: 'node', rootDir: __dirname };

module.exports = {
  // Global only: Jest ignores testTimeout inside a project. 120 s covers starting a whole stack
  // (seven processes) in a beforeAll on a loaded two-core machine.
  testTimeout: 120_000,
  // One test file at a time, whatever the core count: two files' stacks at once can pass the local
  // Postgres's 100 connections (the saga's two instances of every service alone come near).
  maxWorkers: 1,
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
    // On by default, so `npm test` (and CI) runs the saga on RabbitMQ too; JEST_RABBITMQ=0 leaves
    // it out (a machine without RabbitMQ). Alone: npx jest --selectProjects rabbitmq --maxWorkers=1
    ...(process.env.JEST_RABBITMQ === '0' ? [] : [rabbitmqProject()]),
  ],
};

function rabbitmqProject() {
  return {
    // The same files as in `integration`, with BUS_URL set to the local RabbitMQ by the setup
    // file, so the test env hands it to every process it starts (tests/support/test-env.ts).
    // Six files, ~4 min at load average 10: the saga, the crash tests, the order API, the
    // purchase trace and a split.
    ...common,
    displayName: 'rabbitmq',
    testMatch: [
      '<rootDir>/tests/tickets/saga-concurrency.int.test.ts',
      '<rootDir>/tests/tickets/saga-crash.int.test.ts',
      '<rootDir>/tests/tickets/orders-api.int.test.ts',
      '<rootDir>/tests/faults/service-killed.int.test.ts',
      '<rootDir>/tests/tracing/purchase-trace.int.test.ts',
      // A split under purchases: the new shard's outbox relay and the saga across the switch.
      '<rootDir>/tests/reshard/split-purchases.int.test.ts',
    ],
    setupFiles: ['<rootDir>/tests/support/rabbitmq-bus.setup.js'],
    slowTestThreshold: 20,
  };
}
