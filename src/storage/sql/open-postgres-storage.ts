import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { userInfo } from "node:os";
import type { Database } from "./database-schema.ts";
import { migrateToLatest } from "./migrate.ts";
import { EVENTS_CHANNEL, SqlStorage } from "./sql-storage.ts";
import { PostgresEventListener } from "./postgres-event-listener.ts";
import { StorageConfigError } from "../storage-errors.ts";

const INT8 = 20;

/** Options of {@link openPostgresStorage}. */
export interface PostgresStorageOptions {
  /** Pool size (default 4). */
  maxConnections?: number;
  /** How long to wait for the first connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long an operation keeps retrying while the server is unreachable (default 120 s). */
  reconnectTimeoutMs?: number;
}

/** Connects to a PostgreSQL server, checks it answers, and applies migrations. */
export async function openPostgresStorage(url: string, options: PostgresStorageOptions = {}): Promise<SqlStorage> {
  const location = redactUrl(url);
  const pool = new pg.Pool({
    connectionString: withDefaultUser(url),
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    allowExitOnIdle: true,
    // Set at connection start-up: intermediate writes commit without waiting for the disk
    // (final states opt back in, see SqlStorage); and no JIT, which costs tens of
    // milliseconds and only pays off on analytic queries — a misestimated plan of our small
    // reads (young tables, stale statistics) would trigger it.
    options: "-c synchronous_commit=off -c jit=off",
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on("error", () => undefined);

  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new StorageConfigError(`cannot connect to PostgreSQL at ${location}: ${describeConnectError(e)}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (e) {
    await db.destroy().catch(() => undefined);
    throw e;
  }
  const listener = new PostgresEventListener(url, EVENTS_CHANNEL);
  return new SqlStorage(db, {
    kind: "postgres",
    location,
    serialize: false,
    listen: (onPayload) => listener.subscribe(onPayload),
    reconnectTimeoutMs: options.reconnectTimeoutMs,
    onReconnecting: (e) => process.stderr.write(`hpo: lost the connection to PostgreSQL at ${location} (${e.message}); retrying\n`),
    onClose: () => listener.close(),
  });
}

/** A URL without a user name gets the usual PostgreSQL default: $PGUSER, else the OS user. */
function withDefaultUser(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username) u.username = encodeURIComponent(process.env.PGUSER ?? userInfo().username);
    return u.toString();
  } catch {
    return url;
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

function describeConnectError(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { errors?: Error[] };
  if (err.errors?.length) return err.errors.map((x) => x.message).join("; ");
  // pg's words when the server wants a password and none was given.
  if (/client password must be a string/.test(err.message ?? "")) {
    return "the server asks for a password and none was given (put it in the URL as postgres://user:password@host/db, or in PGPASSWORD or ~/.pgpass)";
  }
  return err.message || String(e);
}
