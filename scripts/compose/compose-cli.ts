/**
 * Runs `docker compose` (v2, where present) or Debian's `docker-compose` (v1) and `docker` for
 * the smoke test: one project name, every command's output appended to one log file, every
 * command bounded by a timeout.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface CommandResult {
  status: number | null;
  output: string;
}

/** A command that failed, with the end of its output. */
export class CommandError extends Error {}

/** `docker compose` if the v2 plugin answers, else `docker-compose`, else null. */
export function detectCompose(): string[] | null {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(command[0]!, [...command.slice(1), 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return command;
  }
  return null;
}

const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');

export class ComposeCli {
  private running = new Set<ReturnType<typeof spawn>>();

  constructor(
    readonly compose: readonly string[],
    /** Compose project name: keeps this run's containers, networks and volumes apart. */
    readonly project: string,
    readonly files: readonly string[],
    readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  /**
   * `docker compose -p <project> -f … --profile loadgen <args>`; throws unless it exits 0. `up`
   * goes without the profile: with it, `up` would also start the profile's own 30 s load test,
   * which then ran beside every later step (and the smoke test's own loadgen run).
   */
  async run(args: string[], timeoutMs: number): Promise<string> {
    const profile = args[0] === 'up' ? [] : ['--profile', 'loadgen'];
    const base = ['-p', this.project, ...this.files.flatMap((f) => ['-f', f]), ...profile];
    const [command, ...prefix] = this.compose;
    return this.check(await this.exec(command!, [...prefix, ...base, ...args], timeoutMs));
  }

  /** `docker <args>`; throws unless it exits 0. */
  async docker(args: string[], timeoutMs = 30_000): Promise<string> {
    return this.check(await this.exec('docker', args, timeoutMs));
  }

  /** Container ids of this project, all or one service's, running or not. */
  async containers(service?: string): Promise<string[]> {
    const filters = [`label=com.docker.compose.project=${this.project}`];
    if (service) filters.push(`label=com.docker.compose.service=${service}`);
    const out = await this.docker(['ps', '-aq', ...filters.flatMap((f) => ['--filter', f])]);
    return out.split('\n').filter(Boolean);
  }

  async inspect<T>(ids: string[], kind: 'container' | 'volume' = 'container'): Promise<T[]> {
    if (ids.length === 0) return [];
    return JSON.parse(await this.docker([kind, 'inspect', ...ids])) as T[];
  }

  /** Named volumes compose made for this project. */
  async volumes(): Promise<string[]> {
    const out = await this.docker([
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${this.project}`,
    ]);
    return out.split('\n').filter(Boolean);
  }

  /** Stops whatever command is running (Ctrl-C, or a step's timeout). */
  killRunning(): void {
    for (const child of this.running) child.kill('SIGTERM');
  }

  private check(result: CommandResult & { line: string }): string {
    if (result.status === 0) return result.output;
    throw new CommandError(
      `\`${result.line}\` ${result.status === null ? 'timed out or was killed' : `exited ${result.status}`}:\n` +
        tail(result.output, 25),
    );
  }

  private exec(
    command: string,
    args: string[],
    timeoutMs: number,
  ): Promise<CommandResult & { line: string }> {
    const line = [command, ...args].join(' ');
    appendFileSync(this.logFile, `\n$ ${line}\n`);
    return new Promise((resolve) => {
      // Its own process group: a Ctrl-C or a signal to ours must not kill `down` mid-teardown;
      // killRunning() stops what should stop.
      const child = spawn(command, args, {
        env: { ...process.env, ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      this.running.add(child);
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        appendFileSync(this.logFile, chunk);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const timer = setTimeout(() => {
        appendFileSync(this.logFile, `\n[timed out after ${timeoutMs} ms]\n`);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }, timeoutMs);
      const done = (status: number | null) => {
        clearTimeout(timer);
        this.running.delete(child);
        resolve({ status, output, line });
      };
      child.on('error', (err) => {
        output += err.message;
        done(null);
      });
      child.on('close', (code) => done(code));
    });
  }
}
