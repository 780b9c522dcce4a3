/**
 * What the smoke test asks the gateway: wait until it is ready, and which instances answer a path
 * (every service response carries `x-boxoffice-instance: <service>@<host>:<port>`).
 */

/** Polls `check` every `everyMs` until it returns a value; throws `what` with the last reason. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  everyMs = 1_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let reason = 'no answer yet';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      reason = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s (${reason})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The host part of an instance header, e.g. "events@3f2a9c1b7d0e:7201" → "3f2a9c1b7d0e". */
export function instanceHost(header: string, service: string): string | undefined {
  const match = /^([a-z]+)@(.+):(\d+)$/.exec(header);
  return match && match[1] === service ? match[2] : undefined;
}

/**
 * Sends GETs through the gateway until every expected host has answered (round-robin reaches
 * each within a few requests) or `maxRequests` are spent. Returns the hosts seen, and how many
 * requests it took; a non-200 answer or a header naming no expected host throws.
 */
export async function hostsAnswering(
  url: string,
  service: string,
  expected: ReadonlySet<string>,
  options: { cookie?: string; maxRequests?: number } = {},
): Promise<{ seen: Set<string>; requests: number }> {
  const seen = new Set<string>();
  let requests = 0;
  while (requests < (options.maxRequests ?? 60) && seen.size < expected.size) {
    requests++;
    const res = await fetch(url, {
      headers: options.cookie ? { cookie: options.cookie } : {},
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${new URL(url).pathname} → ${res.status}`);
    const header = res.headers.get('x-boxoffice-instance') ?? '(none)';
    const host = instanceHost(header, service);
    if (!host || !expected.has(host)) {
      throw new Error(
        `GET ${new URL(url).pathname} answered by instance ${header}, not one of ${service}'s containers (${[...expected].join(', ')})`,
      );
    }
    seen.add(host);
  }
  return { seen, requests };
}
