/**
 * Checks rendered objects against the Kubernetes API as `kubectl apply` would, offline, with the
 * schemas and types of the `kubernetes-models` package (pinned in package.json; its schemas are
 * those of a Kubernetes 1.34-era API):
 * - `schemaProblems`: each object against its kind's JSON schema (types, formats, required
 *   fields, enumerations), by the package's own validate();
 * - `unknownFieldProblems`: fields the API does not know, which kubectl's default strict field
 *   validation refuses but the JSON schemas let through: each object is type-checked as an object
 *   literal of the package's interface for its kind, where TypeScript reports excess properties.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import ts from 'typescript';
import type { K8sObject } from './kustomize';

const label = (object: K8sObject) => `${object.kind} ${object.metadata?.name}`;

export function schemaProblems(objects: readonly K8sObject[]): string[] {
  const run = spawnSync(process.execPath, [join(__dirname, 'validate-api-objects.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    cwd: __dirname,
  });
  if (run.status !== 0) throw new Error(`validate-api-objects.mjs failed: ${run.stderr}`);
  const problems = JSON.parse(run.stdout) as { index: number; message: string }[];
  return problems.map(({ index, message }) => `${label(objects[index]!)}: ${message}`);
}

const VIRTUAL = join(__dirname, '__k8s_objects__.ts');

export function unknownFieldProblems(objects: readonly K8sObject[]): string[] {
  // One line per object, so a diagnostic's line names its object.
  const source = objects
    .map((object, i) => {
      const module = `kubernetes-models/${object.apiVersion}/${object.kind}`;
      return `export const o${i}: import(${JSON.stringify(module)}).I${object.kind} = ${JSON.stringify(object)};`;
    })
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    file === VIRTUAL ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === VIRTUAL || fileExists(file);
  const program = ts.createProgram([VIRTUAL], options, host);
  const virtual = program.getSourceFile(VIRTUAL)!;
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file !== virtual || diagnostic.start === undefined) return message;
    const { line } = virtual.getLineAndCharacterOfPosition(diagnostic.start);
    return `${label(objects[line]!)}: ${message}`;
  });
}
