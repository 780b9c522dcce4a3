/**
 * Steps about the containers themselves: build the images, start the topology, no anonymous
 * volumes, scale a service, and `migrate` running once.
 */
import { SERVICE_NAMES } from '@boxoffice/runtime';
import { hostsAnswering, waitFor } from './gateway-probe';
import { MigrateRun, SmokeContext, SmokeStep, assertSmoke } from './smoke-step';

/** The fields of `docker inspect` the steps read. */
export interface ContainerInfo {
  Id: string;
  Name: string;
  Config: { Hostname: string; Labels: Record<string, string> };
  State: { Status: string; StartedAt: string };
  Mounts: { Type: string; Name?: string; Destination: string }[];
}

/** Running containers of one compose service. */
export async function runningContainers(ctx: SmokeContext, service: string): Promise<ContainerInfo[]> {
  const all = await ctx.cli.inspect<ContainerInfo>(await ctx.cli.containers(service));
  return all.filter((c) => c.State.Status === 'running');
}

async function migrateRun(ctx: SmokeContext): Promise<MigrateRun> {
  const [container, ...more] = await ctx.cli.inspect<ContainerInfo>(await ctx.cli.containers('migrate'));
  assertSmoke(container && more.length === 0, 'expected exactly one migrate container');
  const logs = await ctx.cli.docker(['logs', container.Id]);
  return {
    id: container.Id,
    startedAt: container.State.StartedAt,
    runs: logs.split('\n').filter((l) => /^migrated \d+ shards$/.test(l.trim())).length,
  };
}

/** `up`, `--scale` and `run` must not migrate again. */
export async function assertMigrateRanOnce(ctx: SmokeContext): Promise<string> {
  const before = ctx.state.migrate;
  assertSmoke(before, 'the up step records the migrate container first');
  const now = await migrateRun(ctx);
  assertSmoke(
    now.id === before.id && now.startedAt === before.startedAt && now.runs === 1,
    `migrate ran again: was ${JSON.stringify(before)}, now ${JSON.stringify(now)}`,
  );
  return 'migrate did not run again';
}

export const buildStep: SmokeStep = {
  name: 'build',
  // Cold (no layer cache): npm ci twice and tsc on a loaded 2-core machine took ~8 min.
  timeoutMs: 25 * 60_000,
  async run(ctx) {
    await ctx.cli.run(['build', 'migrate', 'loadgen'], this.timeoutMs);
    return 'boxoffice:local (runtime) and boxoffice-tools:local (loadgen) built';
  },
};

export const imageStep: SmokeStep = {
  name: 'image',
  timeoutMs: 60_000,
  async run(ctx) {
    // The events service's image work needs sharp's prebuilt linux-x64 binary (@img/sharp-linux-x64).
    const check =
      "const sharp = require('sharp'); sharp({ create: { width: 8, height: 8, channels: 3, background: '#c00' } })" +
      ".webp().toBuffer().then((b) => console.log('sharp ' + sharp.versions.sharp + ', libvips ' + sharp.versions.vips + ', webp ' + b.length + ' bytes'))";
    const out = await ctx.cli.docker([
      'run',
      '--rm',
      '-w',
      '/app/services/events',
      'boxoffice:local',
      'node',
      '-e',
      check,
    ]);
    // The shared library loads with the production dependencies, its own node_modules included
    // (shared's lru-cache 11 was missing, and every process failed at its first require).
    await ctx.cli.docker([
      'run',
      '--rm',
      'boxoffice:local',
      'node',
      '-e',
      "require('/app/shared/runtime/src/index.js')",
    ]);
    const user = await ctx.cli.docker(['run', '--rm', 'boxoffice:local', 'id', '-un']);
    assertSmoke(user.trim() === 'node', `the runtime image runs as ${user.trim()}, not node`);
    return `${out.trim()} in the runtime image (as user node); shared/ loads with its own dependencies`;
  },
};

export const upStep: SmokeStep = {
  name: 'up',
  // ~1 min on a quiet machine; initdb of four servers and twelve databases' migrations took
  // over 5 min at load average 47 (2 cores shared by many jobs).
  timeoutMs: 12 * 60_000,
  async run(ctx) {
    // Returns once every dependency condition held and the gateway container started.
    await ctx.cli.run(['up', '-d'], this.timeoutMs);
    await waitFor('gateway /readyz', 180_000, async () => {
      const res = await fetch(`${ctx.gatewayUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
      return res.status === 200 ? true : undefined;
    });
    ctx.state.migrate = await migrateRun(ctx);
    assertSmoke(ctx.state.migrate.runs === 1, 'migrate did not report "migrated N shards"');
    const counts = await Promise.all(
      SERVICE_NAMES.map(async (s) => `${s} ×${(await runningContainers(ctx, s)).length}`),
    );
    return `healthy: ${counts.join(', ')}; gateway ready at ${ctx.gatewayUrl}`;
  },
};

export const volumesStep: SmokeStep = {
  name: 'volumes',
  timeoutMs: 30_000,
  async run(ctx) {
    const named = new Set(await ctx.cli.volumes());
    const containers = await ctx.cli.inspect<ContainerInfo>(await ctx.cli.containers());
    const anonymous = containers.flatMap((c) =>
      c.Mounts.filter((m) => m.Type === 'volume' && !named.has(m.Name ?? '')).map(
        (m) => `${c.Name} ${m.Destination}`,
      ),
    );
    assertSmoke(
      anonymous.length === 0,
      `anonymous volumes (left behind by every down): ${anonymous.join(', ')}`,
    );
    return `${containers.length} containers, ${named.size} named volumes, no anonymous ones`;
  },
};

export const scaleStep: SmokeStep = {
  name: 'scale',
  timeoutMs: 3 * 60_000,
  async run(ctx) {
    await ctx.cli.run(['up', '-d', '--scale', 'events=3'], this.timeoutMs);
    const hosts = new Set((await runningContainers(ctx, 'events')).map((c) => c.Config.Hostname));
    assertSmoke(hosts.size === 3, `expected 3 events containers, found ${hosts.size}`);
    // The gateway re-resolves `events` every 5 s; the new container must also be listening.
    const started = Date.now();
    await waitFor('the gateway to use all 3 events containers', 90_000, async () => {
      const { seen } = await hostsAnswering(`${ctx.gatewayUrl}/api/events?limit=1`, 'events', hosts, {
        maxRequests: 12,
      });
      return seen.size === hosts.size ? true : undefined;
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return `3 events containers, all answering through the gateway after ${seconds} s; ${await assertMigrateRanOnce(ctx)}`;
  },
};
