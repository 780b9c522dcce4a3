import { describeLabRun } from './lab-kit';

/** The lab's experiments on the bus and shared-nothing: the bus, thumbnails (about 55 s on two cores). */
describeLabRun(['bus', 'images'], 240_000);
