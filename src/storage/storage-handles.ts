import { openStorage, parseStorageUrl, type OpenStorageOptions, type StorageTarget } from "./open-storage.ts";
import type { Storage } from "./storage.ts";

/** A storage borrowed from the process-wide pool; `release()` once when done. */
export interface StorageHandle {
  readonly storage: Storage;
  release(): Promise<void>;
}

interface PoolEntry {
  storage: Promise<Storage>;
  refs: number;
}

const pool = new Map<string, PoolEntry>();

function keyOf(target: StorageTarget): string | null {
  if (target.kind === "memory") return "memory";
  if (target.kind === "ipc") return "ipc";
  if (target.kind === "pglite") return target.folder === null ? null : `pglite:${target.folder}`;
  return `postgres:${target.url}`;
}

/**
 * Opens (or shares) the storage a URL names. Studies on the same URL in one process share
 * one storage: an embedded folder can only be opened once, and one pool per server is
 * enough. "memory" is one store per process, kept until the process ends, so loadStudy
 * finds what createStudy made. A Storage object passed in is used as is and never closed.
 */
export async function acquireStorage(storage: string | Storage | undefined, options: OpenStorageOptions = {}): Promise<StorageHandle> {
  if (storage !== undefined && typeof storage !== "string") return { storage, release: async () => undefined };
  const target = parseStorageUrl(storage);
  const key = keyOf(target);
  if (key === null) {
    const s = await openStorage(storage, options);
    return { storage: s, release: () => s.close() };
  }
  let entry = pool.get(key);
  if (!entry) {
    entry = { storage: openStorage(storage, options), refs: 0 };
    pool.set(key, entry);
    entry.storage.catch(() => pool.delete(key));
  }
  entry.refs++;
  const opened = entry;
  let s: Storage;
  try {
    s = await opened.storage;
  } catch (e) {
    opened.refs--;
    throw e;
  }
  let released = false;
  return {
    storage: s,
    release: async () => {
      if (released) return;
      released = true;
      opened.refs--;
      if (opened.refs === 0 && key !== "memory") {
        pool.delete(key);
        await s.close();
      }
    },
  };
}
