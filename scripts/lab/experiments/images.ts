import { Agent } from 'undici';
import { ImageRequest, Phase, imageEvents, residentBytes, runPhase } from '../../bench/images/measure';
import { startStack } from '../../stack/start-stack';
import { alternate, medianOf, medianRatio } from '../alternate';
import { type ExperimentFigures, defineExperiment } from '../experiment';
import { byDirection, fig, times } from '../wording';

const perSecond = (p: Phase) => p.perSecond;
const mib = (bytes: number) => bytes / 1024 / 1024;

/** The paragraph, from both sides' passes and the memory the variants took. */
export function describeImages(cold: Phase[], warm: Phase[], ratio: number, rssGrowthMiB: number): string {
  return (
    `Asked for the first time, each thumbnail was made on the events instance that served it: ${fig(medianOf(cold, perSecond))} thumbnails/s, ` +
    `median latency ${fig(medianOf(cold, (p) => p.p50ms))} ms. Asked again, the same variants came from that process's memory: ` +
    `${fig(medianOf(warm, perSecond))}/s, ${fig(medianOf(warm, (p) => p.p50ms))} ms, ${times(ratio)} the cold rate. ` +
    byDirection(ratio, {
      higher:
        'Making a variant once and keeping it is what lets every instance serve images with nothing shared between them: no image server, no shared disk. ',
      lower:
        'Warm was slower than cold in this run, the other way from what a cache should do: the machine was busier during the warm passes, or the variants were not kept. ',
      same: 'Warm was about as fast as cold in this run: making a variant cost little more than sending it. ',
    }) +
    `The events process grew by ${fig(rssGrowthMiB)} MiB while making them, the price of keeping them in each instance.`
  );
}

export const images = defineExperiment({
  name: 'images',
  idea: 'shared-nothing: thumbnails made on demand by the instance that serves them',
  implementedIn: 'services/events/src/domain/thumbnail-maker.ts',
  question:
    'How much faster is a thumbnail the instance has already made than one it makes on the first request?',
  sizes: {
    quick: { events: 1, concurrency: 4 },
    standard: { events: 6, concurrency: 8 },
  },
  async run(settings, size): Promise<ExperimentFigures> {
    const stack = await startStack();
    const agent = new Agent({ connections: size.concurrency * 2 });
    try {
      // A set of new events per round, so every cold pass asks for variants nobody made yet.
      const sets: ImageRequest[][] = [];
      for (let r = 0; r < settings.rounds; r++) sets.push(await imageEvents(stack.gatewayUrl, size.events));
      const run = { gatewayUrl: stack.gatewayUrl, agent, concurrency: size.concurrency };
      const rssBefore = await residentBytes(stack.serviceUrls.events[0]!, agent);
      let made: ImageRequest[] | undefined;
      const sides = [
        {
          label: 'cold',
          run: async (round: number) => {
            const phase = await runPhase('cold', sets[round]!, run);
            made = sets[round]!;
            return phase;
          },
        },
        {
          label: 'warm',
          // The variants of the last cold pass, each asked twice: the previous round's when warm
          // goes first (round 0 always starts cold).
          run: () => runPhase('warm', [...made!, ...made!], run),
        },
      ];
      const [cold, warm] = (await alternate(sides, settings.rounds, settings.log)) as [Phase[], Phase[]];
      const rssAfter = await residentBytes(stack.serviceUrls.events[0]!, agent);
      const failed = [...cold, ...warm].reduce(
        (n, p) =>
          n +
          Object.entries(p.statuses)
            .filter(([s]) => s !== '200')
            .reduce((m, [, c]) => m + c, 0),
        0,
      );
      if (failed > 0) throw new Error(`${failed} thumbnail requests did not answer 200`);
      const ratio = medianRatio(cold, warm, perSecond);
      const row = (label: string, phases: Phase[]) => [
        label,
        phases.reduce((n, p) => n + p.requests, 0),
        medianOf(phases, perSecond),
        medianOf(phases, (p) => p.p50ms),
        medianOf(phases, (p) => p.p99ms),
      ];
      return {
        setup:
          `A private stack with one events instance. Per round, ${size.events} new event(s) each get a generated 1600×1200 JPEG; ` +
          `every (event, width 160/320/640/1280, format AVIF/WebP/JPEG) is asked for once cold (the instance makes it), and the variants ` +
          `already made are asked for twice warm, ${size.concurrency} at a time; ${settings.rounds} rounds alternating (cold, warm, then warm, cold…), ` +
          `the passes of npm run bench:images.`,
        table: {
          columns: ['pass', 'requests', 'thumbnails/s', 'p50 ms', 'p99 ms'],
          rows: [
            row('cold (made on this request)', cold),
            row('warm (from the process memory)', warm),
            [
              'events process memory, MiB (before → after)',
              `${fig(mib(rssBefore))} → ${fig(mib(rssAfter))}`,
              '—',
              '—',
              '—',
            ],
          ],
        },
        chart: {
          title: 'Thumbnails per second, cold and warm (median of rounds)',
          unit: 'thumbnails/s',
          bars: [
            { label: 'cold', value: medianOf(cold, perSecond) },
            { label: 'warm', value: medianOf(warm, perSecond) },
          ],
        },
        paragraph: describeImages(cold, warm, ratio, mib(rssAfter - rssBefore)),
        ratios: { 'warm/cold thumbnails/s': ratio },
      };
    } finally {
      await agent.close();
      await stack.stop();
    }
  },
});
