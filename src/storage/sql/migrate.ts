import type { Kysely } from "kysely";
import { Migrator } from "kysely";
import { migrations } from "../../../migrations/index.ts";
import { StorageError } from "../storage-errors.ts";
import { isConnectionError } from "./connection-errors.ts";

/** Brings the schema up to date (forward only); the applied versions live in hpo_migrations. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: "hpo_migrations",
    migrationLockTableName: "hpo_migrations_lock",
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    // A lost connection is not a bad migration: the caller may reconnect and try again
    // (the migration ran in a transaction that the server rolled back).
    if (isConnectionError(error)) throw error;
    const failed = results?.find((r) => r.status === "Error");
    throw new StorageError(
      `could not apply database migration${failed ? ` ${failed.migrationName}` : ""}: ${(error as Error).message ?? String(error)}`,
    );
  }
}
