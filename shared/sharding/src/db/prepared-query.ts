import type { Knex } from 'knex';
import type { CustomTypesConfig, PoolClient, QueryResultRow } from 'pg';

/**
 * knex's connection handling (`db.client`), as a knex instance and a transaction both have it:
 * for code that runs `pg` itself on the connection knex would use.
 */
export interface KnexConnections {
  acquireConnection(): Promise<PoolClient>;
  releaseConnection(connection: PoolClient): Promise<void>;
  /** knex's query event, which its instance (and a transaction's parent) re-emits as `query`. */
  emit(
    event: 'query',
    query: { sql: string; bindings: readonly unknown[]; method: 'raw'; name: string },
  ): boolean;
}

/**
 * Runs one hot statement as a named prepared statement (`$1`… placeholders) on a connection of
 * `db`, a knex instance (a pooled connection, given back after) or a transaction (its own
 * connection). node-postgres parses a name once per connection and then only binds and executes,
 * so Postgres can keep the statement's plan instead of parsing and planning the whole text on
 * every call: the saga's batch statements are data-modifying CTEs a few dozen lines long, run
 * hundreds of times a second in a rush (docs/performance.md, "Prepared"). A name stands for one
 * text for the life of the process. It announces itself as knex's own queries do (the `query`
 * event), so what counts a shard's queries (the topology page's per-shard rates) counts it too.
 * `types` replaces node-postgres's type parsing for this query's columns (e.g.
 * `timestamptzAsIsoText`).
 */
export async function queryPrepared<R extends QueryResultRow>(
  db: Knex,
  name: string,
  text: string,
  values: unknown[],
  options: { types?: CustomTypesConfig } = {},
): Promise<R[]> {
  const access = db.client as unknown as KnexConnections;
  const connection = await access.acquireConnection();
  access.emit('query', { sql: text, bindings: values, method: 'raw', name });
  try {
    const { rows } = await connection.query<R>({ name, text, values, types: options.types });
    return rows;
  } finally {
    await access.releaseConnection(connection);
  }
}
