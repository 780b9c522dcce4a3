/**
 * @boxoffice/devstack: the developer tooling's public API, what tests (and anything else outside
 * this package) use. The commands (`npm start`, `npm run load`, the benchmarks…) are the files
 * beside this one; README.md says what each folder holds.
 */

// One way to start a stack: startStack, on a private set of data or the data given.
export { startStack, type Stack, type StartStackOptions } from './stack/start-stack';
export { createStackData, type StackData, type StackDataOptions } from './stack/stack-data';
export { Supervisor, type SupervisedProcess, type SupervisorOptions } from './stack/supervisor';
export { stackSpecs } from './stack/plan';
export { freePort, portIsFree } from './stack/ports';
export { REPO_ROOT, logTail, type RunningProcess } from './stack/processes';
export { migrateAllShards } from './stack/migrate-shards';

// Postgres clusters with streaming replicas (REPLICAS=N npm start, the replica tests and benchmark).
export {
  startOnCluster,
  startReplicaCluster,
  type ReplicaCluster,
  type ReplicaClusterOptions,
} from './replicas/replica-cluster';
export { writeReplicaTopology } from './replicas/replica-topology';

// The one client of the public API: sign-up, sign-in, events, orders.
export {
  ApiClient,
  ApiError,
  newUser,
  signUpAndIn,
  uniqueEmail,
  type ApiClientOptions,
  type ApiResponse,
  type ApiUser,
  type EventInput,
  type SignUpInput,
  type SignedInUser,
  type Transport,
} from './api/api-client';

// Checks and tools.
export { checkInvariants, checkInvariantsWhenQuiet } from './lib/invariants';
export { launchChromium } from './lib/browser';

// Seeding, the load tool and the benchmarks' results.
export { DEMO_PASSWORD, seedDemo } from './seed';
export { runLoadCommand } from './load/load-command';
export { parseLoadArgs } from './load/options';
export { overallHitRatio } from './load/cache-metrics';
export type { LoadResult } from './load/load-result';
export { assertBenchReadResult, type BenchReadResult } from './bench/read/result';
export type { RushSummary } from './bench/rush/summary';
export { seatBatchTotals, type SeatBatchTotals } from './bench/scaling/pinned-servers';
export { HEADROOM, poolsPerServer } from './stack/connection-budget';
export { missingMigrations } from './lib/pending-migrations';
export { topologyResharder } from './lib/topology-resharder';

// How the reports escape text into their pages (a test looks for a paragraph in the lab's page).
export { escapeXml } from './load/svg-charts';
