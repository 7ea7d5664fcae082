import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { StorageConfigError } from "../storage-errors.ts";

interface LockInfo {
  pid: number;
  host: string;
  since: string;
  command: string;
}

/**
 * PGlite does not lock its folder, and two processes writing one folder silently lose
 * writes; this lock file refuses the second opener and names the holder. A lock left by a
 * dead process (same host) is taken over.
 */
export class PgliteFolderLock {
  readonly #path: string;
  #held = false;
  readonly #release = () => this.release();

  private constructor(path: string) {
    this.#path = path;
  }

  /** Takes the lock on `folder`, or throws a StorageConfigError naming its holder. */
  static acquire(folder: string): PgliteFolderLock {
    mkdirSync(folder, { recursive: true });
    const lock = new PgliteFolderLock(join(folder, "hpo.lock"));
    lock.#take(true);
    return lock;
  }

  #take(retryIfStale: boolean): void {
    const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: process.argv.slice(1).join(" ") };
    let fd: number;
    try {
      fd = openSync(this.#path, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = readHolder(this.#path);
      if (holder && retryIfStale && holder.host === info.host && !isAlive(holder.pid)) {
        try {
          unlinkSync(this.#path);
        } catch {
          // Another process took it over first; the retry below reports that one.
        }
        return this.#take(false);
      }
      if (!holder) {
        throw new StorageConfigError(
          `the embedded storage folder ${this.#path.replace(/\/hpo\.lock$/, "")} is locked by ${this.#path}, which is empty or unreadable ` +
            `(a process that died while taking the lock leaves it so): if no hpo process uses the folder, delete ${this.#path}`,
        );
      }
      const who = `process ${holder.pid} on ${holder.host} (since ${holder.since}${holder.command ? `: ${holder.command}` : ""})`;
      throw new StorageConfigError(
        `the embedded storage folder ${this.#path.replace(/\/hpo\.lock$/, "")} is in use by ${who}. ` +
          `Two processes must not open one PGlite folder: stop the other one, or use PostgreSQL (--storage postgres://...) for several workers.`,
      );
    }
    writeSync(fd, JSON.stringify(info));
    closeSync(fd);
    this.#held = true;
    process.once("exit", this.#release);
  }

  /** Removes the lock file (idempotent). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    process.off("exit", this.#release);
    try {
      const holder = readHolder(this.#path);
      if (holder?.pid === process.pid) unlinkSync(this.#path);
    } catch {
      // Already gone.
    }
  }
}

function readHolder(path: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockInfo;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
