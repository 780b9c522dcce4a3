import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assertLoadResult } from './compare';
import { renderHtmlReport } from './html-report';
import type { LoadResult } from './load-result';

/** "2026-11-22T02:15:42.123Z" → "20261122-021542" (sorts by time, safe in every file system). */
export function fileTimestamp(iso: string): string {
  return iso.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Writes <dir>/<scenario>[-<label>]-<timestamp>.json and .html; returns both paths. */
export function writeResultFiles(
  result: LoadResult,
  dir: string,
  label?: string,
): { json: string; html: string } {
  const outDir = resolve(dir);
  mkdirSync(outDir, { recursive: true });
  const suffix = label ?? (result.label === 'gateway' ? undefined : result.label);
  const base = [result.scenario, suffix, fileTimestamp(result.startedAt)].filter(Boolean).join('-');
  const json = join(outDir, `${base}.json`);
  const html = join(outDir, `${base}.html`);
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(html, renderHtmlReport(result));
  return { json, html };
}

export function readResultFile(path: string): LoadResult {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return assertLoadResult(raw, path);
}
