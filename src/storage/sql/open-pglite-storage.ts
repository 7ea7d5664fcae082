import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { resolve } from "node:path";
import type { Database } from "./database-schema.ts";
import { migrateToLatest } from "./migrate.ts";
import { PgliteDialect } from "./pglite-dialect.ts";
import { PgliteFolderLock } from "./pglite-folder-lock.ts";
import { EVENTS_CHANNEL, SqlStorage } from "./sql-storage.ts";

const INT8 = 20;

/** Opens embedded PostgreSQL (PGlite) in `folder`, or in memory when folder is null. */
export async function openPgliteStorage(folder: string | null): Promise<SqlStorage> {
  const dataDir = folder === null ? undefined : resolve(folder);
  const lock = dataDir ? PgliteFolderLock.acquire(dataDir) : null;
  try {
    const pglite = await PGlite.create({ dataDir, parsers: { [INT8]: (v: string) => Number(v) } });
    // Commits stay synchronous here: the database lives inside this process, so a killed
    // process is a crashed server, and a resumed study needs every report and checkpoint.
    const db = new Kysely<Database>({ dialect: new PgliteDialect(pglite) });
    await migrateToLatest(db as Kysely<unknown>);
    return new SqlStorage(db, {
      kind: "pglite",
      location: dataDir ?? "pglite in memory",
      serialize: true,
      listen: async (onPayload) => {
        const unlisten = await pglite.listen(EVENTS_CHANNEL, onPayload);
        return async () => {
          if (!pglite.closed) await unlisten();
        };
      },
      onClose: () => lock?.release(),
    });
  } catch (e) {
    lock?.release();
    throw e;
  }
}
