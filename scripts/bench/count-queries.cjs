/**
 * Counts the statements a process sends to Postgres (by statement text, first 100 characters)
 * and the commands it sends to Redis (by name), and writes them on exit to
 * `$BOXOFFICE_QUERY_COUNT_DIR/<pid>-<script>.txt`, most frequent first. Load it into every
 * process of a benchmark's stack:
 *
 *   BOXOFFICE_QUERY_COUNT_DIR=/tmp/queries NODE_OPTIONS="--require ./scripts/bench/count-queries.cjs" \
 *     npm run bench:rush -- --warmup-seats 0
 *
 * Round trips, not CPU samples, are what a batched design is about, and a CPU profile cannot
 * name the caller of a query (it is sent from a later tick). Plain CommonJS so `--require` can
 * load it without tsx; a measuring aid, never loaded by the services themselves.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');

const dir = process.env.BOXOFFICE_QUERY_COUNT_DIR;
if (dir) {
  const statements = new Map();
  const commands = new Map();
  const bump = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  const patch = (moduleName, install) => {
    try {
      install(require(require.resolve(moduleName, { paths: [process.cwd()] })));
    } catch {
      // Not a dependency of this process: nothing to count.
    }
  };
  patch('pg', (pg) => {
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (config, ...rest) {
      const text = typeof config === 'string' ? config : config?.text;
      bump(statements, String(text).replace(/\s+/g, ' ').slice(0, 100));
      return query.call(this, config, ...rest);
    };
  });
  patch('ioredis', (ioredis) => {
    const Redis = ioredis.default ?? ioredis;
    const sendCommand = Redis.prototype.sendCommand;
    Redis.prototype.sendCommand = function (command, ...rest) {
      bump(commands, command.name);
      return sendCommand.call(this, command, ...rest);
    };
  });
  const write = () => {
    const lines = (map, prefix) =>
      [...map].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${n}\t${prefix}${key}`);
    const total = (map) => [...map.values()].reduce((a, b) => a + b, 0);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${process.pid}-${basename(process.argv[1] ?? 'node')}.txt`),
      [
        process.argv.slice(1).join(' '),
        `${total(statements)}\tpostgres statements`,
        `${total(commands)}\tredis commands`,
        ...lines(statements, ''),
        ...lines(commands, 'redis '),
      ].join('\n') + '\n',
    );
  };
  process.on('exit', write);
}
