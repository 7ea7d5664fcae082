import { acquireStorage, type StorageHandle } from "../storage/storage-handles.ts";

/**
 * Opens a storage for reading commands without creating anything: an embedded folder that
 * is missing or empty, or a PostgreSQL database without hpo's tables, is an error, not a
 * new empty storage.
 */
export async function openExistingStorage(url: string | undefined): Promise<StorageHandle> {
  return acquireStorage(url, { existingOnly: true });
}
