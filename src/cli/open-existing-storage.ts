import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { acquireStorage, type StorageHandle } from "../storage/storage-handles.ts";
import { parseStorageUrl } from "../storage/open-storage.ts";
import { StorageConfigError } from "../storage/storage-errors.ts";
import { connectFolderReads } from "../storage/folder-socket/folder-read-client.ts";
import { CliError } from "./cli-error.ts";

/**
 * Opens a storage for reading commands without creating anything: an embedded folder that
 * does not exist is an error, not a new empty database. An embedded folder another
 * process holds (a running `hpo run`) is read through that process.
 */
export async function openExistingStorage(url: string | undefined): Promise<StorageHandle> {
  const target = parseStorageUrl(url);
  if (target.kind === "pglite" && target.folder !== null && !existsSync(target.folder)) {
    throw new CliError(`no hpo storage at ${target.folder} (run a study first, or pass --storage)`, 1);
  }
  try {
    return await acquireStorage(url);
  } catch (e) {
    const holder = e instanceof StorageConfigError ? /is in use by (process \d+ on \S+)/.exec(e.message)?.[1] : undefined;
    if (target.kind !== "pglite" || target.folder === null || !holder) throw e;
    const storage = await connectFolderReads(resolve(target.folder), holder);
    if (!storage) throw e;
    return { storage, release: () => storage.close() };
  }
}
