import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '@boxoffice/platform';
import { ShardRouter } from '@boxoffice/sharding';
import {
  DEFAULT_PORTS,
  SERVICE_NAMES,
  ServiceName,
  buildTopology,
  loadTopology,
  platformEnvSchema,
  readTopologyFile,
  serviceEnvSchema,
} from '@boxoffice/runtime';
import { gatewayEnvSchema, loadGatewayConfig } from '../../gateway/src';
import { REPO_ROOT } from '@boxoffice/devstack';
import {
  compose,
  composeService,
  composeServiceNames,
  dockerStages,
  interpolateDefaults,
  nodeEntryOf,
  readRepoFile,
  stageEnv,
  stageWorkdir,
} from './compose-files';

const topologyPath = join(REPO_ROOT, 'deploy/topology.compose.json');
const topology = readTopologyFile(topologyPath);
const runtime = dockerStages().at(-1)!;

/** Which Boxoffice process a container runs, from its command (compiled entries of the runtime image). */
type Process = { kind: 'gateway' } | { kind: 'service'; service: ServiceName } | { kind: 'migrate' };
function processOf(command: readonly string[] | undefined): Process | undefined {
  const entry = nodeEntryOf(command) ?? '';
  if (entry === 'gateway/src/server.js') return { kind: 'gateway' };
  if (entry === 'scripts/migrate.js') return { kind: 'migrate' };
  const service = /^services\/(\w+)\/src\/server\.js$/.exec(entry)?.[1];
  return service ? { kind: 'service', service: service as ServiceName } : undefined;
}

const appContainers = composeServiceNames
  .map((name) => ({ name, process: processOf(composeService(name).command) }))
  .filter((c): c is { name: string; process: Process } => c.process !== undefined);

/**
 * A container's environment as the process sees it: the image's ENV, then compose's. Paths in
 * the image (/app/…) are mapped to the repository, which the image copies to its WORKDIR.
 */
function containerEnv(name: string): Record<string, string> {
  const env = { ...stageEnv(runtime), ...composeService(name).environment };
  const workdir = `${stageWorkdir(runtime)}/`;
  if (env.TOPOLOGY_FILE?.startsWith(workdir)) {
    env.TOPOLOGY_FILE = join(REPO_ROOT, env.TOPOLOGY_FILE.slice(workdir.length));
  }
  return env;
}

function schemaOf(process: Process): z.ZodObject {
  if (process.kind === 'gateway') return gatewayEnvSchema;
  if (process.kind === 'service') return serviceEnvSchema(DEFAULT_PORTS[process.service]);
  return platformEnvSchema;
}

/** Every server a process connects to, loaded through the process's own configuration code. */
function connectionsOf(
  name: string,
  process: Process,
): { url: string; kind: 'postgres' | 'redis' | ServiceName }[] {
  const env = containerEnv(name);
  if (process.kind === 'gateway') {
    const config = loadGatewayConfig(env);
    return [
      ...SERVICE_NAMES.flatMap((service) => config.upstreams[service].map((url) => ({ url, kind: service }))),
    ];
  }
  const config = loadConfig(schemaOf(process), env) as z.infer<typeof platformEnvSchema>;
  const built = loadTopology(config);
  const services = process.kind === 'service' ? [process.service] : SERVICE_NAMES;
  return services.flatMap((service) => [
    ...built.services[service].shards.flatMap((shard) =>
      [shard.primary, ...shard.replicas].map((url) => ({ url, kind: 'postgres' as const })),
    ),
    ...(process.kind === 'service'
      ? [
          { url: built.services[service].cacheUrl, kind: 'redis' as const },
          { url: built.busUrl, kind: 'redis' as const },
        ]
      : []),
  ]);
}

/** Where a compose service listens: Postgres 5432, Redis 6379, an app its PORT. */
function listensOn(name: string): { kind: string; port: string } | undefined {
  const service = composeService(name);
  if (service.image?.startsWith('postgres:')) return { kind: 'postgres', port: '5432' };
  if (service.image?.startsWith('redis:')) return { kind: 'redis', port: '6379' };
  const process = processOf(service.command);
  if (process?.kind === 'service') return { kind: process.service, port: service.environment!.PORT! };
  return undefined;
}

/** Compose services named as a replica of some shard in the topology file. */
function replicaHosts(): Set<string> {
  const built = buildTopology(loadConfig(platformEnvSchema, {}), topology);
  return new Set(
    SERVICE_NAMES.flatMap((service) =>
      built.services[service].shards.flatMap((shard) => shard.replicas.map((url) => new URL(url).hostname)),
    ),
  );
}

describe('docker-compose.yml agrees with the code', () => {
  test('when the compose topology is built, then every service has four shards covering 00-ff, one per Postgres server', () => {
    const built = buildTopology(loadConfig(platformEnvSchema, {}), topology);
    for (const service of SERVICE_NAMES) {
      // ShardRouter refuses a map with a gap or an overlap, naming it.
      const router = new ShardRouter(service, built.services[service].shards);
      expect(router.shards.map((s) => s.name)).toEqual(['0_2', '3_5', '6_8', '9_f']);
      for (const shard of router.shards) {
        const url = new URL(shard.primary);
        expect(`${url.hostname}${url.pathname}`).toBe(
          `pg-${shard.name.replace('_', '-')}/${service}_${shard.name}`,
        );
      }
    }
  });

  test('when the topology file is read, then it names every server itself (no fall-back to PG_URL or REDIS_URL, which mean 127.0.0.1)', () => {
    expect(topology.busUrl).toBeDefined();
    for (const service of SERVICE_NAMES) {
      expect(topology.services[service]).toEqual(
        expect.objectContaining({
          cacheUrl: expect.any(String),
          instances: expect.any(Array),
          shards: expect.any(Array),
        }),
      );
    }
  });

  test('when the app containers are listed, then the gateway, migrate and every service run in one', () => {
    const kinds = appContainers.map((c) =>
      c.process.kind === 'service' ? c.process.service : c.process.kind,
    );
    expect(kinds.sort()).toEqual(['events', 'gateway', 'migrate', 'tickets', 'users']);
  });

  describe.each(appContainers)('the $name container', ({ name, process }) => {
    test('when it starts, then its configuration loads from the image and compose environment', () => {
      const env = containerEnv(name);
      expect(env.NODE_ENV).toBe('production');
      expect(env.TOPOLOGY_FILE).toBe(topologyPath);
      // The process's own loader: it refuses, e.g., the development SESSION_KEYS in production.
      if (process.kind === 'gateway') expect(() => loadGatewayConfig(env)).not.toThrow();
      else expect(() => loadTopology(loadConfig(schemaOf(process), env) as never)).not.toThrow();
    });

    test('when its schema requires a variable (no default), then compose sets it', () => {
      const shape = schemaOf(process).shape as Record<string, z.ZodType>;
      const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success);
      const env = containerEnv(name);
      expect(required.filter((key) => env[key] === undefined)).toEqual([]);
    });

    test('when it connects to a server, then that host is a compose service of that kind on that port', () => {
      for (const { url, kind } of connectionsOf(name, process)) {
        const { hostname, port } = new URL(url);
        expect({
          url,
          listens: composeServiceNames.includes(hostname) ? listensOn(hostname) : 'no such service',
        }).toEqual({
          url,
          listens: { kind, port: port || (kind === 'redis' ? '6379' : '5432') },
        });
      }
    });

    if (process.kind !== 'migrate') {
      test('when it listens, then it is on every interface (other containers reach it) and its healthcheck asks its /readyz', () => {
        const env = containerEnv(name);
        expect(env.HOST).toBe('0.0.0.0');
        // $$ is compose's escape: the probe reads the container's own PORT.
        const probe = composeService(name).healthcheck!.test;
        expect(probe.slice(0, 5)).toEqual(['CMD', 'timeout', '4', 'bash', '-c']);
        expect(probe[5]).toContain('/dev/tcp/127.0.0.1/$$PORT');
        expect(probe[5]).toContain('GET /readyz HTTP/1.0');
        expect(env.PORT).toMatch(/^\d+$/);
      });
    }
  });

  test('when keys are set, then they are not the development defaults and every process shares the INTERNAL_KEYS', () => {
    const defaults = { ...platformEnvSchema.parse({}), ...gatewayEnvSchema.parse({}) };
    const gateway = loadGatewayConfig(containerEnv('gateway')).env;
    expect(gateway.SESSION_KEYS).not.toContain(defaults.SESSION_KEYS[0]);
    for (const { name, process } of appContainers.filter((c) => c.process.kind === 'service')) {
      const env = loadConfig(schemaOf(process), containerEnv(name)) as z.infer<typeof platformEnvSchema>;
      expect({ name, keys: env.INTERNAL_KEYS }).toEqual({ name, keys: gateway.INTERNAL_KEYS });
      expect(env.INTERNAL_KEYS).not.toContain(defaults.INTERNAL_KEYS[0]);
    }
  });

  test('when the gateway runs in production, then the topology page has a key (without one it is off there)', () => {
    const gateway = loadGatewayConfig(containerEnv('gateway')).env;
    expect(gateway.NODE_ENV).toBe('production');
    expect(gateway.ADMIN_KEY).toMatch(/^compose-demo-/);
  });

  test('when a service is scaled, then it is one compose service of two replicas that the gateway finds by name', () => {
    expect(containerEnv('gateway').UPSTREAM_DISCOVERY).toBe('dns');
    for (const service of SERVICE_NAMES) {
      const spec = composeService(service);
      expect(processOf(spec.command)).toEqual({ kind: 'service', service });
      expect(spec.deploy?.replicas ?? spec.scale).toBe(2);
      // A fixed container name or a published port would make `--scale` fail.
      expect(spec.container_name).toBeUndefined();
      expect(topology.services[service]!.instances).toEqual([`http://${service}:${spec.environment!.PORT}`]);
      expect(spec.environment!.PORT).toBe(String(DEFAULT_PORTS[service]));
    }
  });

  test("when a shard lists a read replica, then it is a standby of that shard's server that nothing waits for", () => {
    const built = buildTopology(loadConfig(platformEnvSchema, {}), topology);
    const pairs = SERVICE_NAMES.flatMap((service) =>
      built.services[service].shards.flatMap((shard) =>
        shard.replicas.map((url) => ({ primary: new URL(shard.primary), replica: new URL(url) })),
      ),
    );
    expect(pairs.length).toBeGreaterThanOrEqual(1);
    for (const { primary, replica } of pairs) {
      // The same database, on another server: never the primary under another name.
      expect(replica.pathname).toBe(primary.pathname);
      expect(replica.hostname).not.toBe(primary.hostname);
      const spec = composeService(replica.hostname);
      const script = (spec.command ?? []).join(' ');
      expect(script).toContain(`pg_basebackup -h ${primary.hostname} `);
      expect(script).toMatch(/ -R /);
      expect(spec.depends_on?.[primary.hostname]?.condition).toBe('service_healthy');
      // The primary lets replication connections in.
      expect((composeService(primary.hostname).command ?? []).join(' ')).toContain('hba_file=');
    }
    const waiting = composeServiceNames.filter((name) =>
      Object.keys(composeService(name).depends_on ?? {}).some((d) => replicaHosts().has(d)),
    );
    expect(waiting).toEqual([]);
  });

  test('when the stack is up, then the gateway on 8080 is the only port published, and on 127.0.0.1 only (the file carries demo session keys)', () => {
    const published = composeServiceNames.filter((name) => composeService(name).ports !== undefined);
    expect(published).toEqual(['gateway']);
    // host-ip:host-port:container-port; without the host ip Docker publishes on every interface.
    expect(composeService('gateway').ports).toEqual(['127.0.0.1:8080:8080']);
    expect(containerEnv('gateway').PORT).toBe('8080');
  });

  test('when GATEWAY_PORT is set, then it moves the published port and nothing else', () => {
    const raw = readRepoFile('docker-compose.yml');
    expect(raw.match(/\$\{\w+(:-[^}]*)?\}/g)).toEqual(['${GATEWAY_PORT:-8080}']);
    expect(interpolateDefaults('127.0.0.1:${GATEWAY_PORT:-8080}:8080')).toBe('127.0.0.1:8080:8080');
  });

  // The VOLUMEs the images declare (postgres:15 and redis:7, official and stand-in alike; our
  // Dockerfile declares none). Docker makes an anonymous volume for each one nothing is mounted
  // on, and `docker compose down` leaves it behind.
  const imageVolumes: Record<string, string[]> = {
    'postgres:15': ['/var/lib/postgresql/data'],
    'redis:7': ['/data'],
  };

  test.each(composeServiceNames)(
    'when %s starts, then every VOLUME of its image has a named volume or a tmpfs on it (no anonymous volume)',
    (name) => {
      const service = composeService(name);
      const mounted = [
        ...(service.volumes ?? []).map((v) => {
          const [source, target] = v.split(':');
          // A bind mount (./deploy/…) is the repository's file, not a volume.
          if (/^[./]/.test(source!)) return target;
          expect({ volume: v, named: compose.volumes?.[source!] !== undefined }).toEqual({
            volume: v,
            named: true,
          });
          return target;
        }),
        ...(service.tmpfs ?? []),
      ];
      const declared = imageVolumes[service.image ?? ''] ?? [];
      expect(declared.filter((path) => !mounted.includes(path))).toEqual([]);
    },
  );

  test('when a cache Redis stops, then nothing of it is kept (tmpfs), while the bus keeps its append-only file in a named volume', () => {
    for (const service of SERVICE_NAMES) {
      expect(composeService(`redis-${service}-cache`).tmpfs).toEqual(['/data']);
    }
    expect(composeService('redis-bus').volumes).toEqual(['redis-bus:/data']);
  });

  describe('start-up order', () => {
    const dependsOn = (name: string) =>
      Object.fromEntries(
        Object.entries(composeService(name).depends_on ?? {}).map(([k, v]) => [k, v.condition]),
      );

    test('when migrate runs, then every primary Postgres server is healthy, and a migration that keeps failing is not restarted', () => {
      const servers = composeServiceNames.filter(
        (name) => listensOn(name)?.kind === 'postgres' && !replicaHosts().has(name),
      );
      expect(servers).toEqual(['pg-0-2', 'pg-3-5', 'pg-6-8', 'pg-9-f']);
      expect(dependsOn('migrate')).toEqual(Object.fromEntries(servers.map((s) => [s, 'service_healthy'])));
      expect(composeService('migrate').restart).toBe('no');
    });

    test('when migrate has migrated, then it stays up and turns healthy, so a later up, --scale or run does not start it again', () => {
      const migrate = composeService('migrate');
      // Compose starts an exited one-shot container again on every `up`/`run`; a running one it leaves.
      expect(migrate.command).toEqual(['sh', 'deploy/migrate-then-idle.sh']);
      const script = readRepoFile('deploy/migrate-then-idle.sh');
      const order = [
        'rm -f /tmp/migrated',
        'until node scripts/migrate.js',
        'touch /tmp/migrated',
        'exec sleep infinity',
      ];
      expect(order.map((line) => script.indexOf(line))).toEqual(
        [...order.map((line) => script.indexOf(line))].sort((a, b) => a - b),
      );
      expect(order.filter((line) => !script.includes(line))).toEqual([]);
      expect(migrate.healthcheck?.test).toEqual(['CMD', 'test', '-f', '/tmp/migrated']);
      // PID 1 docker-init forwards SIGTERM to sleep, so `down` does not wait out the stop timeout.
      expect(migrate.init).toBe(true);
    });

    test('when a service starts, then migrate has finished (is healthy), the bus Redis is healthy and its cache has started', () => {
      for (const service of SERVICE_NAMES) {
        const redisHosts = connectionsOf(service, { kind: 'service', service })
          .filter((c) => c.kind === 'redis')
          .map((c) => new URL(c.url).hostname);
        // A cache is optional (reads go to the shards while it is away): nothing waits for its health.
        const cacheHost = `redis-${service}-cache`;
        expect(redisHosts).toContain(cacheHost);
        expect(dependsOn(service)).toEqual({
          migrate: 'service_healthy',
          ...Object.fromEntries(
            redisHosts.map((host) => [host, host === cacheHost ? 'service_started' : 'service_healthy']),
          ),
        });
      }
    });

    test('when a container has a healthcheck, then it probes at most every 10 s (each probe is a docker exec)', () => {
      // ~0.3 CPU-seconds per probe on a 2-core VM: 17 probes 3-5 s apart took two thirds of it.
      const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);
      const probing = composeServiceNames.filter((name) => composeService(name).healthcheck?.interval);
      expect(probing.length).toBeGreaterThan(5);
      for (const name of probing) {
        expect({ name, interval: seconds(composeService(name).healthcheck!.interval!) >= 10 }).toEqual({
          name,
          interval: true,
        });
      }
    });

    test('when the gateway starts, then every service is ready; when loadgen starts, the gateway is', () => {
      expect(dependsOn('gateway')).toEqual({
        users: 'service_healthy',
        events: 'service_healthy',
        tickets: 'service_healthy',
      });
      expect(dependsOn('loadgen')).toEqual({ gateway: 'service_healthy' });
    });

    test('when a dependency must be healthy, then it has a healthcheck', () => {
      for (const name of composeServiceNames) {
        for (const [dependency, condition] of Object.entries(dependsOn(name))) {
          if (condition === 'service_healthy') {
            expect({ dependency, healthcheck: composeService(dependency).healthcheck !== undefined }).toEqual(
              {
                dependency,
                healthcheck: true,
              },
            );
          }
        }
      }
    });
  });

  const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  // CI installs Debian's docker-compose; on a laptop without it these checks are skipped, visibly.
  (hasCompose || process.env.CI ? test : test.skip).each([[[]], [['--profile', 'loadgen']]])(
    'when docker-compose parses the file (options %j), then it is valid',
    (options: string[]) => {
      const result = spawnSync(
        'docker-compose',
        [...options, '-f', join(REPO_ROOT, 'docker-compose.yml'), 'config', '--quiet'],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      );
      expect(result.error).toBeUndefined();
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    },
  );
});
