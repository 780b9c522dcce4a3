import { describeLabRun } from './lab-kit';

/** The lab's experiments on changes and failures: a split under load, a shard down, replicas (about 125 s on two cores). */
describeLabRun(['reshard', 'shard-down', 'replicas'], 360_000);
