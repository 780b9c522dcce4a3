import { describeLabRun } from './lab-kit';

/** The lab's experiments on "slower, but scales further": the rush against the monolith, and pinned to 1 and 2 cores (about 130 s on two cores). */
describeLabRun(['rush-monolith', 'scaling'], 390_000);
