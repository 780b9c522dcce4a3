import { readFileSync, readdirSync } from 'node:fs';
import { Client } from 'pg';

/** Linux clock ticks per second (USER_HZ): 100 on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** CPU seconds (user + system) a live process has used so far; 0 when it cannot be read. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  // After the name: state(0) ppid(1) … utime(11) stime(12).
  return f ? (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND : 0;
}

/** The live processes whose parent is `parent` (a postmaster's backends, WAL writer…), read from /proc. */
export function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f && Number(f[1]) === parent) pids.push(Number(entry));
  }
  return pids;
}

/**
 * CPU seconds so far of every live process of a Postgres cluster (postmaster, backends, WAL
 * writer…), by pid; the difference of two snapshots is the cluster's CPU in between (see
 * clusterCpuDelta). Backends that exit in between are missed: pools keep theirs open, so that is
 * small. Only meaningful on a cluster the benchmark has to itself (the helper's own PG_URL).
 */
export async function postgresCpuByPid(pgUrl: string): Promise<Map<number, number>> {
  const client = new Client({ connectionString: pgUrl });
  await client.connect();
  let postmaster: number;
  try {
    // Read while connected: the backend (a child of the postmaster) exists only until then.
    const backend = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    postmaster = Number(statFields(backend)?.[1] ?? 0);
  } finally {
    await client.end();
  }
  const byPid = new Map<number, number>();
  if (!postmaster) return byPid;
  for (const pid of [postmaster, ...childPids(postmaster)]) byPid.set(pid, cpuSeconds(pid));
  return byPid;
}

/** CPU seconds a cluster's processes used between two postgresCpuByPid snapshots. */
export function clusterCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** CPU seconds per process name between two snapshots. */
export function cpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, s]) => [name, s - (before[name] ?? 0)]));
}
