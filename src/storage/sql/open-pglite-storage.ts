import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { resolve } from "node:path";
import type { Database } from "./database-schema.ts";
import { migrateToLatest } from "./migrate.ts";
import { PgliteDialect } from "./pglite-dialect.ts";
import { PgliteFolderLock } from "./pglite-folder-lock.ts";
import { checkEmbeddedFolder } from "./embedded-folder-check.ts";
import { StorageConfigError } from "../storage-errors.ts";
import { EVENTS_CHANNEL } from "../../../migrations/events-channel.ts";
import { SqlStorage } from "./sql-storage.ts";
import { serveFolderReads } from "../folder-socket/folder-read-host.ts";

const INT8 = 20;

/**
 * Opens embedded PostgreSQL (PGlite) in `folder`, or in memory when folder is null. A new
 * or empty folder gets a new database unless `existingOnly`; a folder that holds other
 * files (or a database that lost PG_VERSION) is refused, never initialised.
 */
export async function openPgliteStorage(folder: string | null, options: { existingOnly?: boolean } = {}): Promise<SqlStorage> {
  const dataDir = folder === null ? undefined : resolve(folder);
  if (dataDir) checkEmbeddedFolder(dataDir, options.existingOnly ?? false);
  const lock = dataDir ? PgliteFolderLock.acquire(dataDir) : null;
  try {
    const pglite = await PGlite.create({ dataDir, parsers: { [INT8]: (v: string) => Number(v) } }).catch((e: unknown) => {
      throw damaged(dataDir, e);
    });
    // Commits stay synchronous here: the database lives inside this process, so a killed
    // process is a crashed server, and a resumed study needs every report and checkpoint.
    const db = new Kysely<Database>({ dialect: new PgliteDialect(pglite) });
    await migrateToLatest(db as Kysely<unknown>).catch((e: unknown) => {
      // PostgreSQL's "internal error" class (XX001 data_corrupted, ...) and a WebAssembly abort mean damaged files.
      if (e instanceof WebAssembly.RuntimeError || /^XX/.test(String((e as { code?: unknown })?.code ?? ""))) throw damaged(dataDir, e);
      throw e;
    });
    let readHost: { close(): Promise<void> } | null = null;
    const storage = new SqlStorage(db, {
      kind: "pglite",
      // One process holds the folder; commits are synchronous (see above).
      traits: { sharedAcrossProcesses: false, remoteRoundTrips: false, acknowledgesBeforeDurable: false },
      location: dataDir ?? "pglite in memory",
      serialize: true,
      listen: async (onPayload) => {
        const unlisten = await pglite.listen(EVENTS_CHANNEL, onPayload);
        return async () => {
          if (!pglite.closed) await unlisten();
        };
      },
      onClose: async () => {
        await readHost?.close();
        lock?.release();
      },
    });
    // Other processes (hpo trials, hpo serve) read the folder through this one.
    if (dataDir) readHost = await serveFolderReads(storage, dataDir).catch(() => null);
    return storage;
  } catch (e) {
    lock?.release();
    throw e;
  }
}

/** A folder PGlite cannot open (it aborted, or read damaged files), said in one line. */
function damaged(dataDir: string | undefined, e: unknown): StorageConfigError {
  const cause = ((e as Error)?.message ?? String(e)).replace(/\. Build with -sASSERTIONS for more info\.?$/, "");
  return new StorageConfigError(
    `the embedded storage in ${dataDir ?? "memory"} could not be opened (PGlite: ${cause}): its files are damaged or not a PGlite database. ` +
      "Restore the folder from a backup, or move it aside to start a new one",
  );
}
