import { Client } from 'pg';
import { databaseOf, withDatabase } from './database-names';

const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function assertSafeDatabaseName(name: string): void {
  if (!SAFE_NAME.test(name))
    throw new Error(`refusing database name "${name}": use lower-case letters, digits and _`);
}

async function withMaintenanceClient<T>(
  databaseUrl: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    connectionString: withDatabase(databaseUrl, 'postgres'),
    connectionTimeoutMillis: 3000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates the database named in `databaseUrl` on its server if it does not exist.
 * Returns true when it was created. Two processes racing to create it both succeed.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseOf(databaseUrl);
  assertSafeDatabaseName(name);
  return withMaintenanceClient(databaseUrl, async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      // Identifiers cannot be bound parameters; the name was checked against SAFE_NAME above.
      await client.query(`create database "${name}"`);
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false; // created by a concurrent caller
      throw err;
    }
  });
}

/** Drops the database named in `databaseUrl`, disconnecting its sessions. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = databaseOf(databaseUrl);
  assertSafeDatabaseName(name);
  await withMaintenanceClient(databaseUrl, async (client) => {
    await client.query(`drop database if exists "${name}" with (force)`);
  });
}

/** Names of the databases on a server that start with `prefix` (for cleaning up tests). */
export async function listDatabases(serverUrl: string, prefix: string): Promise<string[]> {
  return withMaintenanceClient(serverUrl, async (client) => {
    const rows = await client.query<{ datname: string }>(
      'select datname from pg_database where starts_with(datname, $1) order by datname',
      [prefix],
    );
    return rows.rows.map((row) => row.datname);
  });
}
