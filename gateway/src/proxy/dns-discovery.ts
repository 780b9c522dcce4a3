import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { InstanceChange, Upstream } from './upstream';

/** A host name's addresses: discovery's one dependency on DNS, so tests inject a fake. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

/**
 * The system resolver (getaddrinfo: /etc/hosts, then DNS), every address. Docker's embedded DNS
 * answers a compose service name with one A record per running container of that service.
 */
export const resolveWithSystem: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true })).map((entry) => entry.address);

/** `http://events:7201` with address `10.0.0.3` → `http://10.0.0.3:7201`. */
export function instanceUrl(seed: string, address: string): string {
  const url = new URL(seed);
  url.hostname = isIP(address) === 6 ? `[${address}]` : address;
  return url.origin;
}

/**
 * Every instance behind `seeds`: a URL whose host is a name becomes one URL per address it
 * resolves to; a URL whose host is already an address stays as it is. Sorted and without
 * duplicates. Throws if a name fails to resolve or resolves to nothing.
 */
export async function discoverInstances(seeds: readonly string[], resolve: ResolveHost): Promise<string[]> {
  const found = new Set<string>();
  for (const seed of seeds) {
    const hostname = new URL(seed).hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname) !== 0) {
      found.add(new URL(seed).origin);
      continue;
    }
    const addresses = await resolve(hostname);
    if (addresses.length === 0) throw new Error(`${hostname} resolved to no address`);
    for (const address of addresses) found.add(instanceUrl(seed, address));
  }
  return [...found].sort();
}

export interface DnsDiscoveryOptions {
  /** How often the names are resolved again, in milliseconds. */
  intervalMs: number;
  /** Default: the system resolver. */
  resolve?: ResolveHost;
  /** Told whenever the instance set changed (not on a refresh that found the same set). */
  onChange?: (change: InstanceChange & { service: string; urls: string[] }) => void;
  /** Told when a refresh failed; the upstream then keeps the instances it had. */
  onError?: (err: Error, service: string) => void;
}

/**
 * Keeps an upstream's instances equal to what its seed URLs' host names resolve to, so a
 * service scaled up or down (`docker compose up --scale events=3`) is balanced over without a
 * gateway restart. A refresh that fails or finds nothing changes nothing: a stale list whose
 * dead entries refuse connections (and are skipped) beats an empty one.
 */
export class DnsDiscovery {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<InstanceChange | undefined> | undefined;
  private readonly resolve: ResolveHost;

  constructor(
    private readonly upstream: Upstream,
    private readonly seeds: readonly string[],
    private readonly options: DnsDiscoveryOptions,
  ) {
    this.resolve = options.resolve ?? resolveWithSystem;
  }

  /** Resolves once and applies the result; undefined when it failed. Concurrent calls share one run. */
  refresh(): Promise<InstanceChange | undefined> {
    this.inFlight ??= this.resolveAndApply().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Refreshes every `intervalMs` until `stop`. The timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async resolveAndApply(): Promise<InstanceChange | undefined> {
    let urls: string[];
    try {
      urls = await discoverInstances(this.seeds, this.resolve);
    } catch (err) {
      this.options.onError?.(err as Error, this.upstream.service);
      return undefined;
    }
    const change = this.upstream.replaceAll(urls);
    if (change.added.length > 0 || change.removed.length > 0) {
      this.options.onChange?.({ ...change, service: this.upstream.service, urls: this.upstream.urls });
    }
    return change;
  }
}
