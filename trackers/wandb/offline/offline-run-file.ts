import { mkdir, open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { FILE_HEADER, TransactionLogFramer } from "./transaction-log.ts";
import { encodeRecord, type WandbRecord } from "./wandb-record.ts";

/** `offline-run-YYYYMMDD_HHMMSS-<id>` in local time, as the W&B SDK names offline runs. */
export function offlineRunDirName(runId: string, startedAt: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const d = startedAt;
  return `offline-run-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${runId}`;
}

/**
 * One offline run on disk: `<dir>/wandb/offline-run-…-<id>/run-<id>.wandb`, a transaction
 * log that `wandb sync` uploads. Records are appended in call order.
 */
export class OfflineRunFile {
  /** Path of the `.wandb` file. */
  readonly path: string;
  /** The run's folder (what `wandb sync` is pointed at). */
  readonly runDir: string;
  readonly #handle: FileHandle;
  readonly #framer = new TransactionLogFramer();
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(runDir: string, path: string, handle: FileHandle) {
    this.runDir = runDir;
    this.path = path;
    this.#handle = handle;
  }

  /** Creates the run folder and the file (with its header) under `<baseDir>/wandb/`. */
  static async create(baseDir: string, runId: string, startedAt: Date): Promise<OfflineRunFile> {
    // The folder of a run that another (dead) process already wrote is left as it is: the
    // records that end the run go to a folder of their own, named by the time now.
    for (let attempt = 0; ; attempt++) {
      const at = attempt === 0 ? startedAt : new Date(Date.now() + (attempt - 1) * 1000);
      const runDir = join(baseDir, "wandb", offlineRunDirName(runId, at));
      await mkdir(join(runDir, "files"), { recursive: true });
      const path = join(runDir, `run-${runId}.wandb`);
      let handle;
      try {
        handle = await open(path, "wx");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST" && attempt < 5) continue;
        throw e;
      }
      await handle.write(FILE_HEADER);
      return new OfflineRunFile(runDir, path, handle);
    }
  }

  /** Appends records (framed in order; resolves once written). */
  append(...records: WandbRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.path} is closed`));
    const bytes = records.map((r) => this.#framer.frame(encodeRecord(r)));
    const write = this.#queue.then(async () => {
      for (const b of bytes) await this.#handle.write(b);
    });
    this.#queue = write.catch(() => {});
    return write;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#handle.sync().catch(() => {});
    await this.#handle.close();
  }
}
