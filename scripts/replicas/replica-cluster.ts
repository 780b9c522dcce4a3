import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../stack/ports';
import { giveToPostgres, runPostgresBinary } from './replica-commands';

export interface ReplicaClusterOptions {
  /** Folder of the cluster (`primary/`, `replica-1/`…): created if missing, reused if it holds one. */
  dir: string;
  /** Physical streaming replicas of the primary. */
  replicas: number;
  /** `recovery_min_apply_delay` of every replica, in ms (0 = replay at once). Makes lag visible. */
  applyDelayMs?: number;
  /**
   * Default true. False turns fsync off: for throw-away test clusters on a loaded machine, where a
   * power cut loses nothing anyone wants (kill -9 of Postgres is still safe without fsync).
   */
  durable?: boolean;
  maxConnections?: number;
}

/** One Postgres server of the cluster. */
export interface PostgresNode {
  /** "primary", "replica-1"… */
  name: string;
  dataDir: string;
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>` (no database: add one with withDatabase). */
  url: string;
  logFile: string;
}

export interface ReplicaCluster {
  dir: string;
  primary: PostgresNode;
  replicas: PostgresNode[];
  /** Stops one server: `immediate` is a crash (what a kill -9 leaves), `fast` a clean stop. */
  stopNode(node: PostgresNode, mode?: 'immediate' | 'fast'): Promise<void>;
  /** Starts a stopped server again on its port and waits until it accepts connections. */
  startNode(node: PostgresNode): Promise<void>;
  /** Changes a replica's recovery_min_apply_delay on the fly (rewrites its settings, then reloads). */
  setApplyDelay(node: PostgresNode, ms: number): Promise<void>;
  /** Stops every server, replicas first. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops every server and deletes the folder. */
  remove(): Promise<void>;
}

/** Marks a replica folder whose base backup finished (a half-copied one is made again). */
const READY_MARK = 'boxoffice-replica-ready';
/** Our settings, rewritten at every start (the ports may change); postgresql.conf includes it. */
const OWN_CONF = 'boxoffice.conf';

const HBA = [
  '# Written by scripts/replicas/replica-cluster.ts: a local cluster reachable only from this machine.',
  'local all all trust',
  'host all all 127.0.0.1/32 trust',
  'host replication all 127.0.0.1/32 trust',
  '',
].join('\n');

function nodeUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}`;
}

/** Settings a standby must have at least as high as its primary, so both get the same. */
function commonSettings(options: ReplicaClusterOptions): string[] {
  return [
    'wal_level = replica',
    // One sender per replica plus pg_basebackup's own stream, with room to spare.
    `max_wal_senders = ${Math.max(10, options.replicas * 2 + 2)}`,
    // A replica that was down for a while catches up from the primary's WAL instead of failing.
    "wal_keep_size = '512MB'",
    'hot_standby = on',
    `max_connections = ${options.maxConnections ?? 300}`,
    `fsync = ${options.durable === false ? 'off' : 'on'}`,
    "shared_buffers = '32MB'",
  ];
}

function replicaSettings(options: ReplicaClusterOptions): string[] {
  return [
    ...commonSettings(options),
    // Without feedback, a long replica read is cancelled when the primary vacuums rows it sees.
    'hot_standby_feedback = on',
    `recovery_min_apply_delay = '${options.applyDelayMs ?? 0}ms'`,
    // Report replay progress to the primary every 100 ms (default 10 s), so pg_stat_replication is live.
    "wal_receiver_status_interval = '100ms'",
  ];
}

function writeOwnConf(node: PostgresNode, settings: string[]): void {
  const lines = [
    '# Written by scripts/replicas/replica-cluster.ts at every start.',
    `port = ${node.port}`,
    "listen_addresses = '127.0.0.1'",
    // TCP only: no socket file in a folder user postgres may not own.
    "unix_socket_directories = ''",
    ...settings,
  ];
  writeFileSync(join(node.dataDir, OWN_CONF), `${lines.join('\n')}\n`);
  const conf = join(node.dataDir, 'postgresql.conf');
  const text = readFileSync(conf, 'utf8');
  if (!text.includes(`include_if_exists = '${OWN_CONF}'`)) {
    writeFileSync(conf, `${text}\ninclude_if_exists = '${OWN_CONF}'\n`);
  }
}

/** Points a replica's primary_conninfo (written by pg_basebackup -R) at the primary's current port. */
function pointAtPrimary(replica: PostgresNode, primaryPort: number): void {
  const auto = join(replica.dataDir, 'postgresql.auto.conf');
  const text = readFileSync(auto, 'utf8');
  writeFileSync(auto, text.replace(/^(primary_conninfo = '.*?)\bport=\d+/m, `$1port=${primaryPort}`));
}

async function isRunning(dataDir: string): Promise<boolean> {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return false;
  try {
    await runPostgresBinary('pg_ctl', ['status', '-D', dataDir], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function stopServer(dataDir: string, mode: 'immediate' | 'fast'): Promise<void> {
  if (!(await isRunning(dataDir))) return;
  await runPostgresBinary('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60'], {
    timeoutMs: 70_000,
  });
}

async function startServer(node: PostgresNode): Promise<void> {
  await runPostgresBinary('pg_ctl', ['start', '-D', node.dataDir, '-l', node.logFile, '-w', '-t', '120'], {
    timeoutMs: 130_000,
  });
}

/** Resolves once the server answers a query (a standby answers once it is consistent). */
async function waitForQueries(
  node: PostgresNode,
  expectRecovery: boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new Client({ connectionString: `${node.url}/postgres`, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ recovery: boolean }>('select pg_is_in_recovery() as recovery');
      if (rows[0]?.recovery !== expectRecovery) {
        throw new Error(
          `${node.name}: pg_is_in_recovery() is ${rows[0]?.recovery}, expected ${expectRecovery}`,
        );
      }
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`${node.name} on port ${node.port} did not answer in ${timeoutMs} ms: ${String(last)}`);
}

async function makePrimary(node: PostgresNode, options: ReplicaClusterOptions): Promise<void> {
  if (!existsSync(join(node.dataDir, 'PG_VERSION'))) {
    rmSync(node.dataDir, { recursive: true, force: true });
    mkdirSync(node.dataDir, { mode: 0o700 });
    await giveToPostgres(node.dataDir);
    const sync = options.durable === false ? ['--no-sync'] : [];
    await runPostgresBinary(
      'initdb',
      ['-D', node.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', ...sync],
      { timeoutMs: 120_000 },
    );
  }
  writeFileSync(join(node.dataDir, 'pg_hba.conf'), HBA);
  writeOwnConf(node, commonSettings(options));
}

async function makeReplica(
  node: PostgresNode,
  primary: PostgresNode,
  options: ReplicaClusterOptions,
): Promise<void> {
  if (!existsSync(join(node.dataDir, READY_MARK))) {
    rmSync(node.dataDir, { recursive: true, force: true });
    mkdirSync(node.dataDir, { mode: 0o700 });
    await giveToPostgres(node.dataDir);
    // -R: standby.signal plus primary_conninfo, so the copy starts as a streaming standby.
    await runPostgresBinary(
      'pg_basebackup',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(primary.port),
        '-U',
        'postgres',
        '-D',
        node.dataDir,
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
      ],
      { timeoutMs: 300_000 },
    );
    writeFileSync(join(node.dataDir, READY_MARK), `${new Date().toISOString()}\n`);
  }
  writeOwnConf(node, replicaSettings(options));
  pointAtPrimary(node, primary.port);
}

/**
 * A local primary with `replicas` physical streaming replicas (initdb, then pg_basebackup -R),
 * every server on a free port, run as user postgres when we are root. Reuses a cluster already in
 * `dir` (npm start keeps its data between runs), adding replicas it lacks.
 */
export async function startReplicaCluster(options: ReplicaClusterOptions): Promise<ReplicaCluster> {
  mkdirSync(options.dir, { recursive: true });
  await giveToPostgres(options.dir);
  const node = async (name: string): Promise<PostgresNode> => {
    const port = await freePort();
    return {
      name,
      dataDir: join(options.dir, name),
      port,
      url: nodeUrl(port),
      logFile: join(options.dir, `${name}.log`),
    };
  };
  const primary = await node('primary');
  const replicas: PostgresNode[] = [];
  for (let i = 1; i <= options.replicas; i++) replicas.push(await node(`replica-${i}`));
  // A server left running by a crashed run holds old ports: stop it and start it on the new ones.
  for (const n of [...replicas, primary]) await stopServer(n.dataDir, 'fast');
  await giveToPostgres(options.dir);

  const started: PostgresNode[] = [];
  const stop = async () => {
    for (const n of [...started].reverse()) await stopServer(n.dataDir, 'fast').catch(() => undefined);
    started.length = 0;
  };
  try {
    await makePrimary(primary, options);
    await startServer(primary);
    started.push(primary);
    await waitForQueries(primary, false);
    for (const replica of replicas) {
      await makeReplica(replica, primary, options);
      await startServer(replica);
      started.push(replica);
      await waitForQueries(replica, true);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const stopAll = async () => {
    for (const n of [...replicas, primary]) await stopServer(n.dataDir, 'fast').catch(() => undefined);
  };
  return {
    dir: options.dir,
    primary,
    replicas,
    async stopNode(n, mode = 'immediate') {
      await stopServer(n.dataDir, mode);
    },
    async startNode(n) {
      await startServer(n);
      await waitForQueries(n, n !== primary);
    },
    async setApplyDelay(n, ms) {
      writeOwnConf(n, replicaSettings({ ...options, applyDelayMs: ms }));
      await runPostgresBinary('pg_ctl', ['reload', '-D', n.dataDir], { timeoutMs: 30_000 });
    },
    stop: stopAll,
    async remove() {
      await stopAll();
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}

/**
 * What `start` starts on `cluster` (a stack on its servers), with the cluster tied to it: stop()
 * stops it, then removes the cluster; if starting fails, the cluster is removed at once.
 */
export async function startOnCluster<T extends { stop(): Promise<void> }>(
  cluster: ReplicaCluster,
  start: (cluster: ReplicaCluster) => Promise<T>,
): Promise<T & { cluster: ReplicaCluster }> {
  let started: T;
  try {
    started = await start(cluster);
  } catch (err) {
    await cluster.remove();
    throw err;
  }
  const stop = started.stop.bind(started);
  return Object.assign(started, {
    cluster,
    async stop() {
      try {
        await stop();
      } finally {
        await cluster.remove();
      }
    },
  });
}
