/**
 * `npm run lint` step: lints the OpenAPI document exactly as the gateway serves it. Builds the
 * gateway's document routes on a free loopback port, fetches /api/openapi.json, and runs two
 * linters on that one file, both offline:
 * - `redocly lint` (rules: redocly.yaml, recommended-strict: every warning is an error);
 * - `spectral lint` (rules: .spectral.yaml, spectral:oas), failing on any finding, hints included.
 * Both always run, so one run shows every finding; exits 0 only when both pass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import express from 'express';
import { openApiRoutes } from '@boxoffice/gateway';

const ROOT = resolve(__dirname, '..');

async function servedDocument(): Promise<string> {
  const app = express().use(openApiRoutes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((ready) => server.once('listening', () => ready()));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/api/openapi.json`);
    if (res.status !== 200) throw new Error(`/api/openapi.json answered ${res.status}`);
    return await res.text();
  } finally {
    server.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'boxoffice-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, await servedDocument());
    const redocly = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'redocly'),
      ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'stylish'],
      {
        stdio: 'inherit',
        // No telemetry and no update check: lint runs offline, in CI and on laptops alike.
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    // spectral:oas ships inside the package and the document has no external $ref: no network.
    const spectral = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'spectral'),
      [
        'lint',
        file,
        '--ruleset',
        join(ROOT, '.spectral.yaml'),
        '--fail-severity',
        'hint',
        '--format',
        'stylish',
      ],
      { stdio: 'inherit' },
    );
    if (spectral.status === 0) process.stdout.write('spectral: no findings\n');
    process.exitCode = redocly.status === 0 && spectral.status === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`lint-openapi: ${(err as Error).message}\n`);
  process.exit(1);
});
