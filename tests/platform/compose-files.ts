/**
 * Reads docker-compose.yml, the Dockerfile and the compose topology the way the agreement tests
 * need them: compose with YAML merge keys applied, the Dockerfile as stages of instructions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@boxoffice/devstack';

export interface ComposeHealthcheck {
  test: string[];
  /** e.g. "10s". */
  interval?: string;
}

export type DependsOn = Record<string, { condition: string }>;

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  pull_policy?: string;
  init?: boolean;
  tmpfs?: string[];
  volumes?: string[];
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: DependsOn;
  healthcheck?: ComposeHealthcheck;
  deploy?: { replicas?: number };
  scale?: number;
  container_name?: string;
  profiles?: string[];
  restart?: string;
}

/** The repository's text files the tests read, by path. */
export const readRepoFile = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/**
 * `${NAME:-default}` replaced by its default, as Compose does when NAME is unset (the file uses
 * it for the gateway's host port, GATEWAY_PORT).
 */
export function interpolateDefaults(text: string): string {
  return text.replace(/\$\{(\w+):-([^}]*)\}/g, (_, _name: string, fallback: string) => fallback);
}

export const compose = parse(interpolateDefaults(readRepoFile('docker-compose.yml')), {
  merge: true,
}) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

export const composeServiceNames = Object.keys(compose.services);

/**
 * The JavaScript file a container's command runs with node: `['node', 'x.js']`, or in a shell
 * script of the repository (`['sh', 'deploy/x.sh']`, migrate's), run where the image has it.
 */
export function nodeEntryOf(command: readonly string[] | undefined): string | undefined {
  if (command?.[0] === 'node') return command.find((part) => part.endsWith('.js'));
  if (command?.[0] === 'sh' && command.length === 2) {
    return /^\s*until node (\S+\.js);|^\s*node (\S+\.js)\b/m
      .exec(readRepoFile(command[1]!))
      ?.slice(1)
      .find(Boolean);
  }
  return undefined;
}

/** The service, or a test failure naming the missing one. */
export function composeService(name: string): ComposeService {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  return service;
}

export interface DockerStage {
  name: string;
  from: string;
  /** Instructions after FROM, continuation lines joined, comments dropped. */
  instructions: string[];
}

/** The Dockerfile's stages, in order. */
export function dockerStages(): DockerStage[] {
  const text = readRepoFile('Dockerfile').replace(/\\\n/g, ' ');
  const stages: DockerStage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1]!, name: from[2] ?? String(stages.length), instructions: [] });
    else stages.at(-1)?.instructions.push(line);
  }
  return stages;
}

/** `ENV A=1 B=2` lines of one stage, as a record. */
export function stageEnv(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of stage.instructions.filter((l) => /^ENV\s/i.test(l))) {
    for (const [, key, value] of line.slice(4).matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
      env[key!] = value!.replace(/^"|"$/g, '');
    }
  }
  return env;
}

/** The image's working directory, where the repository's files land (`/app`). */
export function stageWorkdir(stage: DockerStage): string {
  const line = stage.instructions.find((l) => /^WORKDIR\s/i.test(l));
  return line ? line.split(/\s+/)[1]! : '/';
}
