import { fork } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { openStorage, type FrozenTrial, type Storage } from "hpo";
import { IpcStorage } from "../../src/storage/ipc/ipc-storage.ts";

/** The storages every contract test runs against: memory and PGlite always, PostgreSQL when configured. */
export const BACKENDS: readonly string[] = ["memory", "pglite", ...(process.env.HPO_TEST_DATABASE_URL ? ["postgres"] : [])];

/** The storage contract's backends: those above, and a worker's storage reaching a memory storage through its parent process. */
export const STORAGE_BACKENDS: readonly string[] = [...BACKENDS, "ipc"];

/** A fresh PGlite folder copied from the run's migrated template. */
export function freshPgliteFolder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "hpo-pglite-")), "db");
  cpSync(inject("pgliteTemplate"), dir, { recursive: true });
  return dir;
}

/** Opens a storage of that backend; `cleanup` closes it and removes its files. */
export async function openBackend(name: string): Promise<{ storage: Storage; url: string; cleanup: () => Promise<void> }> {
  if (name === "memory") {
    const storage = await openStorage("memory");
    return { storage, url: "memory", cleanup: () => storage.close() };
  }
  if (name === "ipc") return openIpcBackend();
  if (name === "pglite") {
    const folder = freshPgliteFolder();
    const storage = await openStorage(folder);
    return {
      storage,
      url: folder,
      cleanup: async () => {
        await storage.close();
        rmSync(join(folder, ".."), { recursive: true, force: true });
      },
    };
  }
  const url = process.env.HPO_TEST_DATABASE_URL!;
  const storage = await openStorage(url);
  return { storage, url, cleanup: () => storage.close() };
}

const ipcParent = fileURLToPath(new URL("./ipc-storage-parent.ts", import.meta.url));
const tsxLoader = new URL("../../node_modules/tsx/dist/esm/index.mjs", import.meta.url).href;

/** A storage in a forked process (as `hpo run --workers` holds one), reached as its workers reach it. */
async function openIpcBackend(): Promise<{ storage: Storage; url: string; cleanup: () => Promise<void> }> {
  const parent = fork(ipcParent, [], { execArgv: ["--import", tsxLoader], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise<void>((resolve, reject) => {
    parent.once("message", () => resolve());
    parent.once("exit", (code) => reject(new Error(`the ipc storage parent exited with ${code}`)));
  });
  const storage = IpcStorage.connect(parent);
  return {
    storage,
    url: "ipc:parent",
    cleanup: async () => {
      await storage.close();
      const exited = new Promise((resolve) => parent.once("exit", resolve));
      parent.disconnect();
      await exited;
    },
  };
}

let counter = 0;
/** A study name unique across processes and runs (tests share one PostgreSQL database). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

/** Every trial of study `name` at `url`, read through a storage of its own (closed after). */
export async function readStudyTrials(url: string, name: string): Promise<FrozenTrial[]> {
  const storage = await openStorage(url);
  try {
    const study = await storage.findStudy(name);
    return [...(await storage.getTrials(study!.studyId)).trials];
  } finally {
    await storage.close();
  }
}
