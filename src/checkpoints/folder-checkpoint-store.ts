import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { StoredCheckpoint } from "../storage/storage.ts";
import type { CheckpointStore } from "./checkpoint-store.ts";

/**
 * Checkpoints as files in a folder (shared storage such as NFS for several machines):
 * `<folder>/<study>/trial-<number>.<bytes|json>`. Writes go to a temporary file first and
 * are renamed into place, so a crash never leaves a half-written checkpoint.
 */
export class FolderCheckpointStore implements CheckpointStore {
  readonly #dir: string;

  constructor(folder: string, studyName: string) {
    this.#dir = join(resolve(folder), studyName.replace(/[^A-Za-z0-9._-]/g, "_"));
  }

  /** Writes the checkpoint file atomically. */
  async save(trial: { number: number }, format: "bytes" | "json", data: Uint8Array): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const target = this.#path(trial.number, format);
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, target);
    // Only one format may exist at a time: the newer write wins on load.
    const other = this.#path(trial.number, format === "bytes" ? "json" : "bytes");
    await writeFile(other, new Uint8Array(0)).then(() => import("node:fs/promises").then((fs) => fs.unlink(other))).catch(() => undefined);
  }

  /** Reads the trial's checkpoint file, if any. */
  async load(trial: { number: number }): Promise<StoredCheckpoint | null> {
    for (const format of ["bytes", "json"] as const) {
      const path = this.#path(trial.number, format);
      try {
        const [data, info] = await Promise.all([readFile(path), stat(path)]);
        return { format, data: new Uint8Array(data), updatedAt: info.mtime };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
    return null;
  }

  #path(number: number, format: "bytes" | "json"): string {
    return join(this.#dir, `trial-${number}.${format === "bytes" ? "bin" : "json"}`);
  }
}
