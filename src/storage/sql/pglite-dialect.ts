/**
 * A kysely dialect over an embedded PGlite instance.
 *
 * Why hand-written: kysely ships a PGlite dialect only from 0.29, which needs Node ≥ 22, and
 * hpo supports Node 20 (kysely 0.28). The one published dialect package
 * (kysely-pglite-dialect) declares PGlite ≤ 0.4 as its peer. The driver is small: PGlite has
 * one connection, so kysely's callers take turns on it (a mutex), and a transaction runs
 * inside `pglite.transaction()` so that anything else using the instance (LISTEN callbacks,
 * the events channel) waits for it instead of joining it.
 */
import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from "kysely";

/** kysely's Postgres SQL and introspection over PGlite's single connection. */
export class PgliteDialect implements Dialect {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  /** Postgres SQL; migrations need no advisory lock since only one connection exists. */
  createAdapter(): DialectAdapter {
    return new PgliteAdapter();
  }

  /** The single-connection driver. */
  createDriver(): Driver {
    return new PgliteDriver(this.#pglite);
  }

  /** Postgres introspection. */
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  /** Postgres query compiler. */
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

class PgliteAdapter extends PostgresAdapter {
  // The migrator holds the only connection between acquire and release: nothing to lock.
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

class PgliteDriver implements Driver {
  readonly #connection: PgliteConnection;
  #queue: Promise<void> = Promise.resolve();

  constructor(private readonly pglite: PGlite) {
    this.#connection = new PgliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // One caller at a time: the next acquire waits for this one's release.
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise((resolve) => (release = resolve));
    await previous;
    this.#connection.release = release;
    return this.#connection;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PgliteConnection).release?.();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).end(true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).end(false);
  }

  async destroy(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

class PgliteConnection implements DatabaseConnection {
  release: (() => void) | undefined;
  #transaction: PGliteTransaction | undefined;
  #finish: ((commit: boolean) => void) | undefined;
  #closed: Promise<void> | undefined;

  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#transaction ?? this.pglite;
    const { affectedRows, rows } = await target.query<R>(compiled.sql, compiled.parameters as unknown[], { rowMode: "object" });
    return { numAffectedRows: affectedRows != null ? BigInt(affectedRows) : undefined, rows: rows ?? [] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("PGlite does not stream query results");
  }

  /** Opens an exclusive PGlite transaction that stays open until `end`. */
  async begin(): Promise<void> {
    let begun!: () => void;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const decided = new Promise<boolean>((resolve) => (this.#finish = resolve));
    this.#closed = this.pglite.transaction(async (tx) => {
      this.#transaction = tx;
      begun();
      if (!(await decided)) await tx.rollback();
    });
    // A failure to begin rejects `#closed` before `begun` is called.
    await Promise.race([started, this.#closed]);
  }

  /** Commits (or rolls back) the open transaction and waits until PGlite has done so. */
  async end(commit: boolean): Promise<void> {
    this.#finish?.(commit);
    const closed = this.#closed;
    this.#transaction = undefined;
    this.#finish = undefined;
    this.#closed = undefined;
    if (commit) await closed;
    else await closed?.catch(() => {});
  }
}
