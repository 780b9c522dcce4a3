import { ShardRouter, formatBucketRange } from '@boxoffice/sharding';
import { SERVICE_NAMES, ServiceName, Topology } from '@boxoffice/runtime';

/** "9_f" → "9-f", the talk's way of writing a shard. */
const display = (name: string) => name.replace('_', '-');

/**
 * Names the shard a request went to, from an id in its path or answer, with the same routers the
 * services use: ids are UUIDs and a row's shard is its id's first two hex digits.
 */
export class ShardLabels {
  private readonly routers: Record<ServiceName, ShardRouter>;

  constructor(topology: Topology) {
    this.routers = Object.fromEntries(
      SERVICE_NAMES.map((s) => [s, new ShardRouter(s, topology.services[s].shards)]),
    ) as Record<ServiceName, ShardRouter>;
  }

  /** "events 9-f" for a key, or undefined for a key without two leading hex digits. */
  of(service: ServiceName, key: unknown): string | undefined {
    if (typeof key !== 'string' || !/^[0-9a-f]{2}/i.test(key)) return undefined;
    return `${service} ${display(this.routers[service].shardForKey(key).name)}`;
  }

  /** The label of a scatter-gather request that asked every shard of a service. */
  all(service: ServiceName): string {
    return `${service} all`;
  }

  /** Every shard of a service: label, display name and bucket range, in key order. */
  shards(service: ServiceName): { label: string; name: string; range: string }[] {
    return this.routers[service].shards.map((s) => ({
      label: `${service} ${display(s.name)}`,
      name: display(s.name),
      range: formatBucketRange(s.range),
    }));
  }
}
