import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K8sObject, contentHash, parseEnvFile, podSpecsOf, renderKustomization } from './kustomize';

/** A throw-away tree of kustomization folders: path → file text. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'bo-kustomize-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: web:1.0
          envFrom: [{ configMapRef: { name: settings } }, { secretRef: { name: keys } }]
          env: [{ name: A, valueFrom: { secretKeyRef: { name: keys, key: A } } }]
      volumes: [{ name: files, configMap: { name: settings } }, { name: other, configMap: { name: unrelated } }]
`;

describe('the kustomize subset the Kubernetes tests render with', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));
  const render = (files: Record<string, string>, dir = 'overlay') => {
    const root = tree(files);
    roots.push(root);
    return renderKustomization(join(root, dir));
  };

  test("when a ConfigMap or Secret is hashed, then the suffix is kustomize's (its own hasher tests' values)", () => {
    const configMap: K8sObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: '' },
      data: { one: '' },
    };
    const secret: K8sObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: '' },
      type: 'my-type',
      data: { one: '' },
    };
    expect(contentHash(configMap)).toBe('9g67k2htb6');
    expect(contentHash(secret)).toBe('74bd68bm66');
  });

  test('when an overlay generates what its base refers to, then names get the hash and every reference follows', () => {
    const objects = render({
      'base/kustomization.yaml': 'resources: [web.yaml]\n',
      'base/web.yaml': deployment,
      'overlay/kustomization.yaml': [
        'namespace: shop',
        'resources: [../base]',
        'configMapGenerator: [{ name: settings, literals: [MODE=fast] }]',
        'secretGenerator: [{ name: keys, envs: [keys.env] }]',
        'images: [{ name: web, newName: registry.example/web, newTag: "2.0" }]',
      ].join('\n'),
      'overlay/keys.env': '# a comment\n\nA=x=y\n',
    });
    const byKind = (kind: string) => objects.find((o) => o.kind === kind)!;
    const [configMap, secret] = [byKind('ConfigMap'), byKind('Secret')];
    expect(configMap.metadata.name).toMatch(/^settings-[a-z0-9]{10}$/);
    expect(secret).toMatchObject({ type: 'Opaque', data: { A: Buffer.from('x=y').toString('base64') } });
    expect(objects.every((o) => o.metadata.namespace === 'shop')).toBe(true);
    const pod = podSpecsOf(byKind('Deployment'))[0]!;
    const web = pod.containers[0]!;
    expect(web.image).toBe('registry.example/web:2.0');
    expect(web.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
    expect(web.env![0]!.valueFrom!.secretKeyRef!.name).toBe(secret.metadata.name);
    // Only references to what was generated change.
    expect(pod.volumes!.map((v) => v.configMap!.name)).toEqual([configMap.metadata.name, 'unrelated']);
  });

  test('when a generated value changes, then so does the name, so the pods that use it are replaced', () => {
    const files = (mode: string) => ({
      'overlay/kustomization.yaml': `configMapGenerator: [{ name: settings, literals: [MODE=${mode}] }]\n`,
    });
    expect(render(files('fast'))[0]!.metadata.name).not.toBe(render(files('slow'))[0]!.metadata.name);
  });

  test('when a kustomization uses a field this subset does not implement, then rendering fails naming it', () => {
    expect(() =>
      render({ 'overlay/kustomization.yaml': 'resources: []\npatches: [{ path: p.yaml }]\n' }),
    ).toThrow(/uses patches/);
    expect(() =>
      render({ 'overlay/kustomization.yaml': 'configMapGenerator: [{ name: a, behavior: merge }]\n' }),
    ).toThrow(/uses behavior/);
  });

  test('when two resources have the same kind and name, then rendering fails, as kustomize does', () => {
    expect(() =>
      render({ 'overlay/kustomization.yaml': 'resources: [a.yaml, a.yaml]\n', 'overlay/a.yaml': deployment }),
    ).toThrow(/Deployment web is defined twice/);
  });

  test('when an env file is read, then comments and blank lines are skipped and a value keeps its = signs', () => {
    expect(parseEnvFile('# c\n\n  A=1\nB=x=y\nC=\n', 'f')).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
      ['C', ''],
    ]);
    expect(() => parseEnvFile('NOVALUE\n', 'f')).toThrow(/has no =/);
  });
});
