import { DEFAULT_PORTS, SERVICE_NAMES, ServiceName } from '@boxoffice/runtime';

/**
 * Where the services of a stack listen, given its gateway. The gateway hides them (and
 * /internal/ping is not proxied), so: the URLs given with --services, else npm start's layout —
 * 7101/7201/7301 behind the default gateway 8080, or PORT_BASE + 100/200/300 behind any other.
 */
export function guessServiceUrls(gatewayUrl: string): string[] {
  const url = new URL(gatewayUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const at = (p: number) => `${url.protocol}//${url.hostname}:${p}`;
  if (port === DEFAULT_PORTS.gateway) return SERVICE_NAMES.map((s) => at(DEFAULT_PORTS[s]));
  return [at(port + 100), at(port + 200), at(port + 300)];
}

/** Asks each URL's /internal/ping which service it is; unreachable URLs are left out. */
export async function identifyServices(urls: readonly string[]): Promise<Map<ServiceName, string[]>> {
  const found = new Map<ServiceName, string[]>();
  await Promise.all(
    urls.map(async (url) => {
      try {
        const res = await fetch(`${url}/internal/ping`, { signal: AbortSignal.timeout(5000) });
        const body = (await res.json()) as { service?: unknown };
        const service = SERVICE_NAMES.find((s) => s === body.service);
        if (service) found.set(service, [...(found.get(service) ?? []), url]);
      } catch {
        // not a service of this stack (or down): no metrics from it
      }
    }),
  );
  return found;
}
