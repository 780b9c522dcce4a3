import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@boxoffice/platform';
import { busBackendOf } from '@boxoffice/bus';
import {
  DEFAULT_PORTS,
  SERVICE_NAMES,
  loadTopology,
  platformEnvSchema,
  readTopologyFile,
  serviceEnvSchema,
} from '@boxoffice/runtime';
import { loadGatewayConfig } from '../../gateway/src';
import { REPO_ROOT } from '@boxoffice/devstack';
import {
  ComposeService,
  compose,
  composeServiceNames,
  dockerStages,
  readRepoFile,
  stageEnv,
  stageWorkdir,
} from './compose-files';

/**
 * docker-compose.rabbitmq.yml, the override that puts the bus on RabbitMQ, agrees with the code:
 * merged onto docker-compose.yml the way Compose merges files (mappings merged, the override's
 * values winning; lists replaced), every app process loads its configuration and finds the bus
 * on the compose `rabbitmq` service.
 */
const override = parse(readRepoFile('docker-compose.rabbitmq.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};

function merged(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over ?? base;
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over ?? base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) out[key] = merged(out[key], value);
  return out;
}

const services = merged(compose.services, override.services) as Record<string, ComposeService>;
const runtime = dockerStages().at(-1)!;
const APP = ['migrate', 'users', 'events', 'tickets', 'gateway'] as const;

/** A container's environment as its process sees it: the image's ENV, then compose's; /app paths mapped to the repository. */
function containerEnv(name: string): Record<string, string> {
  const env = { ...stageEnv(runtime), ...services[name]!.environment };
  const workdir = `${stageWorkdir(runtime)}/`;
  if (env.TOPOLOGY_FILE?.startsWith(workdir)) {
    env.TOPOLOGY_FILE = join(REPO_ROOT, env.TOPOLOGY_FILE.slice(workdir.length));
  }
  return env;
}

/** The bus URL a process ends up with, through its own configuration code. */
function busUrlOf(name: (typeof APP)[number]): string {
  const env = containerEnv(name);
  if (name === 'gateway') return loadGatewayConfig(env).topology.busUrl;
  const schema = name === 'migrate' ? platformEnvSchema : serviceEnvSchema(DEFAULT_PORTS[name]);
  return loadTopology(loadConfig(schema, env) as never).busUrl;
}

/** `key = value` lines of a RabbitMQ config file. */
function rabbitConf(): Record<string, string> {
  const conf: Record<string, string> = {};
  for (const line of readRepoFile('deploy/rabbitmq/rabbitmq.conf').split('\n')) {
    const m = /^\s*([\w.]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trim().startsWith('#')) conf[m[1]!] = m[2]!;
  }
  return conf;
}

describe('docker-compose.rabbitmq.yml agrees with the code', () => {
  test('when it is merged onto docker-compose.yml, then it adds only the rabbitmq service and changes only services that exist', () => {
    expect(Object.keys(override.services).filter((name) => !composeServiceNames.includes(name))).toEqual([
      'rabbitmq',
    ]);
    expect(Object.keys(override.volumes ?? {})).toEqual(['rabbitmq']);
  });

  test.each(APP)(
    'when the %s container loads its configuration, then its bus is RabbitMQ on the rabbitmq service',
    (name) => {
      const url = new URL(busUrlOf(name));
      expect(busBackendOf(url.href)).toBe('rabbitmq');
      expect(url.hostname).toBe('rabbitmq');
      expect(url.port || '5672').toBe('5672');
      // Everything else stays as in docker-compose.yml: production mode, the same keys.
      expect(containerEnv(name).NODE_ENV).toBe('production');
    },
  );

  test('when the rabbitmq topology is read, then it is the compose topology without its busUrl (BUS_URL decides)', () => {
    const base = readTopologyFile(join(REPO_ROOT, 'deploy/topology.compose.json'));
    const rabbit = readTopologyFile(join(REPO_ROOT, 'deploy/topology.compose.rabbitmq.json'));
    expect(rabbit.busUrl).toBeUndefined();
    expect(rabbit).toEqual({ ...base, busUrl: undefined });
  });

  test('when a process uses the bus, then it starts only once the broker is healthy', () => {
    for (const name of SERVICE_NAMES) {
      expect(services[name]!.depends_on?.rabbitmq?.condition).toBe('service_healthy');
    }
    expect(services.rabbitmq!.healthcheck?.test.slice(0, 2)).toEqual(['CMD', 'rabbitmq-diagnostics']);
  });

  test('when the broker is built, then it is Debian rabbitmq-server with the repository config, a fixed node name and its data in a named volume', () => {
    const rabbitmq = services.rabbitmq!;
    expect(rabbitmq.build?.context).toBe('deploy/rabbitmq');
    const dockerfile = readRepoFile('deploy/rabbitmq/Dockerfile');
    expect(dockerfile).toMatch(/apt-get install .*rabbitmq-server/);
    expect(dockerfile).toContain('COPY rabbitmq.conf /etc/rabbitmq/rabbitmq.conf');
    // The data directory is named after the node; a hostname-derived name would change per container.
    expect(dockerfile).toMatch(/RABBITMQ_NODENAME=rabbit@localhost/);
    expect(rabbitmq.volumes).toEqual(['rabbitmq:/var/lib/rabbitmq']);
    expect(rabbitmq.ports).toBeUndefined(); // reached by the services only, never from the host
  });

  test('when a service connects, then it uses the user the broker creates (guest may only connect from localhost)', () => {
    const conf = rabbitConf();
    for (const name of APP) {
      const url = new URL(busUrlOf(name));
      expect({ name, user: url.username, pass: decodeURIComponent(url.password) }).toEqual({
        name,
        user: conf.default_user,
        pass: conf.default_pass,
      });
    }
    expect(conf.default_user).not.toBe('guest');
  });

  const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  // CI installs Debian's docker-compose; on a laptop without it this check is skipped, visibly.
  (hasCompose || process.env.CI ? test : test.skip)(
    'when docker-compose parses both files together, then they are valid',
    () => {
      const result = spawnSync(
        'docker-compose',
        ['-f', 'docker-compose.yml', '-f', 'docker-compose.rabbitmq.yml', 'config', '--quiet'],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      );
      expect(result.error).toBeUndefined();
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    },
  );
});
