/**
 * `npm run compose:smoke [-- --file docker-compose.yml --file more.yml]`: runs the full topology
 * for real and tears it down. Builds the images, `up`, waits for health, buys through the
 * gateway, checks that every replica answered and logs under its own name, scales events to 3
 * and sees the gateway use it, runs the loadgen profile for 10 s (0 errors, invariants hold),
 * then `down -v`. Prints each step's time. Its own project name and a free gateway port, so it
 * never touches a `docker compose up` of yours. Exit 0 passed, 1 failed. See README and
 * docs/decisions/0010-compose-smoke-test.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ComposeCli, detectCompose } from './compose/compose-cli';
import { readReplicaStep } from './compose/replica-step';
import { topologyPageStep } from './compose/topology-page-step';
import { runSmokeSteps } from './compose/smoke-runner';
import type { SmokeStep } from './compose/smoke-step';
import { buildStep, imageStep, scaleStep, upStep, volumesStep } from './compose/stack-steps';
import { loadgenStep, purchaseStep, replicasStep } from './compose/traffic-steps';
import { freePort } from './stack/ports';
import { REPO_ROOT } from './stack/processes';

/** In order; a topology that adds servers adds its checks here. */
const STEPS: readonly SmokeStep[] = [
  buildStep,
  imageStep,
  upStep,
  volumesStep,
  purchaseStep,
  replicasStep,
  readReplicaStep,
  topologyPageStep,
  scaleStep,
  loadgenStep,
];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { file: { type: 'string', short: 'f', multiple: true } },
  });
  const files = (values.file ?? ['docker-compose.yml']).map((f) => join(REPO_ROOT, f));
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) {
    console.error('compose:smoke: `docker info` fails: no Docker daemon to talk to (start dockerd)');
    return 1;
  }
  const compose = detectCompose();
  if (!compose) {
    console.error('compose:smoke: neither `docker compose` nor `docker-compose` is installed');
    return 1;
  }
  const workDir = mkdtempSync(join(tmpdir(), 'bo-compose-smoke-'));
  const port = await freePort();
  const cli = new ComposeCli(
    compose,
    `bo-smoke-${process.pid}`,
    files,
    { GATEWAY_PORT: String(port) },
    join(workDir, 'compose.log'),
  );
  console.log(
    `compose smoke: ${compose.join(' ')}, project ${cli.project}, gateway 127.0.0.1:${port}, ` +
      `files ${files.map((f) => f.slice(REPO_ROOT.length + 1)).join(' + ')}\n  full output: ${cli.logFile}\n`,
  );
  const passed = await runSmokeSteps(
    STEPS,
    { cli, gatewayUrl: `http://127.0.0.1:${port}`, workDir, state: {} },
    (line) => console.log(line),
  );
  // Keep the output of a failed run to read; a passed one leaves nothing.
  if (passed) rmSync(workDir, { recursive: true, force: true });
  return passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`compose:smoke: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
