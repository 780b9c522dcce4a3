import { parseArgs } from 'node:util';
import { z } from 'zod';

export const SCENARIO_NAMES = ['browse', 'signup', 'rush', 'mixed'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const COMPARE_MODES = ['cache-off', 'cache-levels', 'direct'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

/** Default run length when neither --duration nor --requests is given. */
export const DEFAULT_DURATION_SECONDS = 10;
/** Hard ceilings: a run is always bounded, even when someone asks for a lot. */
export const MAX_DURATION_SECONDS = 600;
export const MAX_REQUESTS = 5_000_000;

const optionsSchema = z
  .object({
    scenario: z.enum(SCENARIO_NAMES),
    duration: z.coerce.number().positive().max(MAX_DURATION_SECONDS).optional(),
    requests: z.coerce.number().int().min(1).max(MAX_REQUESTS).optional(),
    connections: z.coerce.number().int().min(1).max(1000).default(50),
    target: z.url({ protocol: /^https?$/ }).optional(),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    compare: z.enum(COMPARE_MODES).optional(),
    rounds: z.coerce.number().int().min(1).max(10).default(1),
    ownStack: z.boolean().default(false),
    allowRemoteTarget: z.boolean().default(false),
    services: z.array(z.url({ protocol: /^https?$/ })).default([]),
    events: z.coerce.number().int().min(1).max(10_000).default(50),
    buyers: z.coerce.number().int().min(1).max(2000).optional(),
    capacity: z.coerce.number().int().min(1).max(1_000_000).default(200),
    out: z.string().min(1).default('results'),
    label: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/, 'lower-case letters, digits and -')
      .optional(),
    progress: z.boolean().default(true),
  })
  .refine((o) => o.duration === undefined || o.requests === undefined, {
    message: 'give --duration or --requests, not both',
    path: ['duration'],
  })
  .refine((o) => o.compare === undefined || o.compare === 'direct' || o.target === undefined, {
    message: '--compare cache-off and cache-levels start their own stacks; they cannot use --target',
    path: ['compare'],
  });

/** Everything one `npm run load` invocation was asked to do, validated. */
export interface LoadOptions {
  scenario: ScenarioName;
  /** Exactly one bound is set: a duration in seconds, or a number of requests. */
  bound: { kind: 'duration'; seconds: number } | { kind: 'requests'; count: number };
  connections: number;
  /** The gateway to load; http://127.0.0.1:8080 unless --target. */
  target: string;
  seed: number;
  compare?: CompareMode;
  /** How many times a --compare set runs, alternating a, b, a, b (default 1). */
  rounds: number;
  /** Start a private stack on free ports (own databases) instead of using a running one. */
  ownStack: boolean;
  allowRemoteTarget: boolean;
  /** Service instance URLs for /metrics and direct runs; derived from the target when empty. */
  services: string[];
  /** Events the read scenarios seed. */
  events: number;
  /** Signed-in buyers the buying scenarios seed (default: one per connection, at most 200). */
  buyers: number;
  /** Seats of rush's hot event. */
  capacity: number;
  outDir: string;
  label?: string;
  progress: boolean;
}

export const USAGE = `usage: npm run load -- <${SCENARIO_NAMES.join('|')}> [options]

  --duration S          run for S seconds (default ${DEFAULT_DURATION_SECONDS}; at most ${MAX_DURATION_SECONDS})
  --requests N          or stop after N requests
  --connections C       concurrent connections / virtual users (default 50)
  --target URL          the gateway to load (default http://127.0.0.1:8080, loopback only)
  --allow-remote-target allow a target that is not this machine (only one you own and may load)
  --seed N              seed of the request mix (default 1): same seed, same sequence of choices
  --compare MODE        cache-off:    run on two private stacks, caches on and CACHE_ENABLED=false
                        cache-levels: three private stacks: no cache (CACHE_ENABLED=false), Redis
                                      only (CACHE_L1_ENABLED=false), memory + Redis (the default)
                        direct:       run through the gateway, then straight at the events service
  --rounds N            with --compare: run the set N times, alternating (default 1), print median ratios
  --own-stack           start a private stack on free ports (own databases), drop it afterwards
  --services URL,...    service instance URLs (for /metrics and --compare direct)
  --events N            events to seed (default 50)    --buyers N   buyers to seed
  --capacity N          seats of rush's hot event (default 200)
  --out DIR             where results go (default results/)
  --label NAME          suffix of the result files    --no-progress  no live progress bar`;

/** Loopback hosts: the only ones a load test may hit without --allow-remote-target. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Throws unless every URL is on this machine (or the caller allowed remote targets). */
export function assertLoopbackTargets(urls: readonly string[], allowRemote: boolean): void {
  if (allowRemote) return;
  for (const url of urls) {
    const { hostname } = new URL(url);
    if (!isLoopbackHost(hostname)) {
      throw new Error(
        `refusing to load ${url}: load tests only go to this machine (127.0.0.1, localhost, ::1). ` +
          'Pass --allow-remote-target only for a system you own and are allowed to load.',
      );
    }
  }
}

/** Parses `npm run load -- …` arguments; throws an Error naming the bad option. Returns null for --help. */
export function parseLoadArgs(argv: readonly string[]): LoadOptions | null {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      requests: { type: 'string' },
      connections: { type: 'string', short: 'c' },
      target: { type: 'string' },
      seed: { type: 'string' },
      compare: { type: 'string' },
      rounds: { type: 'string' },
      'own-stack': { type: 'boolean' },
      'allow-remote-target': { type: 'boolean' },
      services: { type: 'string' },
      events: { type: 'string' },
      buyers: { type: 'string' },
      capacity: { type: 'string' },
      out: { type: 'string' },
      label: { type: 'string' },
      'no-progress': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  if (positionals.length !== 1) throw new Error(`name exactly one scenario\n\n${USAGE}`);
  const parsed = optionsSchema.safeParse({
    scenario: positionals[0],
    duration: values.duration,
    requests: values.requests,
    connections: values.connections,
    target: values.target,
    seed: values.seed,
    compare: values.compare,
    rounds: values.rounds,
    ownStack: values['own-stack'] ?? false,
    allowRemoteTarget: values['allow-remote-target'] ?? false,
    services: values.services?.split(',').map((s) => s.trim()) ?? [],
    events: values.events,
    buyers: values.buyers,
    capacity: values.capacity,
    out: values.out,
    label: values.label,
    progress: !values['no-progress'],
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'scenario').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      return name === 'scenario' ? `scenario: ${i.message}` : `--${name}: ${i.message}`;
    });
    throw new Error(`bad options: ${problems.join('; ')}\n\n${USAGE}`);
  }
  const o = parsed.data;
  if (o.compare === 'direct' && o.scenario !== 'browse') {
    throw new Error('--compare direct runs the browse scenario only (the other scenarios need the gateway)');
  }
  const options: LoadOptions = {
    scenario: o.scenario,
    bound:
      o.requests !== undefined
        ? { kind: 'requests', count: o.requests }
        : { kind: 'duration', seconds: o.duration ?? DEFAULT_DURATION_SECONDS },
    connections: o.connections,
    target: (o.target ?? 'http://127.0.0.1:8080').replace(/\/$/, ''),
    seed: o.seed,
    compare: o.compare,
    rounds: o.rounds,
    ownStack: o.ownStack || o.compare === 'cache-off' || o.compare === 'cache-levels',
    allowRemoteTarget: o.allowRemoteTarget,
    services: o.services.map((s) => s.replace(/\/$/, '')),
    events: o.events,
    buyers: o.buyers ?? Math.min(o.connections, 200),
    capacity: o.capacity,
    outDir: o.out,
    label: o.label,
    progress: o.progress,
  };
  assertLoopbackTargets([options.target, ...options.services], options.allowRemoteTarget);
  return options;
}
