import type { Experiment } from '../experiment';
import { bus } from './bus';
import { busQueues } from './bus-queues';
import { cacheLevels } from './cache-levels';
import { gatewayHop } from './gateway-hop';
import { images } from './images';
import { purchaseHopsExperiment } from './purchase-hops';
import { replicas } from './replicas';
import { reshard } from './reshard';
import { rushMonolith } from './rush-monolith';
import { scaling } from './scaling';
import { sessions } from './sessions';
import { shardDown } from './shard-down';
import { shards } from './shards';
import { workers } from './workers';

/** Every experiment of `npm run lab`, in the order it runs them (the talk's). */
export const EXPERIMENTS: readonly Experiment[] = [
  workers,
  gatewayHop,
  purchaseHopsExperiment,
  cacheLevels,
  shards,
  reshard,
  shardDown,
  replicas,
  bus,
  busQueues,
  rushMonolith,
  scaling,
  images,
  sessions,
];
