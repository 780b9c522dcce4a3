const Sequencer = require('@jest/test-sequencer').default;

/**
 * Jest's order (failed last time first, then slowest by its cache of durations, else largest file
 * first), with the lab's runs ahead of everything. Each is a 4-line file that runs experiments for
 * 1–3 minutes: by size it would run last, on a clean clone (no cache, as in CI), and leave one
 * worker busy for minutes after the other had finished.
 */
const FIRST = /tests\/load\/lab-[a-z-]+\.int\.test\.ts$/;

class SlowFirstSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter((t) => FIRST.test(t.path)), ...sorted.filter((t) => !FIRST.test(t.path))];
  }
}

module.exports = SlowFirstSequencer;
