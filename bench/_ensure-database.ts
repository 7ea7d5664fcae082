import pg from "pg";

/**
 * Creates the database `url` names on its server unless it exists: a peer that keeps its own
 * schema (Optuna's tables, another hpo checkout's) gets a database of its own without a
 * manual `createdb`; the peer then creates its tables itself.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const client = new pg.Client({ connectionString: databaseBeside(url, "postgres") });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server (and with the credentials) `url` names. */
export function databaseBeside(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}
