import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { StorageConfigError } from "../storage-errors.ts";

/** Files a PostgreSQL data folder holds besides PG_VERSION: a folder with these lost its marker. */
const CLUSTER_ENTRIES = ["base", "global", "pg_wal", "pg_xact", "postgresql.conf"];

/** hpo's own files beside the database (hpo.lock with its takeover and draft files, the read socket hpo.sock), which a process that died may leave in an empty folder. */
const LOCK_FILES = /^hpo\.(lock(\..*)?|sock)$/;

/**
 * Decides whether an embedded (PGlite) storage may be opened in `folder` before anything
 * is written there: a folder holding a database (PG_VERSION) opens; a missing or empty one
 * is created unless `existingOnly` (read-only commands create nothing); any other folder is
 * refused in one line — initialising a database there would silently hide a damaged
 * storage (one that lost PG_VERSION reads as "no study") or fill someone else's folder.
 */
export function checkEmbeddedFolder(folder: string, existingOnly: boolean): void {
  let entries: string[];
  try {
    if (!statSync(folder).isDirectory()) {
      throw new StorageConfigError(`the embedded storage ${folder} is a file, not a folder: pass a folder (new or holding an hpo storage) with --storage`);
    }
    entries = readdirSync(folder).filter((e) => !LOCK_FILES.test(e));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    entries = [];
    if (existingOnly) throw new StorageConfigError(`no hpo storage at ${folder} (run a study first, or pass --storage)`);
    return;
  }
  if (entries.includes("PG_VERSION")) return;
  if (entries.length === 0) {
    if (existingOnly) throw new StorageConfigError(`no hpo storage at ${folder}: the folder is empty (run a study first, or pass --storage)`);
    return;
  }
  if (entries.some((e) => CLUSTER_ENTRIES.includes(e))) {
    throw new StorageConfigError(
      `the embedded storage ${folder} has lost its ${join(folder, "PG_VERSION")} file, so its database cannot be opened; ` +
        "hpo will not create a new one over it: restore the folder (or PG_VERSION) from a backup, or move it aside to start a new storage",
    );
  }
  throw new StorageConfigError(
    `${folder} holds files but no hpo storage (no PG_VERSION); hpo will not write a database into it: pass a new or empty folder with --storage`,
  );
}
