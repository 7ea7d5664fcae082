import { type CompiledQuery, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { userInfo } from "node:os";
import type { Database } from "./database-schema.ts";
import { migrateToLatest } from "./migrate.ts";
import { EVENTS_CHANNEL } from "../../../migrations/events-channel.ts";
import { SqlStorage } from "./sql-storage.ts";
import { isConnectionError } from "./connection-errors.ts";
import { retryWhileConnectionLost } from "./connection-retry.ts";
import { PostgresEventListener } from "./postgres-event-listener.ts";
import { PreparingClient } from "./preparing-client.ts";
import { StorageConfigError, StorageError } from "../storage-errors.ts";

const INT8 = 20;

/** Options of {@link openPostgresStorage}. */
export interface PostgresStorageOptions {
  /** Pool size (default 4). */
  maxConnections?: number;
  /** How long to wait for the first connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long an operation keeps retrying while the server is unreachable (default 120 s). */
  reconnectTimeoutMs?: number;
  /** Refuse a database without hpo's schema instead of installing it (read-only commands). */
  existingOnly?: boolean;
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
    // Marked statements (a trial's reads and writes) are planned once per connection.
    Client: PreparingClient,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Every client gets an error listener the moment it exists: a connection dropped while a
  // client is checked out (a crashed postmaster, pg_terminate_backend, a restart) makes it
  // emit "error", and an unheard "error" event ends the process. The query it was running
  // fails with the same error, and SqlStorage retries it on a new connection. Idle clients
  // report through the pool.
  const losses = new ConnectionLossLog(location);
  pool.on("connect", (client) => client.on("error", (e) => losses.record(e)));
  pool.on("error", (e) => losses.record(e));

  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new StorageConfigError(`cannot connect to PostgreSQL at ${location}: ${describeConnectError(e)}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // Opening survives a connection lost on the way (a restart, pg_terminate_backend) the
    // way every later operation does: it tries again on a new connection until the deadline.
    await retryWhileConnectionLost(async () => {
      if (options.existingOnly) {
        const found = await sql<{ found: boolean }>`SELECT to_regclass('hpo_migrations') IS NOT NULL AS found`.execute(db);
        if (!found.rows[0]?.found) {
          throw new StorageConfigError(`no hpo storage in the PostgreSQL database ${location} (it has no hpo tables; run a study there first)`);
        }
      }
      await migrateToLatest(db as Kysely<unknown>);
    }, { timeoutMs: options.reconnectTimeoutMs ?? 120_000, onLoss: (e) => losses.record(e) });
  } catch (e) {
    await db.destroy().catch(() => undefined);
    if (isConnectionError(e)) throw new StorageError(`lost the connection to PostgreSQL at ${location} while opening the storage, and could not get it back: ${(e as Error).message}`);
    throw e;
  }
  const listener = new PostgresEventListener(url, EVENTS_CHANNEL);
  return new SqlStorage(db, {
    kind: "postgres",
    // A trial's intermediate writes commit asynchronously (SqlStorage.updateTrial).
    traits: { sharedAcrossProcesses: true, remoteRoundTrips: true, acknowledgesBeforeDurable: true },
    location,
    serialize: false,
    listen: (onPayload) => listener.subscribe(onPayload),
    // A trial's frequent statements go straight to the pool: kysely's per-call work cost
    // about as much client CPU as node-postgres's own.
    direct: { executeQuery: async <R>(q: CompiledQuery<R>) => ({ rows: (await pool.query(q.sql, [...q.parameters])).rows as R[] }) },
    reconnectTimeoutMs: options.reconnectTimeoutMs,
    connectionLosses: () => losses.count,
    onReconnecting: (e) => losses.record(e),
    onClose: () => listener.close(),
  });
}

/**
 * Counts lost connections and says so on stderr, once per outage: a crash drops every
 * connection of the pool at once, and each would say the same.
 */
class ConnectionLossLog {
  count = 0;
  #lastSaidAt = -Infinity;
  readonly #location: string;

  constructor(location: string) {
    this.#location = location;
  }

  /** Notes one lost connection (or one operation that failed on one). */
  record(e: Error): void {
    this.count++;
    const now = performance.now();
    if (now - this.#lastSaidAt < 2000) return;
    this.#lastSaidAt = now;
    const reason = (e.message || e.name).split("\n")[0];
    process.stderr.write(`hpo: lost the connection to PostgreSQL at ${this.#location} (${reason}); reconnecting\n`);
  }
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
