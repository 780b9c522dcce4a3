/**
 * `npm start`: the whole stack on this machine (docs/architecture.md, Running it). Checks Postgres and Redis, creates
 * and migrates every shard, starts each service (INSTANCES of each) and the gateway as child
 * processes (startStack, under a Supervisor that restarts a child that dies, with backoff),
 * waits until every /readyz answers 200, prints what runs where, and on Ctrl-C, SIGINT or SIGTERM
 * stops every child and exits 0.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig, portNumber } from '@boxoffice/platform';
import { ShardRouter, formatBucketRange } from '@boxoffice/sharding';
import { DEFAULT_PORTS, SERVICE_NAMES, loadTopology, platformEnvSchema } from '@boxoffice/runtime';
import { buildAdminUi } from '../gateway/admin-ui/build-admin-ui';
import { migrateAllShards } from './stack/migrate-shards';
import { checkDependencies } from './stack/preflight';
import { ReplicaCluster, startReplicaCluster } from './replicas/replica-cluster';
import { writeReplicaTopology } from './replicas/replica-topology';
import { consecutivePorts, stackSpecs } from './stack/plan';
import { portIsFree } from './stack/ports';
import { REPO_ROOT, RunningProcess, inheritedEnv } from './stack/processes';
import { givenStackData } from './stack/stack-data';
import { startStack } from './stack/start-stack';
import { Supervisor } from './stack/supervisor';
import { poolPlanFor } from './stack/connection-budget';

const stackEnvSchema = platformEnvSchema.extend({
  /** Instances of each service (the gateway balances over them). */
  INSTANCES: z.coerce.number().int().min(1).max(8).default(1),
  GATEWAY_PORT: portNumber.default(DEFAULT_PORTS.gateway),
  /** Moves the whole stack: gateway on PORT_BASE, users on +100, events +200, tickets +300. */
  PORT_BASE: portNumber.optional(),
  /** Where the lock file and logs go. */
  BOXOFFICE_STATE_DIR: z.string().min(1).optional(),
  /** How long every process gets to become ready. */
  READY_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * Streaming read replicas per shard server (docs/replicas.md). 0 (the default): the shards live
   * on PG_URL as always. N: a local primary with N replicas under .boxoffice/replicas/, made and
   * started by this command (initdb, pg_basebackup -R), holds every shard instead.
   */
  REPLICAS: z.coerce.number().int().min(0).max(4).default(0),
  /** recovery_min_apply_delay of those replicas, in ms: makes replica lag visible. Default 0. */
  REPLICA_APPLY_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
});

/** The lock file and the logs of one `npm start`: `.boxoffice/` in the checkout unless moved. */
function statePaths(dir = join(REPO_ROOT, '.boxoffice')) {
  return { dir, lock: join(dir, 'start.lock'), logs: join(dir, 'logs') };
}
type StatePaths = ReturnType<typeof statePaths>;

function fail(message: string): never {
  console.error(`\nnpm start: ${message}`);
  process.exit(1);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One `npm start` per checkout: a lock file holding our pid, taken over only if its owner is dead. */
function takeLock(paths: StatePaths): void {
  mkdirSync(paths.dir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(paths.lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch {
      const owner = Number(readFileSync(paths.lock, 'utf8'));
      if (owner && isAlive(owner)) {
        fail(
          `Boxoffice is already running from this checkout (pid ${owner}). Stop it with Ctrl-C in its terminal, or: kill ${owner}`,
        );
      }
      rmSync(paths.lock, { force: true }); // a stale lock from a crashed run
    }
  }
  fail(`cannot take the lock ${paths.lock}`);
}

function releaseLock(paths: StatePaths): void {
  try {
    if (Number(readFileSync(paths.lock, 'utf8')) === process.pid) rmSync(paths.lock);
  } catch {
    // already gone
  }
}

function printTable(procs: RunningProcess[], shardsByService: Record<string, string>): void {
  const rows = procs.map((p) => [
    p.name,
    String(p.child.pid),
    p.url,
    p.role === 'gateway' ? 'routes /api/* to the services' : shardsByService[p.role]!,
  ]);
  const header = ['process', 'pid', 'url', 'shards'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

/** What a stop has to take down; grows as `main` starts things. */
let stopStack: () => Promise<void> = async () => {};
let stopRequested = false;

/** Stops whatever runs (the gateway before the services, so nothing new reaches them) and exits. */
async function stopAll(code: number): Promise<void> {
  if (stopRequested) return;
  stopRequested = true;
  console.log('\nstopping…');
  await stopStack();
  console.log('stopped; nothing left running');
  process.exit(code);
}

/**
 * Gives every process a DB_POOL_MAX whose worst case fits each Postgres server's free connections
 * (scripts/stack/connection-budget.ts), and says so; a DB_POOL_MAX you set is kept, with a warning
 * when it does not fit.
 */
async function sizePools(
  topology: ReturnType<typeof loadTopology>,
  config: z.infer<typeof stackEnvSchema>,
  childEnv: Record<string, string>,
): Promise<void> {
  const explicit = process.env.DB_POOL_MAX !== undefined;
  const plan = await poolPlanFor(topology, {
    instances: config.INSTANCES,
    wanted: config.DB_POOL_MAX,
    explicit,
  }).catch((err: Error) => {
    console.warn(`warning: could not read max_connections (${err.message}); pools stay at DB_POOL_MAX`);
    return undefined;
  });
  if (!plan) return;
  childEnv.DB_POOL_MAX = String(plan.poolMax);
  if (!plan.fits) {
    console.warn(
      `warning: at DB_POOL_MAX=${plan.poolMax} the stack can ask a Postgres server for more connections than it allows; ` +
        `under load it will answer "too many clients". Lower DB_POOL_MAX or INSTANCES, or raise max_connections.\n  ` +
        plan.notes.join('\n  '),
    );
  } else if (plan.poolMax < config.DB_POOL_MAX) {
    console.log(
      `DB_POOL_MAX=${plan.poolMax} (not ${config.DB_POOL_MAX}) so that the pools fit Postgres:\n  ${plan.notes.join('\n  ')}`,
    );
  }
}

async function main(): Promise<void> {
  let config: z.infer<typeof stackEnvSchema>;
  let topology: ReturnType<typeof loadTopology>;
  const shardsByService: Record<string, string> = {};
  try {
    config = loadConfig(stackEnvSchema, process.env);
    topology = loadTopology(config);
    for (const service of SERVICE_NAMES) {
      const router = new ShardRouter(service, topology.services[service].shards); // refuses gaps and overlaps
      shardsByService[service] = router.shards
        .map((s) => `${s.name} (${formatBucketRange(s.range)})`)
        .join(', ');
    }
  } catch (err) {
    fail((err as Error).message);
  }
  const paths = statePaths(config.BOXOFFICE_STATE_DIR);
  takeLock(paths);
  process.on('exit', () => releaseLock(paths));
  // Both signals stop everything at any point, even mid-start: npm hands
  // SIGTERM and SIGINT to this process (the "start" script execs node), and a terminal's Ctrl-C
  // reaches the whole process group.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const childEnv = inheritedEnv();
  // On a laptop every trace is kept, so the one purchase you make shows on /admin; elsewhere the
  // default keeps 1 % (docs/tracing.md). Set OTEL_TRACES_SAMPLER to choose, or
  // OTEL_SDK_DISABLED=true to turn tracing off.
  childEnv.OTEL_TRACES_SAMPLER ??= 'parentbased_always_on';
  let cluster: ReplicaCluster | undefined;
  if (config.REPLICAS > 0) {
    if (config.TOPOLOGY_FILE) fail('REPLICAS makes its own topology; unset TOPOLOGY_FILE or REPLICAS.');
    console.log(
      `starting a local primary with ${config.REPLICAS} streaming replica(s) in ${join(paths.dir, 'replicas')}…`,
    );
    try {
      cluster = await startReplicaCluster({
        dir: join(paths.dir, 'replicas'),
        replicas: config.REPLICAS,
        applyDelayMs: config.REPLICA_APPLY_DELAY_MS,
      });
    } catch (err) {
      fail(`the replica cluster did not start: ${(err as Error).message}`);
    }
    const topologyFile = join(paths.dir, 'replicas', 'topology.json');
    writeReplicaTopology(topologyFile, cluster, config);
    Object.assign(childEnv, { TOPOLOGY_FILE: topologyFile, PG_URL: cluster.primary.url });
    topology = loadTopology({ ...config, TOPOLOGY_FILE: topologyFile });
  }

  const problems = await checkDependencies(topology);
  // Past this point a failure stops the replica cluster too (its servers run detached).
  const failStopping = async (message: string): Promise<never> => {
    await cluster?.stop();
    fail(message);
  };
  stopStack = async () => {
    await cluster?.stop();
  };
  if (problems.length > 0) await failStopping(problems.join('\n\n'));
  await sizePools(topology, config, childEnv);
  const base = config.PORT_BASE;
  const ports = base
    ? { gateway: base, users: base + 100, events: base + 200, tickets: base + 300 }
    : { gateway: config.GATEWAY_PORT };
  const specs = stackSpecs(consecutivePorts(config.INSTANCES, ports), childEnv);
  for (const spec of specs) {
    if (!(await portIsFree(spec.port, config.HOST))) {
      await failStopping(
        `port ${spec.port} (for ${spec.name}) is taken by another process. Free it, or move the stack: GATEWAY_PORT=... for the gateway.`,
      );
    }
  }

  console.log('migrating shards…');
  try {
    const reports = await migrateAllShards(topology);
    const created = reports.filter((r) => r.created).length;
    const applied = reports.reduce((n, r) => n + r.applied.length, 0);
    console.log(`  ${reports.length} shards: ${created} databases created, ${applied} migrations applied`);
  } catch (err) {
    await failStopping((err as Error).message);
  }

  // The topology page (/admin) is static files built by Vite; only rebuilt when its sources changed.
  try {
    if (await buildAdminUi({ ifNeeded: true })) console.log('built the topology page (/admin)');
  } catch (err) {
    console.error(`could not build the topology page; /admin will answer 503:\n${(err as Error).message}`);
  }

  const supervisor = new Supervisor({
    logDir: paths.logs,
    log: (line) => console.error(`\n${line}`),
    readyTimeoutMs: config.READY_TIMEOUT_MS,
  });
  stopStack = async () => {
    await supervisor.stopAll();
    await cluster?.stop();
  };
  if (stopRequested) return; // a signal arrived while migrating: stopAll is on it

  console.log(`starting ${specs.length} processes (logs in ${paths.logs})…`);
  const gateway = specs.find((s) => s.role === 'gateway')!;
  try {
    await startStack({
      data: givenStackData(childEnv, topology),
      instances: config.INSTANCES,
      ports,
      supervise: supervisor,
      stopGraceMs: 10_000,
    });
  } catch (err) {
    if (stopRequested) return; // a signal arrived mid-start: stopAll is already on it
    console.error(`\nnpm start: ${(err as Error).message}`);
    await stopAll(1);
    return;
  }
  const procs = supervisor.processes.map((p) => p.current);
  printTable(procs, shardsByService);
  if (cluster) {
    const replicas = cluster.replicas.map((r) => r.url).join(', ');
    console.log(`\nevery shard on the local primary ${cluster.primary.url}, streaming to ${replicas}`);
  }
  console.log(
    `\nBoxoffice is up: ${gateway.url}/api/events  ·  API docs ${gateway.url}/api/docs  ·  topology ${gateway.url}/admin  ·  Ctrl-C stops everything`,
  );
}

void main();
