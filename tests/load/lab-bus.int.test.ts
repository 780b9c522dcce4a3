import { describeLabRun } from './lab-kit';

/** The lab's experiments on the bus and shared-nothing: the bus, its queues, sessions, thumbnails (about 70 s on two cores). */
describeLabRun(['bus', 'bus-queues', 'sessions', 'images'], 270_000);
