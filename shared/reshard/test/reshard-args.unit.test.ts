import { ReshardUsageError, parseReshardArgs } from '../src';

const SERVICES = ['users', 'events', 'tickets'];

describe('parseReshardArgs', () => {
  test('when a split is well formed, then it names the services, the range and the bucket', () => {
    expect(parseReshardArgs(['users', 'split', '90-ff', 'at', 'c0'], SERVICES)).toEqual({
      services: ['users'],
      command: 'split',
      range: { lo: 0x90, hi: 0xff },
      at: 0xc0,
    });
    expect(parseReshardArgs(['all', 'abort'], SERVICES)).toEqual({ services: SERVICES, command: 'abort' });
  });

  test.each([
    [['users', 'split', '90-ff', 'at', 'ff'], null],
    [['users', 'split', '90-ff', 'at', '91'], null],
    [['users', 'split', '90-ff', 'at', '90'], /split point 90 is outside 90-ff/],
    [['users', 'split', '90-ff', 'at', '100'], /"100" is not a bucket/],
    [['users', 'split', 'ff-90', 'at', 'c0'], /starts after it ends/],
    [['users', 'status', 'now'], /status takes no arguments/],
    [['users', 'move', '90-ff', 'to', 'postgres://pg-b:5432/users_9_f'], null],
    [['all', 'move', '90-ff', 'to', 'postgres://pg-b/users_9_f'], /give one service, not all/],
    [['users', 'move', '90-ff', 'to', 'http://pg-b/users'], /is not a postgres:\/\/ URL/],
    [['users', 'move', '90-ff', 'to', 'postgres://pg-b/'], /naming a database/],
    [['users'], /name a command/],
  ])('when given %j, then it accepts it or names the problem', (args, problem) => {
    const parse = () => parseReshardArgs(args, SERVICES);
    if (problem === null) {
      expect(parse).not.toThrow();
    } else {
      expect(parse).toThrow(ReshardUsageError);
      expect(parse).toThrow(problem);
    }
  });
});
