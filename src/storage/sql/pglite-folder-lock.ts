import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
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
    if (this.#create(info)) return;
    const holder = readHolder(this.#path);
    // Gone since we tried: its holder released it, or a takeover is between removing the
    // stale file and creating its own. Try again.
    if (holder === MISSING) return this.#take(retryIfStale);
    if (holder && retryIfStale && holder.host === info.host && !isAlive(holder.pid)) {
      // Two openers may find the same dead holder at once: the takeover (remove the stale
      // file, create ours) runs under a second lock, and only while the lock file still
      // names that dead holder, so exactly one of them takes it over; the others then find
      // the winner, alive.
      const tookOver = this.#underTakeoverLock(() => {
        if (!sameHolder(readHolder(this.#path), holder)) return false;
        unlinkQuietly(this.#path);
        return this.#create(info);
      });
      if (tookOver) return;
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

  /**
   * Creates the lock file with its contents in one step (a complete file linked into place),
   * so no other opener ever reads it half-written; false when it already exists.
   */
  #create(info: LockInfo): boolean {
    const draft = `${this.#path}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(draft, JSON.stringify(info), { flag: "wx" });
    try {
      linkSync(draft, this.#path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      return false;
    } finally {
      unlinkQuietly(draft);
    }
    this.#held = true;
    process.once("exit", this.#release);
    return true;
  }

  /**
   * Runs `fn` holding `hpo.lock.takeover`, waiting while another opener's takeover (a few
   * file operations) runs. The takeover file of a process that died mid-takeover is removed.
   */
  #underTakeoverLock(fn: () => boolean): boolean {
    const path = `${this.#path}.takeover`;
    const started = Date.now();
    for (;;) {
      try {
        writeFileSync(path, String(process.pid), { flag: "wx" });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const owner = Number(readFileQuietly(path));
        // No pid yet: its owner is between creating and writing it, or died there.
        const ownerDead = owner > 0 ? !isAlive(owner) : Date.now() - started > 5000;
        if (ownerDead) unlinkQuietly(path);
        else if (Date.now() - started > 30_000) {
          throw new StorageConfigError(`the embedded storage folder ${this.#path.replace(/\/hpo\.lock$/, "")} is being taken over by process ${owner}, which has not finished after 30 s: if no hpo process uses the folder, delete ${path}`);
        } else sleepSync(5);
      }
    }
    try {
      return fn();
    } finally {
      unlinkQuietly(path);
    }
  }

  /** Removes the lock file (idempotent). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    process.off("exit", this.#release);
    try {
      const holder = readHolder(this.#path);
      if (holder !== MISSING && holder?.pid === process.pid) unlinkSync(this.#path);
    } catch {
      // Already gone.
    }
  }
}

/** What readHolder says of a lock file that does not exist. */
const MISSING = Symbol("missing");

/** The lock's holder; null when the file is empty or unreadable; MISSING when there is none. */
function readHolder(path: string): LockInfo | null | typeof MISSING {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? MISSING : null;
  }
  try {
    return JSON.parse(text) as LockInfo;
  } catch {
    return null;
  }
}

function sameHolder(a: LockInfo | null | typeof MISSING, b: LockInfo): boolean {
  return a !== null && a !== MISSING && a.pid === b.pid && a.host === b.host && a.since === b.since;
}

function readFileQuietly(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Blocks the thread: taking the lock is synchronous, and waits are a few milliseconds. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
