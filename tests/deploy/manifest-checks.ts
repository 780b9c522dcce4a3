/**
 * The checks a rendered overlay must pass, each a function from the rendered objects to the
 * problems it finds (empty: none), so a test can also break an object and see the problem named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@boxoffice/devstack';
import {
  AppProcess,
  Connection,
  DEFAULT_PORTS,
  SERVICE_NAMES,
  TopologyFile,
  developmentKeys,
  loadProcessConfig,
  processOf,
  readTopologyFile,
  requiredVariables,
  shardRanges,
  worstConnections,
} from './boxoffice-config';
import {
  Endpoint,
  Rendered,
  Workload,
  containerEnv,
  findGenerated,
  isolated,
  mayConnect,
  mountedFile,
  scratchFile,
  selects,
  workloadsOf,
} from './cluster';
import { ContainerSpec, containersOf } from './kustomize';

const PROBED_KINDS = new Set(['Deployment', 'StatefulSet']);

/** `Deployment users, container users: …` */
const where = (workload: Workload, container?: ContainerSpec) =>
  `${workload.object.kind} ${workload.name}${container ? `, container ${container.name}` : ''}`;

/** Every container has CPU and memory requests and limits; every long-running one readiness and liveness probes. */
export function resourceAndProbeProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  for (const workload of workloadsOf(rendered)) {
    for (const container of containersOf(workload.pod)) {
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (!container.resources?.[kind]?.[resource]) {
            problems.push(`${where(workload, container)}: no ${resource} ${kind}`);
          }
        }
      }
    }
    if (!PROBED_KINDS.has(workload.object.kind)) continue;
    for (const container of workload.pod.containers) {
      for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
        if (!container[probe]) problems.push(`${where(workload, container)}: no ${probe}`);
      }
      // An app process: readiness is its /readyz, liveness its /healthz, on the port it listens on.
      if (processOf(container.command)) {
        const port = container.ports?.[0];
        const expect = { readinessProbe: '/readyz', livenessProbe: '/healthz' } as const;
        for (const [probe, path] of Object.entries(expect) as [keyof typeof expect, string][]) {
          const get = container[probe]?.httpGet;
          if (get?.path !== path || (get.port !== port?.name && get.port !== port?.containerPort)) {
            problems.push(`${where(workload, container)}: ${probe} is not GET ${path} on its port`);
          }
        }
      }
    }
  }
  return problems;
}

/** Every image names its version (a tag other than latest, or a digest). */
export function imageProblems(rendered: Rendered): string[] {
  return workloadsOf(rendered).flatMap((workload) =>
    containersOf(workload.pod).flatMap((container) => {
      const image = container.image ?? '';
      const tag = /:([^:/@]+)(@.*)?$/.exec(image)?.[1];
      if (image.includes('@sha256:') || (tag && tag !== 'latest')) return [];
      return [`${where(workload, container)}: image ${image || '(none)'} has no version (or is latest)`];
    }),
  );
}

/** The ports a workload's pods listen on. */
const portsOf = (workload: Workload) =>
  workload.pod.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));

/**
 * Only the gateway is reachable from outside the namespace: it alone has a Service of type
 * LoadBalancer or NodePort (or external IPs), it alone accepts connections from another namespace
 * or from the internet, and every pod is under a default deny both ways.
 */
export function exposureProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  for (const service of rendered.objects.filter((o) => o.kind === 'Service')) {
    const spec = service.spec as { type?: string; externalIPs?: string[] };
    const exposed = ['LoadBalancer', 'NodePort'].includes(spec.type ?? 'ClusterIP') || spec.externalIPs;
    if (exposed && service.metadata.name !== 'gateway') {
      problems.push(`Service ${service.metadata.name} is exposed outside the cluster (${spec.type})`);
    }
  }
  for (const kind of ['Ingress', 'Gateway', 'HTTPRoute']) {
    for (const object of rendered.objects.filter((o) => o.kind === kind)) {
      problems.push(`${kind} ${object.metadata.name}: routes are the gateway Service's job`);
    }
  }
  const outside: Endpoint[] = [{ where: 'internet' }, { where: 'cluster', labels: {} }];
  for (const workload of workloadsOf(rendered)) {
    for (const type of ['Ingress', 'Egress'] as const) {
      if (!isolated(rendered, workload.labels, type)) {
        problems.push(`${where(workload)}: no NetworkPolicy limits its ${type.toLowerCase()}`);
      }
    }
    const to: Endpoint = { where: 'namespace', labels: workload.labels };
    for (const port of portsOf(workload)) {
      const reachable = outside.some((from) => mayConnect(rendered, from, to, port));
      if (reachable !== (workload.name === 'gateway')) {
        problems.push(`${where(workload)}: port ${port} is ${reachable ? '' : 'not '}reachable from outside`);
      }
    }
  }
  return problems;
}

/** An app container: the Boxoffice process it runs, and what its configuration makes of its environment. */
interface AppContainer {
  workload: Workload;
  container: ContainerSpec;
  process: AppProcess;
}

export function appContainers(rendered: Rendered): AppContainer[] {
  return workloadsOf(rendered).flatMap((workload) =>
    containersOf(workload.pod).flatMap((container) => {
      const process = processOf(container.command);
      return process ? [{ workload, container, process }] : [];
    }),
  );
}

export const describeProcess = (p: AppProcess) => ('service' in p ? `${p.kind} ${p.service}` : p.kind);

/** How the checks name an app container: `Deployment users, container users (service users)`. */
export const appContainerLabel = ({ workload, container, process }: AppContainer) =>
  `${where(workload, container)} (${describeProcess(process)})`;

/**
 * Every process's configuration loads from its container's environment with its own loader (as
 * the compose test checks for compose): production, no development key, every required
 * variable set, listening on every interface on the port its Service and probes use; every
 * process shares one INTERNAL_KEYS; the gateway discovers instances by DNS.
 */
export function configurationProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  const internalKeys = new Set<string>();
  const dev = developmentKeys();
  for (const app of appContainers(rendered)) {
    const { workload, container, process } = app;
    const at = appContainerLabel(app);
    let env: Record<string, string>;
    let loaded;
    try {
      env = containerEnv(rendered, workload.pod, container);
      loaded = loadProcessConfig(process, env);
    } catch (err) {
      problems.push(`${at}: ${(err as Error).message}`);
      continue;
    }
    const missing = requiredVariables(process).filter((key) => env[key] === undefined);
    if (missing.length > 0) problems.push(`${at}: ${missing.join(', ')} not set`);
    if (loaded.env.NODE_ENV !== 'production') problems.push(`${at}: NODE_ENV is ${loaded.env.NODE_ENV}`);
    if (loaded.env.INTERNAL_KEYS.includes(dev.internal))
      problems.push(`${at}: the development INTERNAL_KEYS`);
    internalKeys.add(loaded.env.INTERNAL_KEYS.join(','));
    if (process.kind === 'gateway' || process.kind === 'service') {
      const listens = container.ports?.[0]?.containerPort;
      const expected = DEFAULT_PORTS[process.kind === 'gateway' ? 'gateway' : process.service];
      if (loaded.env.HOST !== '0.0.0.0') problems.push(`${at}: HOST ${loaded.env.HOST}, not every interface`);
      if (loaded.env.PORT !== listens || listens !== expected) {
        problems.push(
          `${at}: listens on ${loaded.env.PORT}, its container port is ${listens}, compose's ${expected}`,
        );
      }
    }
    if (process.kind === 'gateway') {
      if (loaded.env.SESSION_KEYS?.includes(dev.session))
        problems.push(`${at}: the development SESSION_KEYS`);
      if (loaded.env.UPSTREAM_DISCOVERY !== 'dns') problems.push(`${at}: UPSTREAM_DISCOVERY is not dns`);
    }
  }
  if (internalKeys.size > 1) problems.push(`the processes have ${internalKeys.size} different INTERNAL_KEYS`);
  return problems;
}

/** The workload a host name reaches: the Service of that name, and the workload whose pods it selects. */
function workloadBehind(rendered: Rendered, host: string): Workload | undefined {
  const service = rendered.objects.find((o) => o.kind === 'Service' && o.metadata.name === host);
  const selector = (service?.spec as { selector?: Record<string, string> } | undefined)?.selector;
  if (!selector) return undefined;
  return workloadsOf(rendered).find((w) => selects({ matchLabels: selector }, w.labels));
}

const defaultPort = (connection: Connection) =>
  ({ postgres: 5432, redis: 6379 })[connection.kind as string] ??
  (connection.url.startsWith('amqp') ? 5672 : connection.url.startsWith('redis') ? 6379 : 80);

/** What each workload's processes connect to, by their configuration, as `from → host:port`. */
function configuredConnections(
  rendered: Rendered,
): { from: Workload; host: string; port: number; kind: string }[] {
  return appContainers(rendered).flatMap(({ workload, container, process }) => {
    const env = containerEnv(rendered, workload.pod, container);
    return loadProcessConfig(process, env).connections.map((connection) => {
      const url = new URL(connection.url);
      return {
        from: workload,
        host: url.hostname,
        port: Number(url.port) || defaultPort(connection),
        kind: connection.kind,
      };
    });
  });
}

/** The standby → primary replication pairs the topology's replicas imply. */
function replicationPairs(file: TopologyFile): { replica: string; primary: string }[] {
  const pairs = new Map<string, { replica: string; primary: string }>();
  for (const service of Object.values(file.services)) {
    for (const shard of service?.shards ?? []) {
      for (const replica of shard.replicas) {
        const pair = { replica: new URL(replica).hostname, primary: new URL(shard.primary).hostname };
        pairs.set(`${pair.replica}>${pair.primary}`, pair);
      }
    }
  }
  return [...pairs.values()];
}

/**
 * Within the namespace, the NetworkPolicies allow exactly the connections the processes'
 * configuration makes (each service: its shards, its cache, the bus; the gateway: the services;
 * migrate: the primaries) plus each standby's to its primary — no more, no less. Out of the
 * namespace: the cluster DNS, and for servers outside the cluster the ports `externalPorts`.
 */
export function reachProblems(rendered: Rendered, externalPorts: readonly number[]): string[] {
  const problems: string[] = [];
  const workloads = workloadsOf(rendered);
  const expected = new Set<string>();
  for (const { from, host, port, kind } of configuredConnections(rendered)) {
    const target = workloadBehind(rendered, host);
    if (!target) {
      if (externalPorts.length === 0)
        problems.push(`${where(from)}: connects to ${host}, which is no Service here`);
      else if (
        !mayConnect(rendered, { where: 'namespace', labels: from.labels }, { where: 'internet' }, port)
      ) {
        problems.push(`${where(from)}: may not reach its ${kind} server ${host}:${port} outside the cluster`);
      }
      continue;
    }
    if (!portsOf(target).includes(port)) problems.push(`${where(from)}: ${host} does not listen on ${port}`);
    expected.add(`${from.name} → ${target.name}:${port}`);
  }
  const topology = topologyOf(rendered);
  for (const { replica, primary } of topology ? replicationPairs(topology) : []) {
    const [r, p] = [workloadBehind(rendered, replica), workloadBehind(rendered, primary)];
    if (r && p) expected.add(`${r.name} → ${p.name}:5432`);
  }
  const allowed = new Set<string>();
  const connecting = new Set(configuredConnections(rendered).map((c) => c.from.name));
  for (const from of workloads) {
    for (const to of workloads) {
      if (to === from) continue;
      for (const port of portsOf(to)) {
        const ends = [from, to].map((w): Endpoint => ({ where: 'namespace', labels: w.labels }));
        if (mayConnect(rendered, ends[0]!, ends[1]!, port)) allowed.add(`${from.name} → ${to.name}:${port}`);
      }
    }
    const dns: Endpoint = { where: 'cluster', labels: { 'k8s-app': 'kube-dns' } };
    if (!mayConnect(rendered, { where: 'namespace', labels: from.labels }, dns, 53, 'UDP')) {
      problems.push(`${where(from)}: may not ask the cluster DNS`);
    }
    for (const port of [22, 80, 443, 5432, 5671, 5672, 6379, 6380]) {
      const out = mayConnect(
        rendered,
        { where: 'namespace', labels: from.labels },
        { where: 'internet' },
        port,
      );
      // A process that connects to servers may reach the servers' ports, nothing else may go out.
      const serverPort = externalPorts.includes(port) && connecting.has(from.name);
      if (out && !serverPort) problems.push(`${where(from)}: may reach port ${port} outside the cluster`);
    }
  }
  for (const link of allowed) if (!expected.has(link)) problems.push(`allowed but not configured: ${link}`);
  for (const link of expected) if (!allowed.has(link)) problems.push(`configured but not allowed: ${link}`);
  return problems;
}

/** The topology file the overlay's app containers read (from the generated ConfigMap `topology`). */
export function topologyOf(rendered: Rendered): TopologyFile | undefined {
  const text = (findGenerated(rendered, 'ConfigMap', 'topology').data as Record<string, string>)[
    'topology.json'
  ];
  return text === undefined
    ? undefined
    : readTopologyFile(scratchFile(`${rendered.overlay}-topology.json`, text));
}

const COMPOSE_TOPOLOGY: Record<string, string> = {
  'in-cluster': 'deploy/topology.compose.json',
  'in-cluster-rabbitmq': 'deploy/topology.compose.rabbitmq.json',
};

/**
 * The topology ConfigMap has deploy/topology.compose.json's shape and passes the configuration's
 * schema: the same services, shard ranges, database names and read replicas, and instances that
 * are the headless Services of this overlay. An in-cluster overlay's file is compose's own, byte
 * for byte (its Services have compose's names); every app container mounts it at TOPOLOGY_FILE.
 */
export function topologyProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  const configMap = findGenerated(rendered, 'ConfigMap', 'topology');
  const text = (configMap.data as Record<string, string>)['topology.json'];
  if (text === undefined) return [`ConfigMap ${configMap.metadata.name} has no topology.json`];
  const composePath = COMPOSE_TOPOLOGY[rendered.overlay];
  if (composePath && text !== readFileSync(join(REPO_ROOT, composePath), 'utf8')) {
    problems.push(`topology.json is not ${composePath}`);
  }
  let file: TopologyFile;
  try {
    file = readTopologyFile(scratchFile(`${rendered.overlay}-topology.json`, text));
  } catch (err) {
    return [...problems, `topology.json: ${(err as Error).message}`];
  }
  const compose = readTopologyFile(join(REPO_ROOT, 'deploy/topology.compose.json'));
  const shape = (f: TopologyFile) =>
    Object.fromEntries(
      SERVICE_NAMES.map((service) => [
        service,
        {
          instances: f.services[service]?.instances,
          shards: (f.services[service]?.shards ?? []).map((shard) => ({
            range: shard.range,
            database: new URL(shard.primary).pathname,
            replicas: shard.replicas.map((url) => new URL(url).pathname),
          })),
        },
      ]),
    );
  if (JSON.stringify(shape(file)) !== JSON.stringify(shape(compose))) {
    problems.push(`topology.json's services, ranges, databases or instances differ from compose's`);
  }
  try {
    shardRanges(file);
  } catch (err) {
    problems.push(`topology.json: ${(err as Error).message}`);
  }
  for (const service of SERVICE_NAMES) {
    for (const instance of file.services[service]?.instances ?? []) {
      const host = new URL(instance).hostname;
      const headless = rendered.objects.find((o) => o.kind === 'Service' && o.metadata.name === host);
      const target = workloadBehind(rendered, host);
      if (
        (headless?.spec as { clusterIP?: string } | undefined)?.clusterIP !== 'None' ||
        target?.name !== service
      ) {
        problems.push(
          `instance ${instance}: not a headless Service of the ${service} pods (the gateway resolves every pod)`,
        );
      }
    }
  }
  for (const { workload, container } of appContainers(rendered)) {
    const path = rawTopologyPath(rendered, container);
    if (!path || mountedFile(rendered, workload.pod, container, path) !== text) {
      problems.push(`${where(workload, container)}: TOPOLOGY_FILE is not the topology ConfigMap's file`);
    }
  }
  return problems;
}

/** TOPOLOGY_FILE as the container sets it (before tests map it to a local copy). */
function rawTopologyPath(rendered: Rendered, container: ContainerSpec): string | undefined {
  const fromEnv = container.env?.find((e) => e.name === 'TOPOLOGY_FILE')?.value;
  if (fromEnv) return fromEnv;
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const configMap = rendered.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    const value = (configMap?.data as Record<string, string> | undefined)?.TOPOLOGY_FILE;
    if (value) return value;
  }
  return undefined;
}

/**
 * The migrate Job runs before the services are ready: each service's pods start with an init
 * container that runs the compiled wait script for that service, with the service's image,
 * environment and topology (so it waits for the migrations of the same image on the same
 * shards), and the Job runs the compiled migrate script the same way.
 */
export function migrateOrderProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  const containers = appContainers(rendered);
  const migrate = containers.filter((c) => c.process.kind === 'migrate');
  if (migrate.length !== 1 || migrate[0]!.workload.object.kind !== 'Job') {
    problems.push(`expected one Job running scripts/migrate.js, found ${migrate.length}`);
  }
  const compiled = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/tsconfig.build.json'), 'utf8')) as {
      files: string[];
    }
  ).files;
  for (const script of ['scripts/migrate.ts', 'scripts/wait-for-migrations.ts']) {
    if (!compiled.includes(`../${script}`)) problems.push(`${script} is not compiled into the image`);
  }
  const sameAs = (a: ContainerSpec, b: ContainerSpec) =>
    a.image === b.image && JSON.stringify(a.envFrom) === JSON.stringify(b.envFrom);
  for (const service of SERVICE_NAMES) {
    const main = containers.find((c) => c.process.kind === 'service' && c.process.service === service);
    if (!main) {
      problems.push(`no container runs the ${service} service`);
      continue;
    }
    const first = main.workload.pod.initContainers?.[0];
    const waits = first && processOf(first.command);
    if (!waits || waits.kind !== 'wait-for-migrations' || waits.service !== service) {
      problems.push(`${where(main.workload)}: does not wait for its shards' migrations before starting`);
    } else if (!sameAs(first, main.container) || (migrate[0] && !sameAs(first, migrate[0].container))) {
      problems.push(
        `${where(main.workload)}: waits with another image or environment than it and the Job run`,
      );
    }
  }
  return problems;
}

/**
 * Scaling: each app Deployment has a HorizontalPodAutoscaler (at least compose's 2 replicas, and
 * no `replicas` of its own to fight it) and a PodDisruptionBudget; at the autoscalers' maximum
 * every Postgres server still has the connections for all pools (max_connections).
 */
export function scalingProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  const deployments = appContainers(rendered)
    .filter((c) => c.process.kind === 'gateway' || c.process.kind === 'service')
    .map((c) => c.workload);
  let maxReplicas = 0;
  for (const workload of deployments) {
    const hpa = rendered.objects.find(
      (o) =>
        o.kind === 'HorizontalPodAutoscaler' &&
        (o.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef.name === workload.name,
    );
    const spec = hpa?.spec as { minReplicas?: number; maxReplicas: number } | undefined;
    if (!spec || (spec.minReplicas ?? 1) < 2)
      problems.push(`${where(workload)}: no autoscaler from 2 pods up`);
    maxReplicas = Math.max(maxReplicas, spec?.maxReplicas ?? 0);
    if ((workload.object.spec as { replicas?: number }).replicas !== undefined) {
      problems.push(`${where(workload)}: sets replicas, which every apply would reset under its autoscaler`);
    }
    const pdb = rendered.objects.find(
      (o) =>
        o.kind === 'PodDisruptionBudget' &&
        selects((o.spec as { selector: Record<string, never> }).selector, workload.labels),
    );
    if (!pdb) problems.push(`${where(workload)}: no PodDisruptionBudget`);
  }
  const topology = topologyOf(rendered);
  const pgServers = workloadsOf(rendered).filter(
    (w) => w.labels['app.kubernetes.io/component'] === 'postgres',
  );
  if (topology && pgServers.length > 0) {
    const poolMax = Number(containerEnvOfService(rendered).DB_POOL_MAX);
    for (const { server, connections } of worstConnections(topology, maxReplicas, poolMax)) {
      const limit = maxConnectionsOf(workloadBehind(rendered, server));
      if (!(connections <= limit)) {
        problems.push(
          `${server}: ${connections} connections at ${maxReplicas} pods per service, max_connections ${limit}`,
        );
      }
    }
  }
  return problems;
}

function containerEnvOfService(rendered: Rendered): Record<string, string> {
  const service = appContainers(rendered).find((c) => c.process.kind === 'service')!;
  return containerEnv(rendered, service.workload.pod, service.container);
}

function maxConnectionsOf(server: Workload | undefined): number {
  const args = [
    ...(server?.pod.containers[0]?.args ?? []),
    ...(server?.pod.containers[0]?.command ?? []),
  ].join(' ');
  return Number(/max_connections=(\d+)/.exec(args)?.[1] ?? 100) - 3; // less superuser_reserved_connections
}

/** Objects of the rendered overlay that Kubernetes would refuse to connect: references that resolve to nothing. */
export function referenceProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  const names = (kind: string) =>
    new Set(rendered.objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  for (const workload of workloadsOf(rendered)) {
    for (const volume of workload.pod.volumes ?? []) {
      if (volume.configMap && !names('ConfigMap').has(volume.configMap.name)) {
        problems.push(
          `${where(workload)}: volume ${volume.name} names the missing ConfigMap ${volume.configMap.name}`,
        );
      }
      if (volume.secret && !names('Secret').has(volume.secret.secretName)) {
        problems.push(
          `${where(workload)}: volume ${volume.name} names the missing Secret ${volume.secret.secretName}`,
        );
      }
    }
    for (const container of containersOf(workload.pod)) {
      try {
        containerEnv(rendered, workload.pod, container);
      } catch (err) {
        problems.push(`${where(workload, container)}: ${(err as Error).message}`);
      }
    }
    if (workload.object.kind === 'StatefulSet') {
      const governing = (workload.object.spec as { serviceName?: string }).serviceName;
      const service = rendered.objects.find((o) => o.kind === 'Service' && o.metadata.name === governing);
      if ((service?.spec as { clusterIP?: string } | undefined)?.clusterIP !== 'None') {
        problems.push(`${where(workload)}: its serviceName ${governing} is no headless Service`);
      }
    }
  }
  for (const object of rendered.objects.filter(
    (o) => o.kind === 'Service' || o.kind === 'PodDisruptionBudget',
  )) {
    const spec = object.spec as {
      selector?: Record<string, string> & { matchLabels?: Record<string, string> };
    };
    const selector = object.kind === 'Service' ? { matchLabels: spec.selector } : spec.selector;
    if (!workloadsOf(rendered).some((w) => selects(selector, w.labels))) {
      problems.push(`${object.kind} ${object.metadata.name} selects no pod`);
    }
  }
  return problems;
}

/** The Secrets are generated from files each user creates, and nothing in the repository holds a value. */
export function secretProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  for (const secret of rendered.objects.filter((o) => o.kind === 'Secret')) {
    if (!/-[a-z0-9]{10}$/.test(secret.metadata.name)) {
      problems.push(
        `Secret ${secret.metadata.name} is written in a manifest, not generated from a user's file`,
      );
    }
  }
  return problems;
}
