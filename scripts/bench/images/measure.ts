/**
 * The on-demand thumbnail experiment of `npm run bench:images` (and the lab's `images`): events
 * with a generated original, then every (event, width, format) asked for cold, warm and with
 * If-None-Match. Prints through `log` and returns the figures.
 */
import { loadavg } from 'node:os';
import { build as buildHistogram } from 'hdr-histogram-js';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { signUpAndIn } from '../../api/api-client';
import { startStack } from '../../stack/start-stack';

const WIDTHS = [160, 320, 640, 1280];
const ACCEPTS = { avif: 'image/avif,*/*', webp: 'image/webp,*/*', jpeg: 'image/jpeg' };

/** One thumbnail request: the image URL (with its width) and the formats the client accepts. */
export interface ImageRequest {
  url: string;
  accept: string;
}

export interface Phase {
  phase: string;
  requests: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  statuses: Record<string, number>;
}

export interface ImagesBenchResult {
  loadAverage: string[];
  eventCount: number;
  concurrency: number;
  phases: Phase[];
  rssBefore: number;
  rssAfter: number;
}

/** A generated 1600×1200 JPEG: a blue field with a yellow band. */
async function originalJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#2050a0' } })
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
}

/** `count` events by a new organizer, each with the original uploaded; every variant's request. */
export async function imageEvents(gatewayUrl: string, count: number): Promise<ImageRequest[]> {
  const organizer = await signUpAndIn(gatewayUrl, { displayName: 'Bench organizer' });
  const original = await originalJpeg();
  const urls: ImageRequest[] = [];
  for (let i = 0; i < count; i++) {
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
  return urls;
}

/** The whole experiment on a private stack, removed afterwards. */
export async function runImagesBench(o: {
  events: number;
  concurrency: number;
  warmRounds: number;
  log: (line: string) => void;
}): Promise<ImagesBenchResult> {
  const load = loadavg().map((l) => l.toFixed(2));
  o.log(
    `bench:images — ${o.events} events × ${WIDTHS.length} widths × 3 formats, concurrency ${o.concurrency}, load average ${load.join(' ')}`,
  );
  const stack = await startStack();
  const agent = new Agent({ connections: o.concurrency * 2 });
  try {
    const urls = await imageEvents(stack.gatewayUrl, o.events);
    const rssBefore = await residentBytes(stack.serviceUrls.events[0]!, agent);
    const phases: Phase[] = [];
    const etags = new Map<string, string>();
    const run = { gatewayUrl: stack.gatewayUrl, agent, concurrency: o.concurrency };
    phases.push(await runPhase('cold (every request a new variant)', urls, run, etags));
    const warm: typeof urls = [];
    for (let r = 0; r < o.warmRounds; r++) warm.push(...urls);
    phases.push(await runPhase('warm (from the process cache)', warm, run));
    phases.push(await runPhase('revalidate (If-None-Match → 304)', urls, run, undefined, etags));
    const rssAfter = await residentBytes(stack.serviceUrls.events[0]!, agent);

    o.log('');
    o.log('phase                                 requests   per s    p50 ms   p99 ms  statuses');
    for (const p of phases) {
      o.log(
        `${p.phase.padEnd(36)} ${String(p.requests).padStart(8)} ${p.perSecond.toFixed(1).padStart(7)} ${p.p50ms.toFixed(1).padStart(8)} ${p.p99ms.toFixed(1).padStart(8)}  ${JSON.stringify(p.statuses)}`,
      );
    }
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    o.log(`\nevents process resident memory: ${mb(rssBefore)} MiB before, ${mb(rssAfter)} MiB after`);
    o.log(`warm ÷ cold throughput: ×${(phases[1]!.perSecond / phases[0]!.perSecond).toFixed(1)}`);
    return {
      loadAverage: load,
      eventCount: o.events,
      concurrency: o.concurrency,
      phases,
      rssBefore,
      rssAfter,
    };
  } finally {
    await agent.close();
    await stack.stop();
  }
}

/** Asks for every URL once, `concurrency` at a time: thumbnails/s, p50/p99 and the statuses. */
export async function runPhase(
  phase: string,
  urls: ImageRequest[],
  run: { gatewayUrl: string; agent: Agent; concurrency: number },
  etagsOut?: Map<string, string>,
  etagsIn?: Map<string, string>,
): Promise<Phase> {
  const { gatewayUrl, agent } = run;
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
  await Promise.all(Array.from({ length: run.concurrency }, worker));
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

export async function residentBytes(serviceUrl: string, agent: Agent): Promise<number> {
  const res = await request(`${serviceUrl}/metrics`, { dispatcher: agent });
  const text = await res.body.text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
