/**
 * What a cluster would make of rendered objects, as far as the checks need it: the overlays
 * rendered with the secrets a user creates, the workloads and their pods, a container's
 * environment (Dockerfile ENV, envFrom, env, mounted files), and who may connect to whom under
 * the NetworkPolicies.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { REPO_ROOT } from '@boxoffice/devstack';
import { dockerStages, stageEnv } from '../platform/compose-files';
import {
  ContainerSpec,
  K8sObject,
  PodSpec,
  parseEnvFile,
  podSpecsOf,
  renderKustomization,
} from './kustomize';

export const KUBERNETES_DIR = join(REPO_ROOT, 'deploy/kubernetes');
export const OVERLAYS = readdirSync(join(KUBERNETES_DIR, 'overlays')).sort();

/** A value as a user would write it for each variable of the secrets' .example files. */
function userValue(key: string): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  const values: Record<string, () => string> = {
    INTERNAL_KEYS: () => hex(32),
    SESSION_KEYS: () => hex(32),
    ADMIN_KEY: () => hex(16),
    PGPASSWORD: () => hex(16),
    REDIS_URL: () => `rediss://:${hex(16)}@cache.example:6380`,
  };
  return values[key]?.() ?? '';
}

/**
 * The secrets/*.env files of an overlay as a user creates them from the .example beside each:
 * every variable filled in (BUS_URL as the example's comment says), comments kept.
 */
export function userSecretFile(examplePath: string, overlay: string): string {
  const busUrl =
    overlay === 'external'
      ? `amqps://boxoffice:${randomBytes(16).toString('hex')}@bus.example:5671`
      : `amqp://boxoffice:${randomBytes(16).toString('hex')}@rabbitmq:5672`;
  return parseEnvFile(readFileSync(examplePath, 'utf8'), examplePath)
    .map(([key]) => `${key}=${key === 'BUS_URL' ? busUrl : userValue(key)}`)
    .join('\n');
}

export interface Rendered {
  overlay: string;
  objects: K8sObject[];
}

/**
 * `kubectl apply -k deploy/kubernetes/overlays/<overlay>` as kustomize would build it, the
 * secrets/*.env files each user creates (never in the repository) supplied from their examples,
 * filled in by `secretFile` (default: as a user would).
 */
export function renderOverlay(
  overlay: string,
  secretFile: (examplePath: string) => string = (path) => userSecretFile(path, overlay),
): Rendered {
  const objects = renderKustomization(join(KUBERNETES_DIR, 'overlays', overlay), {
    readFile: (path) =>
      basename(dirname(path)) === 'secrets' && path.endsWith('.env')
        ? secretFile(`${path}.example`)
        : readFileSync(path, 'utf8'),
  });
  return { overlay, objects };
}

/** A copy to mutate: checks must report what a mutation breaks. */
export const cloneRendered = (rendered: Rendered): Rendered => structuredClone(rendered);

export function findObject(rendered: Rendered, kind: string, name: string): K8sObject {
  const found = rendered.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${rendered.overlay} has no ${kind} ${name}`);
  return found;
}

/** The generated ConfigMap or Secret whose name was `name` before kustomize added its hash. */
export function findGenerated(rendered: Rendered, kind: 'ConfigMap' | 'Secret', name: string): K8sObject {
  const found = rendered.objects.find(
    (o) => o.kind === kind && new RegExp(`^${name}-[a-z0-9]{10}$`).test(o.metadata.name),
  );
  if (!found) throw new Error(`${rendered.overlay} has no generated ${kind} ${name}`);
  return found;
}

/** A Deployment, StatefulSet or Job: something that runs pods. */
export interface Workload {
  object: K8sObject;
  name: string;
  pod: PodSpec;
  labels: Record<string, string>;
}

export function workloadsOf(rendered: Rendered): Workload[] {
  return rendered.objects.flatMap((object) =>
    podSpecsOf(object).map((pod) => ({
      object,
      name: object.metadata.name,
      pod,
      labels:
        (object.spec as { template: { metadata?: { labels?: Record<string, string> } } }).template.metadata
          ?.labels ?? {},
    })),
  );
}

/** The data of a ConfigMap, or the decoded data of a Secret. */
export function dataOf(object: K8sObject): Record<string, string> {
  const data = (object.data ?? {}) as Record<string, string>;
  if (object.kind !== 'Secret') return data;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

function referenced(rendered: Rendered, kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> {
  const found = rendered.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} does not exist`);
  return dataOf(found);
}

/** The image's ENV (the Dockerfile's runtime stage), which a container's env adds to. */
export const IMAGE_ENV = stageEnv(dockerStages().at(-1)!);

const mountedFiles = mkdtempSync(join(tmpdir(), 'bo-k8s-mounts-'));

/** Writes `text` to a file of this run's scratch folder; returns its path. */
export function scratchFile(name: string, text: string): string {
  const path = join(mountedFiles, name);
  writeFileSync(path, text);
  return path;
}

/**
 * A container's environment as its process sees it: the app image's ENV, then envFrom in order,
 * then env (with $(VAR) references expanded, as the kubelet does). A variable naming a file in
 * a mounted ConfigMap or Secret (TOPOLOGY_FILE) is pointed at a local copy of that file. Throws
 * where the kubelet would not start the container (a missing ConfigMap, Secret or key).
 */
export function containerEnv(
  rendered: Rendered,
  pod: PodSpec,
  container: ContainerSpec,
): Record<string, string> {
  const env: Record<string, string> = { ...IMAGE_ENV };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, referenced(rendered, 'ConfigMap', source.configMapRef.name));
    if (source.secretRef) Object.assign(env, referenced(rendered, 'Secret', source.secretRef.name));
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    if (value !== undefined) env[name] = value.replace(/\$\((\w+)\)/g, (whole, v: string) => env[v] ?? whole);
    const ref = valueFrom?.configMapKeyRef ?? valueFrom?.secretKeyRef;
    if (ref) {
      const data = referenced(rendered, valueFrom!.configMapKeyRef ? 'ConfigMap' : 'Secret', ref.name);
      if (!(ref.key in data)) throw new Error(`${ref.name} has no key ${ref.key}`);
      env[name] = data[ref.key]!;
    }
  }
  for (const [name, value] of Object.entries(env)) {
    const file = mountedFile(rendered, pod, container, value);
    if (file !== undefined) {
      env[name] = scratchFile(`${rendered.overlay}-${container.name}-${name}`, file);
    }
  }
  return env;
}

/** The content of `path` in the container when a ConfigMap or Secret volume provides it. */
export function mountedFile(
  rendered: Rendered,
  pod: PodSpec,
  container: ContainerSpec,
  path: string,
): string | undefined {
  for (const mount of container.volumeMounts ?? []) {
    if (!path.startsWith(`${mount.mountPath}/`)) continue;
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    const key = path.slice(mount.mountPath.length + 1);
    if (volume?.configMap) return referenced(rendered, 'ConfigMap', volume.configMap.name)[key];
    if (volume?.secret) return referenced(rendered, 'Secret', volume.secret.secretName)[key];
  }
  return undefined;
}

// ---- NetworkPolicies -------------------------------------------------------------------------

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { port?: number | string; endPort?: number; protocol?: string }[];
}

interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return values.includes(labels[key]!);
    if (operator === 'NotIn') return !values.includes(labels[key]!);
    if (operator === 'Exists') return key in labels;
    if (operator === 'DoesNotExist') return !(key in labels);
    throw new Error(`selector operator ${operator}`);
  });
  return byLabels && byExpressions;
}

/**
 * One end of a connection: a pod of the namespace (its labels), a pod of another namespace of
 * the cluster (the cluster DNS is one), or an address outside the cluster.
 */
export type Endpoint =
  | { where: 'namespace'; labels: Record<string, string> }
  | { where: 'cluster'; labels: Record<string, string> }
  | { where: 'internet' };

function peerMatches(peer: PolicyPeer, other: Endpoint): boolean {
  if (peer.ipBlock) return other.where === 'internet';
  if (other.where === 'internet') return false;
  // Without a namespaceSelector a peer means this namespace; {} means every namespace. Another
  // namespace's labels are unknown: any namespaceSelector may match it.
  if (!peer.namespaceSelector && other.where !== 'namespace') return false;
  return selects(peer.podSelector, other.labels);
}

function portMatches(rule: PolicyRule, port: number, protocol: string): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if (typeof p.port === 'string') throw new Error(`named port ${p.port} in a NetworkPolicy`);
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    return p.endPort ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

function policiesOf(rendered: Rendered): PolicySpec[] {
  return rendered.objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.spec as PolicySpec);
}

/** Whether the pod with `labels` is isolated in that direction: some policy of that type selects it. */
export function isolated(
  rendered: Rendered,
  labels: Record<string, string>,
  type: 'Ingress' | 'Egress',
): boolean {
  return policiesOf(rendered).some((p) => typesOf(p).includes(type) && selects(p.podSelector, labels));
}

function typesOf(policy: PolicySpec): string[] {
  return policy.policyTypes ?? (policy.egress ? ['Ingress', 'Egress'] : ['Ingress']);
}

function allowedOneWay(
  rendered: Rendered,
  type: 'Ingress' | 'Egress',
  pod: Record<string, string>,
  other: Endpoint,
  port: number,
  protocol: string,
): boolean {
  const applying = policiesOf(rendered).filter(
    (p) => typesOf(p).includes(type) && selects(p.podSelector, pod),
  );
  if (applying.length === 0) return true;
  return applying.some((policy) =>
    (type === 'Ingress' ? policy.ingress : policy.egress)?.some((rule) => {
      const peers = type === 'Ingress' ? rule.from : rule.to;
      return (
        (!peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, other))) &&
        portMatches(rule, port, protocol)
      );
    }),
  );
}

/** Whether `from` may open a connection to `to` on `port`: the egress of one and the ingress of the other allow it. */
export function mayConnect(
  rendered: Rendered,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol = 'TCP',
): boolean {
  const out =
    from.where !== 'namespace' || allowedOneWay(rendered, 'Egress', from.labels, to, port, protocol);
  const into =
    to.where !== 'namespace' || allowedOneWay(rendered, 'Ingress', to.labels, from, port, protocol);
  return out && into;
}
