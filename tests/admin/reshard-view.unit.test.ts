import type { InstanceStats, ReshardStats } from '@boxoffice/contracts';
import { reshardView, topologySchema } from '../../gateway/src';

type Pairs = Parameters<typeof reshardView>[1];

const JOB: ReshardStats = {
  phase: 'copy',
  running: true,
  range: '90-ff',
  moving: 'c0-ff',
  source: { database: 'users_9_f', host: 'pg:5432' },
  target: { database: 'users_c_f', host: 'pg:5432' },
  newShards: [
    { range: '90-bf', database: 'users_9_f', host: 'pg:5432' },
    { range: 'c0-ff', database: 'users_c_f', host: 'pg:5432' },
  ],
  fromVersion: 0,
  toVersion: 1,
  rowsCopied: 1200,
  lag: 35,
  pauseMs: null,
  startedAt: '2026-12-05T15:00:00.000Z',
};

/** One users instance's sample whose stats carry `reshard` as given (absent: it could not read the control database). */
function instance(url: string, reshard?: ReshardStats | null, answered = true): Pairs[number] {
  const stats: InstanceStats = {
    service: 'users',
    instance: `users@${url}`,
    pid: 1,
    uptimeSeconds: 1,
    shardMapVersion: 0,
    http: { count: 0, buckets: [] },
    cache: null,
    shardQueries: {},
    busCounts: [],
    ...(reshard !== undefined ? { reshard } : {}),
  };
  return {
    current: {
      url,
      readiness: { state: answered ? 'up' : 'down', reason: null, checks: {} },
      stats: answered ? stats : null,
    },
    previous: undefined,
  };
}

const parse = (view: ReturnType<typeof reshardView>) =>
  topologySchema.shape.services.element.shape.reshard.parse(view);

describe('a resharding on the topology page', () => {
  test('when a command runs it, then the job is shown as reported, with nothing to run', () => {
    expect(parse(reshardView('users', [instance('a', JOB)]))).toEqual({ ...JOB, note: null });
  });

  test('when no command runs it before the switch, then the page says to resume or abort', () => {
    const view = parse(reshardView('users', [instance('a', { ...JOB, phase: 'catch-up', running: false })]));
    expect(view?.note).toBe('stopped before catch-up: npm run reshard -- users resume (or abort)');
  });

  test('when it is switched, then the page says to complete or abort', () => {
    const switched = { ...JOB, phase: 'switched' as const, running: false, lag: null, pauseMs: 14 };
    expect(parse(reshardView('users', [instance('a', switched)]))?.note).toBe(
      'map version 1 is published and the old layout kept: npm run reshard -- users complete (or abort)',
    );
  });

  test('when some instances could not say or saw none, then the first that reports a job is shown; none: no card', () => {
    expect(
      reshardView('users', [instance('a', undefined, false), instance('b'), instance('c', JOB)]),
    ).toMatchObject({
      rowsCopied: 1200,
    });
    expect(reshardView('users', [instance('a', null), instance('b', JOB)])).toMatchObject({ phase: 'copy' });
    expect(reshardView('users', [instance('a', null)])).toBeNull();
    expect(reshardView('users', [instance('a'), instance('b', undefined, false)])).toBeNull();
  });
});
