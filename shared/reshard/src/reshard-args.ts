import { BucketRange, formatBucketRange, parseBucketRange } from '@boxoffice/sharding';

/** Bad input to the command: printed with the usage, exit code 2. */
export class ReshardUsageError extends Error {}

export const RESHARD_USAGE = `usage: npm run reshard -- <service|all> <command>
  split <range> at <hex>   split the shard holding <range> (e.g. 90-ff) at bucket <hex> (e.g. c0)
  move <range> to <url>    move the shard holding <range> to a new database (postgres://host/db)
  status                   the shard map and the resharding in progress
  resume                   carry an interrupted resharding on from its next phase
  abort                    back to the old layout (any time before complete)
  complete                 remove the moved rows from the source and what the copy installed`;

export type ReshardCommand =
  | { services: string[]; command: 'split'; range: BucketRange; at: number }
  | { services: string[]; command: 'move'; range: BucketRange; url: string }
  | { services: string[]; command: 'status' | 'resume' | 'abort' | 'complete' };

const HEX = /^[0-9a-f]{2}$/i;

/** Parses the command's arguments against the known services; throws ReshardUsageError naming the problem. */
export function parseReshardArgs(args: readonly string[], known: readonly string[]): ReshardCommand {
  const [target, command, ...rest] = args;
  if (!target) throw new ReshardUsageError('name a service or "all"');
  if (target !== 'all' && !known.includes(target)) {
    throw new ReshardUsageError(`unknown service "${target}"; expected one of ${known.join(', ')} or all`);
  }
  const services = target === 'all' ? [...known] : [target];
  if (!command) throw new ReshardUsageError('name a command');
  switch (command) {
    case 'status':
    case 'resume':
    case 'abort':
    case 'complete':
      if (rest.length > 0)
        throw new ReshardUsageError(`${command} takes no arguments, got "${rest.join(' ')}"`);
      return { services, command };
    case 'split': {
      const [rangeText, word, hex, ...extra] = rest;
      if (!rangeText || word !== 'at' || !hex || extra.length > 0) {
        throw new ReshardUsageError('split takes <range> at <hex>, e.g. split 90-ff at c0');
      }
      const range = rangeOf(rangeText);
      if (!HEX.test(hex))
        throw new ReshardUsageError(`"${hex}" is not a bucket; expected two hex digits like c0`);
      const at = parseInt(hex, 16);
      if (at <= range.lo || at > range.hi) {
        throw new ReshardUsageError(
          `split point ${hex} is outside ${formatBucketRange(range)}: it must be above ${rangeText.slice(0, 2)} and at most ${formatBucketRange(range).slice(3)}`,
        );
      }
      return { services, command, range, at };
    }
    case 'move': {
      const [rangeText, word, url, ...extra] = rest;
      if (!rangeText || word !== 'to' || !url || extra.length > 0) {
        throw new ReshardUsageError(
          'move takes <range> to <postgres url>, e.g. move 00-2f to postgres://pg-b/users_0_2',
        );
      }
      if (target === 'all') throw new ReshardUsageError('move names one database: give one service, not all');
      return { services, command, range: rangeOf(rangeText), url: databaseUrl(url) };
    }
    default:
      throw new ReshardUsageError(`unknown command "${command}"`);
  }
}

function rangeOf(text: string): BucketRange {
  try {
    return parseBucketRange(text);
  } catch (err) {
    throw new ReshardUsageError((err as Error).message);
  }
}

/** A postgres:// URL naming a database whose name `ensureDatabase` accepts. */
function databaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ReshardUsageError(`"${text}" is not a URL; expected postgres://host[:port]/database`);
  }
  if (!/^postgres(ql)?:$/.test(url.protocol) || !/^\/[a-z_][a-z0-9_]{0,62}$/.test(url.pathname)) {
    throw new ReshardUsageError(
      `"${text}" is not a postgres:// URL naming a database (lower-case letters, digits and _)`,
    );
  }
  return text;
}
