import { existsSync } from "node:fs";
import { acquireStorage, type StorageHandle } from "../storage/storage-handles.ts";
import { parseStorageUrl } from "../storage/open-storage.ts";
import { CliError } from "./cli-error.ts";

/**
 * Opens a storage for reading commands without creating anything: an embedded folder that
 * does not exist is an error, not a new empty database.
 */
export async function openExistingStorage(url: string | undefined): Promise<StorageHandle> {
  const target = parseStorageUrl(url);
  if (target.kind === "pglite" && target.folder !== null && !existsSync(target.folder)) {
    throw new CliError(`no hpo storage at ${target.folder} (run a study first, or pass --storage)`, 1);
  }
  return acquireStorage(url);
}
