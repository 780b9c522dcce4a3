import { ControlStore, Resharder, ResharderOptions } from '@boxoffice/reshard';
import { ServiceName, Topology } from '@boxoffice/runtime';
import { MIGRATIONS } from '../../migrations';
import { RESHARD_TABLES } from '../../migrations/reshard-tables';

/**
 * A Resharder for a stack's topology: its shard maps as version 0, each service's migrations for
 * a new shard and the tables that move (migrations/reshard-tables.ts), the maps in `store`.
 */
export function topologyResharder(
  topology: Topology,
  store: ControlStore,
  options: Pick<ResharderOptions, 'print'> & Partial<Omit<ResharderOptions, 'store'>>,
): Resharder {
  return new Resharder({
    store,
    topologyShards: (service) => topology.services[service as ServiceName].shards,
    migrations: (service) => MIGRATIONS[service as ServiceName],
    tables: (service) => RESHARD_TABLES[service as ServiceName],
    ...options,
  });
}
