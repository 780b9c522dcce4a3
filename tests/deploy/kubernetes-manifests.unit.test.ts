/**
 * deploy/kubernetes rendered as `kubectl apply -k` would (tests/deploy/kustomize.ts), each overlay
 * with the secrets a user creates, then checked against the Kubernetes API schemas and against
 * the code and the compose topology. The last block breaks rendered objects on purpose: each
 * check must name what it is there to catch.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@boxoffice/devstack';
import { missingMigrations } from '@boxoffice/devstack';
import { schemaProblems, unknownFieldProblems } from './api-schemas';
import { processOf } from './boxoffice-config';
import {
  KUBERNETES_DIR,
  OVERLAYS,
  Rendered,
  cloneRendered,
  dataOf,
  findGenerated,
  findObject,
  renderOverlay,
  workloadsOf,
} from './cluster';
import { ContainerSpec, K8sObject, podSpecsOf } from './kustomize';
import {
  appContainerLabel,
  appContainers,
  configurationProblems,
  describeProcess,
  exposureProblems,
  imageProblems,
  migrateOrderProblems,
  reachProblems,
  referenceProblems,
  resourceAndProbeProblems,
  scalingProblems,
  secretProblems,
  topologyOf,
  topologyProblems,
} from './manifest-checks';

/** What the external overlay's services reach outside the cluster: Postgres, Redis (and TLS), AMQP (and TLS). */
const EXTERNAL_PORTS = [5432, 6379, 6380, 5671, 5672];
const externalPortsOf = (overlay: string) => (overlay === 'external' ? EXTERNAL_PORTS : []);

const rendered: Record<string, Rendered> = Object.fromEntries(OVERLAYS.map((o) => [o, renderOverlay(o)]));

test('when the overlays are listed, then there are the two in-cluster ones (Redis Streams, RabbitMQ) and the external one', () => {
  expect(OVERLAYS).toEqual(['external', 'in-cluster', 'in-cluster-rabbitmq']);
});

describe.each(OVERLAYS)('the %s overlay, rendered', (overlay) => {
  const r = () => rendered[overlay]!;

  // Each check of tests/deploy/manifest-checks.ts, which lists what it finds wrong: nothing.
  const checks: [string, (rendered: Rendered) => string[]][] = [
    [
      'when its objects are validated against the Kubernetes API schemas (kubernetes-models), then all pass',
      (rendered) => schemaProblems(rendered.objects),
    ],
    [
      'when its objects are type-checked as the API types, then none has a field the API does not know',
      (rendered) => unknownFieldProblems(rendered.objects),
    ],
    [
      'when it is applied, then every ConfigMap, Secret, key and selector it refers to exists',
      referenceProblems,
    ],
    [
      "when each process starts, then its configuration loads from its container's environment",
      configurationProblems,
    ],
    [
      'when it runs, then only the gateway is reachable from outside and every pod is under a default deny',
      exposureProblems,
    ],
    [
      'when the pods talk, then the network policies allow exactly what each process is configured to reach',
      (rendered) => reachProblems(rendered, externalPortsOf(overlay)),
    ],
    ['when images are pulled, then each names a version (no latest)', imageProblems],
    [
      'when containers are scheduled, then each has requests and limits, and each long-running one its probes',
      resourceAndProbeProblems,
    ],
    [
      'when a service starts, then the migrate Job has migrated its shards for this image first',
      migrateOrderProblems,
    ],
    [
      "when the topology ConfigMap is read, then it has compose's shape and passes the configuration schema",
      topologyProblems,
    ],
    [
      "when load grows, then an autoscaler and a disruption budget cover each app Deployment, within the servers' connections",
      scalingProblems,
    ],
  ];
  test.each(checks)('%s', (_, check) => {
    expect(check(r())).toEqual([]);
  });

  test('when the app containers are listed, then each process runs in one (the services with their init container)', () => {
    expect(
      appContainers(r())
        .map(({ process }) => describeProcess(process))
        .sort(),
    ).toEqual([
      'gateway',
      'migrate',
      'service events',
      'service tickets',
      'service users',
      'wait-for-migrations events',
      'wait-for-migrations tickets',
      'wait-for-migrations users',
    ]);
  });

  test('when the Secrets are made, then from files the user creates (never committed), with the keys of their examples', () => {
    expect(secretProblems(r())).toEqual([]);
    for (const file of ['keys.env', 'servers.env', 'gateway.env']) {
      const path = `deploy/kubernetes/overlays/${overlay}/secrets/${file}`;
      const ignored = spawnSync('git', ['check-ignore', '-q', path], { cwd: REPO_ROOT });
      expect({ path, ignored: ignored.status === 0 }).toEqual({ path, ignored: true });
    }
  });

  test('when a user copies the examples unchanged, then every process refuses to start', () => {
    const unchanged = renderOverlay(overlay, (examplePath) => readFileSync(examplePath, 'utf8'));
    const refused = new Set(configurationProblems(unchanged).map((problem) => problem.split(':')[0]));
    const containers = appContainers(unchanged).map(appContainerLabel);
    expect(containers.length).toBe(8);
    expect(containers.filter((c) => !refused.has(c))).toEqual([]);
  });
});

describe('the in-cluster servers', () => {
  test("when a shard lists a read replica, then a standby of that shard's server copies it with pg_basebackup -R", () => {
    for (const overlay of ['in-cluster', 'in-cluster-rabbitmq']) {
      const r = rendered[overlay]!;
      for (const service of Object.values(topologyOf(r)!.services)) {
        for (const shard of service?.shards ?? []) {
          for (const replica of shard.replicas) {
            const script = (
              findObject(r, 'StatefulSet', new URL(replica).hostname).spec as never as {
                template: { spec: { containers: ContainerSpec[] } };
              }
            ).template.spec.containers[0]!.args!.join(' ');
            expect(script).toContain(`pg_basebackup -h ${new URL(shard.primary).hostname} `);
            expect(script).toMatch(/ -R /);
          }
        }
      }
    }
  });

  test('when a server restarts on its volume, then the kubelet leaves the permissions of its data as they are', () => {
    for (const overlay of ['in-cluster', 'in-cluster-rabbitmq']) {
      for (const { name, object, pod } of workloadsOf(rendered[overlay]!)) {
        if (!(object.spec as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates) continue;
        // The default (Always) adds group write at every mount: Postgres then refuses its data directory.
        expect({ name, policy: pod.securityContext?.fsGroupChangePolicy }).toEqual({
          name,
          policy: 'OnRootMismatch',
        });
      }
    }
  });

  test("when RabbitMQ first starts, then it creates the user and password of the services' BUS_URL", () => {
    const r = rendered['in-cluster-rabbitmq']!;
    const busUrl = dataOf(findGenerated(r, 'Secret', 'boxoffice-servers')).BUS_URL!;
    const broker = podSpecsOf(findObject(r, 'StatefulSet', 'rabbitmq'))[0]!.containers[0]!;
    const script = broker.args![0]!.replace(
      /^exec docker-entrypoint\.sh .*$/m,
      'echo "$RABBITMQ_DEFAULT_USER $RABBITMQ_DEFAULT_PASS"',
    );
    const run = spawnSync('bash', ['-c', script], { env: { BUS_URL: busUrl }, encoding: 'utf8' });
    const url = new URL(busUrl);
    expect(run.stdout.trim()).toBe(`${url.username} ${url.password}`);
  });
});

describe('the migrations an init container waits for', () => {
  test('when a shard has applied some, then the rest are missing, in order', () => {
    const migrations = ['0000_a', '0001_b', '0002_c'].map((name) => ({
      name,
      up: jest.fn(),
      down: jest.fn(),
    }));
    expect(missingMigrations(migrations, ['0000_a'])).toEqual(['0001_b', '0002_c']);
    expect(missingMigrations(migrations, ['0000_a', '0001_b', '0002_c'])).toEqual([]);
  });

  test('when the image is built, then the manifests are not in it (their secrets/*.env hold real keys)', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('deploy/kubernetes');
    expect(KUBERNETES_DIR).toBe(join(REPO_ROOT, 'deploy/kubernetes'));
  });
});

describe('each check reports what it is there to catch', () => {
  const broken = (change: (r: Rendered) => void) => {
    const copy = cloneRendered(rendered['in-cluster']!);
    change(copy);
    return copy;
  };
  const object = (r: Rendered, kind: string, name: string) => findObject(r, kind, name);
  const containerOf = (o: K8sObject, index = 0) => podSpecsOf(o)[0]!.containers[index]!;

  test('when an object has a field the API does not know, or a value of the wrong type, then the schema checks say so', () => {
    const r = broken((c) => {
      const users = containerOf(object(c, 'Deployment', 'users')) as unknown as Record<string, unknown>;
      users.readinessProbes = users.readinessProbe;
      (
        containerOf(object(c, 'Deployment', 'events')).ports![0] as unknown as Record<string, unknown>
      ).containerPort = 'http';
    });
    expect(unknownFieldProblems(r.objects).join('\n')).toMatch(/Deployment users: .*readinessProbes/);
    expect(schemaProblems(r.objects).join('\n')).toMatch(
      /Deployment events: .*containerPort must be integer/,
    );
  }, 60_000);

  test('when a service gets a LoadBalancer or the default deny goes, then the exposure check says so', () => {
    const r = broken((c) => {
      (object(c, 'Service', 'users').spec as Record<string, unknown>).type = 'LoadBalancer';
      c.objects = c.objects.filter((o) => o.metadata.name !== 'default-deny');
    });
    expect(exposureProblems(r)).toEqual(
      expect.arrayContaining([
        'Service users is exposed outside the cluster (LoadBalancer)',
        // The one pod no other policy fences in: without the default deny, anyone may connect.
        'Job migrate: no NetworkPolicy limits its ingress',
      ]),
    );
  });

  test("when a service may reach another service's cache, then the reach check names both sides", () => {
    const r = broken((c) => {
      const policy = object(c, 'NetworkPolicy', 'users-to-redis-users-cache').spec as {
        egress: { to: { podSelector: { matchLabels: Record<string, string> } }[] }[];
      };
      policy.egress[0]!.to[0]!.podSelector.matchLabels['app.kubernetes.io/name'] = 'redis-events-cache';
      const ingress = object(c, 'NetworkPolicy', 'redis-events-cache').spec as {
        ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[];
      };
      ingress.ingress[0]!.from.push({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'users' } } });
    });
    expect(reachProblems(r, [])).toEqual([
      'allowed but not configured: users → redis-events-cache:6379',
      'configured but not allowed: users → redis-users-cache:6379',
    ]);
  });

  test('when an image is latest or has no tag, then the image check says so', () => {
    const r = broken((c) => {
      containerOf(object(c, 'StatefulSet', 'pg-0-2')).image = 'postgres:latest';
      containerOf(object(c, 'Deployment', 'redis-users-cache')).image = 'redis';
    });
    expect(imageProblems(r)).toEqual([
      'StatefulSet pg-0-2, container postgres: image postgres:latest has no version (or is latest)',
      'Deployment redis-users-cache, container redis: image redis has no version (or is latest)',
    ]);
  });

  test('when a container loses its limits or a probe, then the resource and probe check says so', () => {
    const r = broken((c) => {
      delete containerOf(object(c, 'Deployment', 'events')).resources!.limits;
      delete containerOf(object(c, 'StatefulSet', 'pg-0-2')).readinessProbe;
      containerOf(object(c, 'Deployment', 'gateway')).livenessProbe!.httpGet!.path = '/readyz';
    });
    expect(resourceAndProbeProblems(r)).toEqual([
      'Deployment gateway, container gateway: livenessProbe is not GET /healthz on its port',
      'Deployment events, container events: no cpu limits',
      'Deployment events, container events: no memory limits',
      'StatefulSet pg-0-2, container postgres: no readinessProbe',
    ]);
  });

  test('when a service no longer waits for the migrations, then the order check says so', () => {
    const r = broken((c) => {
      delete podSpecsOf(object(c, 'Deployment', 'tickets'))[0]!.initContainers;
    });
    expect(migrateOrderProblems(r)).toEqual([
      "Deployment tickets: does not wait for its shards' migrations before starting",
    ]);
  });

  test('when the topology ConfigMap moves a range boundary, then the topology check says so', () => {
    const r = broken((c) => {
      const data = findGenerated(c, 'ConfigMap', 'topology').data as Record<string, string>;
      data['topology.json'] = data['topology.json']!.replace('"range": "30-5f"', '"range": "30-6f"');
    });
    const problems = topologyProblems(r).join('\n');
    expect(problems).toContain('topology.json is not deploy/topology.compose.json');
    expect(problems).toContain(
      "topology.json's services, ranges, databases or instances differ from compose's",
    );
    expect(problems).toMatch(/overlap/);
  });

  test('when a process gets the development key or another port, then the configuration check says so', () => {
    const r = broken((c) => {
      const secret = findGenerated(c, 'Secret', 'boxoffice-keys').data as Record<string, string>;
      secret.INTERNAL_KEYS = Buffer.from('dev-internal-key-change-me-0000').toString('base64');
      containerOf(object(c, 'Deployment', 'users')).env![0]!.value = '7102';
    });
    const problems = configurationProblems(r);
    expect(problems.filter((p) => p.includes('set your own keys in production')).length).toBe(8);
    expect(problems.join('\n')).toContain(
      'Deployment users, container users (service users): Invalid configuration',
    );
  });

  test('when a Deployment sets replicas under its autoscaler, or loses it, then the scaling check says so', () => {
    const r = broken((c) => {
      (object(c, 'Deployment', 'users').spec as Record<string, unknown>).replicas = 3;
      c.objects = c.objects.filter(
        (o) => !(o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'events'),
      );
      (object(c, 'HorizontalPodAutoscaler', 'tickets').spec as Record<string, unknown>).maxReplicas = 20;
    });
    expect(scalingProblems(r)).toEqual(
      expect.arrayContaining([
        'Deployment users: sets replicas, which every apply would reset under its autoscaler',
        'Deployment events: no autoscaler from 2 pods up',
        expect.stringMatching(/^pg-0-2: \d+ connections at 20 pods per service, max_connections 197$/),
      ]),
    );
  });

  test('when a Secret is written into a manifest, then the secret check says so', () => {
    const r = broken((c) => {
      c.objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, data: {} });
    });
    expect(secretProblems(r)).toEqual([
      `Secret keys is written in a manifest, not generated from a user's file`,
    ]);
  });

  test('when the app containers are found, then by the compiled entry each runs', () => {
    const commands = workloadsOf(rendered['in-cluster']!).flatMap((w) =>
      [...(w.pod.initContainers ?? []), ...w.pod.containers].map((c) => c.command),
    );
    expect(commands.filter((command) => processOf(command)).length).toBe(8);
  });
});
