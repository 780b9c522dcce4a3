import { describeLabRun } from './lab-kit';

/** The lab's experiments on where data lives: cache levels, shards (about 110 s on two cores). */
describeLabRun(['cache-levels', 'shards'], 330_000);
