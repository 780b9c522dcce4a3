/**
 * `npm run reshard -- <service|all> split <range> at <hex>`, `<service> move <range> to <url>`, and
 * status / resume / abort / complete:
 * online resharding against a running stack (docs/resharding.md). Reads the same configuration as
 * the services (PG_URL, DB_PREFIX, SHARD_PRESET, TOPOLOGY_FILE, SHARD_MAP_URL). Exit codes: 0 done,
 * 1 the resharding stopped (the message says why and what to run), 2 bad input.
 */
import { loadConfig } from '@boxoffice/platform';
import {
  ControlStore,
  RESHARD_USAGE,
  ReshardError,
  ReshardUsageError,
  parseReshardArgs,
} from '@boxoffice/reshard';
import { SERVICE_NAMES, loadTopology, platformEnvSchema } from '@boxoffice/runtime';
import { topologyResharder } from './lib/topology-resharder';

export async function reshard(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  let command;
  try {
    command = parseReshardArgs(args, SERVICE_NAMES);
  } catch (err) {
    if (!(err instanceof ReshardUsageError)) throw err;
    process.stderr.write(`reshard: ${err.message}\n${RESHARD_USAGE}\n`);
    return 2;
  }
  const topology = loadTopology(loadConfig(platformEnvSchema, env));
  await ControlStore.ensure(topology.shardMapUrl);
  const store = new ControlStore(topology.shardMapUrl);
  const resharder = topologyResharder(topology, store, {
    print: (line) => process.stdout.write(`${line}\n`),
    ...(env.RESHARD_BATCH_SIZE ? { batchSize: Number(env.RESHARD_BATCH_SIZE) } : {}),
  });
  try {
    for (const service of command.services) {
      if (command.command === 'split') await resharder.split(service, command.range, command.at);
      else if (command.command === 'move') await resharder.move(service, command.range, command.url);
      else await resharder[command.command](service);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof ReshardError)) throw err;
    process.stderr.write(`reshard: ${err.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  reshard(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`reshard: ${err.message}\n`);
      process.exit(1);
    },
  );
}
