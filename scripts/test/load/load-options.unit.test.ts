import { isLoopbackHost, parseLoadArgs } from '../../load/options';

describe('npm run load arguments', () => {
  test('when only a scenario is given, then it runs 10 s with 50 connections against the local gateway', () => {
    const options = parseLoadArgs(['browse'])!;

    expect(options.scenario).toBe('browse');
    expect(options.bound).toEqual({ kind: 'duration', seconds: 10 });
    expect(options.connections).toBe(50);
    expect(options.target).toBe('http://127.0.0.1:8080');
    expect(options.seed).toBe(1);
    expect(options.ownStack).toBe(false);
  });

  test('when --requests is given, then the run is bounded by a request count', () => {
    const options = parseLoadArgs(['signup', '--requests', '200', '--connections', '8', '--seed', '7'])!;

    expect(options.bound).toEqual({ kind: 'requests', count: 200 });
    expect(options.connections).toBe(8);
    expect(options.seed).toBe(7);
  });

  test('when both --duration and --requests are given, then it refuses', () => {
    expect(() => parseLoadArgs(['browse', '--duration', '5', '--requests', '10'])).toThrow(
      /--duration: give --duration or --requests/,
    );
  });

  test('when the duration is unbounded in practice, then it refuses (every run stops by itself)', () => {
    expect(() => parseLoadArgs(['browse', '--duration', '100000'])).toThrow(/--duration/);
  });

  test('when the scenario is unknown, then it names the choices', () => {
    expect(() => parseLoadArgs(['stampede'])).toThrow(/scenario: .*browse/);
  });

  test('when the target is not this machine, then it refuses unless explicitly allowed', () => {
    expect(() => parseLoadArgs(['browse', '--target', 'http://example.com:8080'])).toThrow(
      /only go to this machine/,
    );
    expect(() => parseLoadArgs(['browse', '--services', 'http://10.0.0.5:7201'])).toThrow(
      /only go to this machine/,
    );
    expect(
      parseLoadArgs(['browse', '--target', 'http://example.com:8080', '--allow-remote-target'])!.target,
    ).toBe('http://example.com:8080');
  });

  test('loopback hosts are 127.0.0.0/8, localhost and ::1', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'example.com', '0.0.0.0', '127.0.0.1.example.com'].some(isLoopbackHost)).toBe(false);
  });

  test('when comparing against cache-off, then it starts its own stacks and takes no target', () => {
    expect(parseLoadArgs(['browse', '--compare', 'cache-off'])!.ownStack).toBe(true);
    expect(() =>
      parseLoadArgs(['browse', '--compare', 'cache-off', '--target', 'http://127.0.0.1:9000']),
    ).toThrow(/--compare/);
  });

  test('when comparing cache levels, then it starts its own stacks and takes no target', () => {
    expect(parseLoadArgs(['browse', '--compare', 'cache-levels'])!.ownStack).toBe(true);
    expect(() =>
      parseLoadArgs(['browse', '--compare', 'cache-levels', '--target', 'http://127.0.0.1:9000']),
    ).toThrow(/--compare/);
  });

  test('when --rounds is given with --compare, then the pair runs that many times', () => {
    expect(parseLoadArgs(['browse', '--compare', 'direct', '--rounds', '3'])!.rounds).toBe(3);
    expect(parseLoadArgs(['browse'])!.rounds).toBe(1);
    expect(() => parseLoadArgs(['browse', '--rounds', '0'])).toThrow(/--rounds/);
  });

  test('when comparing direct with a scenario that needs the gateway, then it refuses', () => {
    expect(() => parseLoadArgs(['rush', '--compare', 'direct'])).toThrow(/browse scenario only/);
  });

  test('when --help is given, then there is nothing to run', () => {
    expect(parseLoadArgs(['--help'])).toBeNull();
  });
});
