// Validates Kubernetes objects against the API schemas of the `kubernetes-models` package (its
// version pinned in package.json). The package is ES modules only, which Jest's CommonJS runtime
// cannot load, so tests/deploy/api-schemas.ts runs this file with node: a JSON array of objects
// on stdin, a JSON array of problems ({ index, message }) on stdout, one per invalid object.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const [index, object] of objects.entries()) {
  let Model;
  try {
    // kubernetes-models/<apiVersion>/<Kind>: apps/v1/Deployment, v1/Service, networking.k8s.io/v1/…
    Model = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`))[object.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) {
    problems.push({ index, message: `no schema for ${object.apiVersion} ${object.kind}` });
    continue;
  }
  try {
    new Model(object).validate();
  } catch (err) {
    problems.push({ index, message: err.message });
  }
}
process.stdout.write(JSON.stringify(problems));
