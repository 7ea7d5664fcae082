import { resolve } from "node:path";
import { InMemoryStorage } from "./memory-storage.ts";
import type { Storage } from "./storage.ts";
import { StorageConfigError } from "./storage-errors.ts";

/** The folder used when no storage is named and HPO_STORAGE is unset. */
export const DEFAULT_STORAGE_FOLDER = ".hpo";

/** How a storage URL was understood. */
export type StorageTarget =
  | { readonly kind: "memory" }
  | { readonly kind: "pglite"; readonly folder: string | null }
  | { readonly kind: "postgres"; readonly url: string }
  | { readonly kind: "ipc" };

/**
 * Parses a storage URL: none → HPO_STORAGE or ./.hpo (embedded PGlite); "memory";
 * "pglite:memory"; "postgres://…" / "postgresql://…"; "file:<folder>", "pglite:<folder>" or a
 * plain folder path. Anything else is a StorageConfigError saying what is accepted.
 */
export function parseStorageUrl(url: string | undefined, env: NodeJS.ProcessEnv = process.env): StorageTarget {
  const raw = (url ?? env.HPO_STORAGE ?? "").trim();
  if (raw === "") return { kind: "pglite", folder: resolve(DEFAULT_STORAGE_FOLDER) };
  if (raw === "memory" || raw === ":memory:") return { kind: "memory" };
  if (raw === "pglite:memory" || raw === "pglite::memory:") return { kind: "pglite", folder: null };
  if (raw === "ipc:parent") return { kind: "ipc" };
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      const u = new URL(raw);
      if (!u.hostname && !u.searchParams.get("host")) throw new Error("no host");
    } catch {
      throw new StorageConfigError(`invalid PostgreSQL URL "${raw}": expected postgres://user:password@host:port/database`);
    }
    return { kind: "postgres", url: raw };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):(?!\\)/i.exec(raw);
  if (scheme && !/^[a-z]$/i.test(scheme[1])) {
    const name = scheme[1].toLowerCase();
    if (name === "file" || name === "pglite") {
      const folder = raw.slice(scheme[0].length).replace(/^\/\/(?=\/)/, "");
      if (!folder) throw new StorageConfigError(`storage "${raw}" names no folder`);
      return { kind: "pglite", folder: resolve(folder) };
    }
    throw new StorageConfigError(
      `unsupported storage "${raw}": use a folder path (embedded PGlite, default ./.hpo), "memory", or postgres://user@host:port/database`,
    );
  }
  return { kind: "pglite", folder: resolve(raw) };
}

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  /**
   * Open only a storage that already holds hpo's data: an embedded folder that is missing
   * or empty, or a PostgreSQL database without hpo's tables, is a StorageConfigError
   * instead of a new storage (read-only commands create nothing).
   */
  readonly existingOnly?: boolean;
}

/**
 * Opens the storage a URL names (see {@link parseStorageUrl}). Each call opens a new
 * connection; the caller closes it.
 *
 * @example
 * const storage = await openStorage("postgres://127.0.0.1:5432/hpo");
 */
export async function openStorage(url?: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const target = parseStorageUrl(url);
  if (target.kind === "memory") return new InMemoryStorage();
  if (target.kind === "ipc") {
    const { IpcStorage } = await import("./ipc/ipc-storage.ts");
    return IpcStorage.connect();
  }
  // Lazy imports: "memory" users never load PGlite or pg.
  if (target.kind === "pglite") {
    const { openPgliteStorage } = await import("./sql/open-pglite-storage.ts");
    return openPgliteStorage(target.folder, options);
  }
  const { openPostgresStorage } = await import("./sql/open-postgres-storage.ts");
  return openPostgresStorage(target.url, options);
}
