/**
 * `npm run bench:images`: on-demand thumbnails, measured. Starts a private stack, uploads a
 * generated 1600×1200 JPEG to each of `--events` events, then asks for every (event, width,
 * format) once — cold: each request makes a new variant — and again `--warm-rounds` times —
 * warm: served from the events process's memory — and once more with If-None-Match (304).
 * Prints thumbnails/s and p50/p99 per phase, and the events process's resident memory before
 * and after. Traffic goes to 127.0.0.1 only; the run stops by itself.
 *
 *   npm run bench:images -- [--events 20] [--concurrency 8] [--warm-rounds 3]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { build as buildHistogram } from 'hdr-histogram-js';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { signUpAndIn } from './api/api-client';
import { startStack } from './stack/start-stack';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    'warm-rounds': { type: 'string', default: '3' },
  },
});
const eventCount = Number(values.events);
const concurrency = Number(values.concurrency);
const warmRounds = Number(values['warm-rounds']);
const WIDTHS = [160, 320, 640, 1280];
const ACCEPTS = { avif: 'image/avif,*/*', webp: 'image/webp,*/*', jpeg: 'image/jpeg' };

interface Phase {
  phase: string;
  requests: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  statuses: Record<string, number>;
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2));
  console.log(
    `bench:images — ${eventCount} events × ${WIDTHS.length} widths × 3 formats, concurrency ${concurrency}, load average ${load.join(' ')}`,
  );
  const stack = await startStack();
  const agent = new Agent({ connections: concurrency * 2 });
  try {
    const organizer = await signUpAndIn(stack.gatewayUrl, { displayName: 'Bench organizer' });
    const original = await sharp({
      create: { width: 1600, height: 1200, channels: 3, background: '#2050a0' },
    })
      .composite([
        {
          input: await sharp({ create: { width: 400, height: 1200, channels: 3, background: '#f0c020' } })
            .png()
            .toBuffer(),
          left: 0,
          top: 0,
        },
      ])
      .jpeg({ quality: 85 })
      .toBuffer();
    const urls: { url: string; accept: string }[] = [];
    for (let i = 0; i < eventCount; i++) {
      const { id } = await organizer.client.createEvent({
        title: 'Bench show',
        venue: 'Hall',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        capacity: 10,
      });
      const { imageUrl } = await organizer.client.putEventImage(id, original, 'image/jpeg');
      if (!imageUrl) throw new Error(`the upload to event ${id} answered no imageUrl`);
      for (const w of WIDTHS)
        for (const accept of Object.values(ACCEPTS)) urls.push({ url: `${imageUrl}&w=${w}`, accept });
    }
    const rssBefore = await residentBytes(stack.serviceUrls.events[0]!, agent);
    const phases: Phase[] = [];
    const etags = new Map<string, string>();
    phases.push(await runPhase('cold (every request a new variant)', urls, stack.gatewayUrl, agent, etags));
    const warm: typeof urls = [];
    for (let r = 0; r < warmRounds; r++) warm.push(...urls);
    phases.push(await runPhase('warm (from the process cache)', warm, stack.gatewayUrl, agent));
    phases.push(
      await runPhase('revalidate (If-None-Match → 304)', urls, stack.gatewayUrl, agent, undefined, etags),
    );
    const rssAfter = await residentBytes(stack.serviceUrls.events[0]!, agent);

    console.log('');
    console.log('phase                                 requests   per s    p50 ms   p99 ms  statuses');
    for (const p of phases) {
      console.log(
        `${p.phase.padEnd(36)} ${String(p.requests).padStart(8)} ${p.perSecond.toFixed(1).padStart(7)} ${p.p50ms.toFixed(1).padStart(8)} ${p.p99ms.toFixed(1).padStart(8)}  ${JSON.stringify(p.statuses)}`,
      );
    }
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    console.log(`\nevents process resident memory: ${mb(rssBefore)} MiB before, ${mb(rssAfter)} MiB after`);
    console.log(`warm ÷ cold throughput: ×${(phases[1]!.perSecond / phases[0]!.perSecond).toFixed(1)}`);
    mkdirSync('results', { recursive: true });
    const file = join(
      'results',
      `bench-images-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}.json`,
    );
    writeFileSync(
      file,
      `${JSON.stringify({ loadAverage: load, eventCount, concurrency, phases, rssBefore, rssAfter }, null, 2)}\n`,
    );
    console.log(`result: ${file}`);
  } finally {
    await agent.close();
    await stack.stop();
  }
}

async function runPhase(
  phase: string,
  urls: { url: string; accept: string }[],
  gatewayUrl: string,
  agent: Agent,
  etagsOut?: Map<string, string>,
  etagsIn?: Map<string, string>,
): Promise<Phase> {
  const histogram = buildHistogram();
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < urls.length) {
      const { url, accept } = urls[next++]!;
      const key = `${url}|${accept}`;
      const headers: Record<string, string> = { accept };
      const etag = etagsIn?.get(key);
      if (etag) headers['if-none-match'] = etag;
      const t0 = performance.now();
      const res = await request(`${gatewayUrl}${url}`, { dispatcher: agent, headers });
      await res.body.arrayBuffer();
      histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      const tag = res.headers.etag;
      if (etagsOut && typeof tag === 'string') etagsOut.set(key, tag);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const result = {
    phase,
    requests: urls.length,
    seconds,
    perSecond: urls.length / seconds,
    p50ms: histogram.getValueAtPercentile(50) / 1000,
    p99ms: histogram.getValueAtPercentile(99) / 1000,
    statuses,
  };
  histogram.destroy();
  return result;
}

async function residentBytes(serviceUrl: string, agent: Agent): Promise<number> {
  const res = await request(`${serviceUrl}/metrics`, { dispatcher: agent });
  const text = await res.body.text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
