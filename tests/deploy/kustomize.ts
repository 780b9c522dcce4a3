/**
 * `kubectl apply -k` without kubectl: the part of kustomize's build that deploy/kubernetes uses,
 * so tests can check what a user's cluster would receive. Implemented: `resources` (YAML files
 * and kustomization directories), `namespace`, `configMapGenerator` and `secretGenerator`
 * (`files`, `envs`, `literals`; names suffixed with kustomize's content hash and every reference
 * from a pod template rewritten to it) and `images`. Any other field of a kustomization is refused
 * by name, so a manifest change that needs more of kustomize fails here instead of being ignored.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as the API receives it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

interface GeneratorSpec {
  name: string;
  files?: string[];
  envs?: string[];
  literals?: string[];
  type?: string;
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  configMapGenerator?: GeneratorSpec[];
  secretGenerator?: GeneratorSpec[];
  images?: ImageRule[];
}

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'configMapGenerator',
  'secretGenerator',
  'images',
]);
const SUPPORTED_GENERATOR = new Set(['name', 'files', 'envs', 'literals', 'type']);

export interface RenderOptions {
  /**
   * Reads a file a generator names (absolute path). Default: the file system. Tests pass one that
   * supplies the secrets/*.env files each user creates.
   */
  readFile?: (path: string) => string;
}

/** The objects `kubectl apply -k <dir>` would send, in the order kustomize reads them. */
export function renderKustomization(dir: string, options: RenderOptions = {}): K8sObject[] {
  return build(resolve(dir), options.readFile ?? ((path) => readFileSync(path, 'utf8')));
}

function kustomizationOf(dir: string): Kustomization {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((name) => join(dir, name))
    .find((path) => existsSync(path));
  if (!file) throw new Error(`${dir} has no kustomization.yaml`);
  const parsed = (parseYamlDocuments(readFileSync(file, 'utf8'), file)[0] ?? {}) as Record<string, unknown>;
  const unsupported = Object.keys(parsed).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) {
    throw new Error(
      `${file} uses ${unsupported.join(', ')}, which tests/deploy/kustomize.ts does not implement`,
    );
  }
  return parsed as Kustomization;
}

function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
      return doc.toJS() as unknown;
    })
    .filter((value) => value !== null && value !== undefined);
}

function build(dir: string, readFile: (path: string) => string): K8sObject[] {
  const kustomization = kustomizationOf(dir);
  const objects: K8sObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) objects.push(...build(path, readFile));
    else objects.push(...(parseYamlDocuments(readFileSync(path, 'utf8'), path) as K8sObject[]));
  }
  const generated = [
    ...(kustomization.configMapGenerator ?? []).map((spec) => generate('ConfigMap', spec, dir, readFile)),
    ...(kustomization.secretGenerator ?? []).map((spec) => generate('Secret', spec, dir, readFile)),
  ];
  objects.push(...generated.map((g) => g.object));
  if (kustomization.namespace) {
    for (const object of objects) {
      if (object.kind !== 'Namespace') object.metadata.namespace = kustomization.namespace;
    }
  }
  for (const rule of kustomization.images ?? []) for (const object of objects) setImages(object, rule);
  for (const { kind, name, object } of generated) {
    for (const referrer of objects) renameReferences(referrer, kind, name, object.metadata.name);
  }
  assertUnique(objects, dir);
  return objects;
}

function assertUnique(objects: readonly K8sObject[], dir: string): void {
  const seen = new Set<string>();
  for (const { kind, metadata } of objects) {
    const id = `${kind}/${metadata.namespace ?? ''}/${metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${kind} ${metadata.name} is defined twice`);
    seen.add(id);
  }
}

/** KEY=VALUE lines of an env file as kustomize reads them: blank lines and # comments skipped. */
export function parseEnvFile(text: string, source: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split('\n')) {
    const line = raw.replace(/\r$/, '').trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    // Without `=`, kustomize would read the variable from its own environment: not used here.
    if (equals < 0) throw new Error(`${source}: "${line}" has no =`);
    const key = line.slice(0, equals);
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key))
      throw new Error(`${source}: ${key} is not a variable name`);
    pairs.push([key, line.slice(equals + 1)]);
  }
  return pairs;
}

function generate(
  kind: 'ConfigMap' | 'Secret',
  spec: GeneratorSpec,
  dir: string,
  readFile: (path: string) => string,
): { kind: string; name: string; object: K8sObject } {
  const unsupported = Object.keys(spec).filter((key) => !SUPPORTED_GENERATOR.has(key));
  if (unsupported.length > 0)
    throw new Error(`${kind} generator ${spec.name} uses ${unsupported.join(', ')}`);
  const data: Record<string, string> = {};
  const put = (key: string, value: string) => {
    if (key in data) throw new Error(`${kind} generator ${spec.name} has ${key} twice`);
    data[key] = value;
  };
  for (const file of spec.files ?? []) {
    const [key, path] = file.includes('=') ? file.split('=', 2) : [basename(file), file];
    put(key!, readFile(resolve(dir, path!)));
  }
  for (const file of spec.envs ?? []) {
    const path = resolve(dir, file);
    for (const [key, value] of parseEnvFile(readFile(path), path)) put(key, value);
  }
  for (const literal of spec.literals ?? []) {
    const equals = literal.indexOf('=');
    put(literal.slice(0, equals), literal.slice(equals + 1));
  }
  const object: K8sObject =
    kind === 'ConfigMap'
      ? { apiVersion: 'v1', kind, metadata: { name: spec.name }, data }
      : {
          apiVersion: 'v1',
          kind,
          metadata: { name: spec.name },
          type: spec.type ?? 'Opaque',
          data: Object.fromEntries(
            Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
          ),
        };
  object.metadata.name = `${spec.name}-${contentHash(object)}`;
  return { kind, name: spec.name, object };
}

/** Go's json.Marshal: keys sorted at every level, <, > and & escaped. */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((key) => [key, sorted((v as Record<string, unknown>)[key])]),
        )
      : v;
  return JSON.stringify(sorted(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * kustomize's name suffix (api/hasher): the first 10 hex digits of the SHA-256 of the object's
 * kind, name and data (and type, for a Secret) as Go's JSON, with 0, 1, 3, a, e replaced by
 * letters so the suffix is never all digits or a word.
 */
export function contentHash(object: K8sObject): string {
  const { kind, metadata } = object;
  const encoded =
    kind === 'Secret'
      ? { kind, type: object.type, name: metadata.name, data: object.data }
      : { kind, name: metadata.name, data: object.data };
  const hex = createHash('sha256').update(goJson(encoded)).digest('hex').slice(0, 10);
  const letters: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return hex.replace(/[013ae]/g, (c) => letters[c]!);
}

/** Every pod spec of an object: a Pod's own, a workload's template, a CronJob's job template. */
export function podSpecsOf(object: K8sObject): PodSpec[] {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return [];
  if (object.kind === 'Pod') return [spec as unknown as PodSpec];
  if (object.kind === 'CronJob') {
    const job = spec.jobTemplate as { spec?: { template?: { spec?: PodSpec } } } | undefined;
    return job?.spec?.template?.spec ? [job.spec.template.spec] : [];
  }
  const template = spec.template as { spec?: PodSpec } | undefined;
  return template?.spec ? [template.spec] : [];
}

export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      configMapKeyRef?: { name: string; key: string };
      secretKeyRef?: { name: string; key: string };
    };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: Record<string, unknown>;
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
  periodSeconds?: number;
}

export interface PodSpec {
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: {
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string };
    projected?: { sources: { configMap?: { name: string }; secret?: { name: string } }[] };
    emptyDir?: unknown;
  }[];
  imagePullSecrets?: { name: string }[];
  securityContext?: Record<string, unknown>;
  restartPolicy?: string;
}

export const containersOf = (pod: PodSpec): ContainerSpec[] => [
  ...(pod.initContainers ?? []),
  ...pod.containers,
];

function setImages(object: K8sObject, rule: ImageRule): void {
  for (const pod of podSpecsOf(object)) {
    for (const container of containersOf(pod)) {
      const parsed = /^(?<name>[^@]+?)(?::(?<tag>[^:/@]+))?(?:@(?<digest>.+))?$/.exec(container.image ?? '');
      if (!parsed || parsed.groups!.name !== rule.name) continue;
      const name = rule.newName ?? parsed.groups!.name;
      if (rule.digest) container.image = `${name}@${rule.digest}`;
      else if (rule.newTag) container.image = `${name}:${rule.newTag}`;
      else {
        const { tag, digest } = parsed.groups!;
        container.image = `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
      }
    }
  }
}

/** kustomize's name references from a pod template to a ConfigMap or Secret. */
function renameReferences(object: K8sObject, kind: string, from: string, to: string): void {
  const swap = <T>(holder: T | undefined, field: keyof T) => {
    if (holder && holder[field] === from) (holder[field] as unknown) = to;
  };
  for (const pod of podSpecsOf(object)) {
    for (const volume of pod.volumes ?? []) {
      if (kind === 'ConfigMap') swap(volume.configMap, 'name');
      else swap(volume.secret, 'secretName');
      for (const source of volume.projected?.sources ?? []) {
        swap(kind === 'ConfigMap' ? source.configMap : source.secret, 'name');
      }
    }
    if (kind === 'Secret') for (const pull of pod.imagePullSecrets ?? []) swap(pull, 'name');
    for (const container of containersOf(pod)) {
      for (const { valueFrom } of container.env ?? []) {
        swap(kind === 'ConfigMap' ? valueFrom?.configMapKeyRef : valueFrom?.secretKeyRef, 'name');
      }
      for (const source of container.envFrom ?? []) {
        swap(kind === 'ConfigMap' ? source.configMapRef : source.secretRef, 'name');
      }
    }
  }
}
