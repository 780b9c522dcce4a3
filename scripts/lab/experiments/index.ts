import type { Experiment } from '../experiment';
import { bus } from './bus';
import { cacheLevels } from './cache-levels';
import { gatewayHop } from './gateway-hop';
import { images } from './images';
import { replicas } from './replicas';
import { reshard } from './reshard';
import { rushMonolith } from './rush-monolith';
import { scaling } from './scaling';

/** Every experiment of `npm run lab`, in the order it runs them (about the talk's order). */
export const EXPERIMENTS: readonly Experiment[] = [
  cacheLevels,
  gatewayHop,
  rushMonolith,
  scaling,
  replicas,
  bus,
  reshard,
  images,
];
