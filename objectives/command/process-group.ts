import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

/** How a program ended: an exit code, or the signal that killed it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** How often to look whether a process group has emptied while waiting for it. */
const POLL_MS = 25;

/**
 * A program started in its own process group (its own session, via `setsid`), so that it
 * and everything it forks (data loader workers, shells, ...) can be signalled together.
 */
export class ProcessGroup {
  readonly #child: ChildProcess;
  /** The group id, which is the leader's pid. */
  readonly pgid: number;
  /** Settles when the leader exits (its stdout and stderr may still hold unread lines). */
  readonly exited: Promise<ExitStatus>;
  #leaderExited = false;
  /** Set once the group was seen empty after the leader exited: its id may be reused. */
  #gone = false;

  private constructor(child: ChildProcess, pgid: number, exited: Promise<ExitStatus>) {
    this.#child = child;
    this.pgid = pgid;
    this.exited = exited;
    void exited.then(() => {
      this.#leaderExited = true;
    });
  }

  /**
   * Starts `argv` in a new process group with piped stdout and stderr; rejects when the
   * program cannot be started (not found, not executable, bad cwd).
   *
   * @example
   * const group = await ProcessGroup.spawn(["python", "train.py"], { cwd, env });
   */
  static spawn(argv: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<ProcessGroup> {
    const [file, ...args] = argv;
    if (file === undefined) return Promise.reject(new Error("command: cmd is empty"));
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd: options.cwd,
        env: options.env,
        detached: true, // setsid(): a new session and process group led by the child
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<ExitStatus>((settle) => {
        child.once("exit", (code, signal) => settle({ code, signal }));
      });
      // Kept for the child's lifetime: a later "error" must not go unhandled (reject is then a no-op).
      child.on("error", (e) => reject(new Error(`command: could not start ${JSON.stringify(file)}: ${e.message}`)));
      child.once("spawn", () => {
        if (child.pid === undefined) return; // never on "spawn"; "error" has rejected
        resolve(new ProcessGroup(child, child.pid, exited));
      });
    });
  }

  /** The leader's stdout. */
  get stdout(): Readable {
    return this.#child.stdout as Readable;
  }

  /** The leader's stderr. */
  get stderr(): Readable {
    return this.#child.stderr as Readable;
  }

  /** Whether the leader has exited. */
  get leaderExited(): boolean {
    return this.#leaderExited;
  }

  /** Sends a signal to every process in the group; false when none is left. */
  signal(signal: NodeJS.Signals): boolean {
    if (this.#gone) return false;
    return signalProcessGroup(this.pgid, signal);
  }

  /** Whether any process of the group is still alive (zombies aside). */
  isAlive(): boolean {
    if (this.#gone) return false;
    const alive = processGroupExists(this.pgid);
    if (!alive && this.#leaderExited) this.#gone = true;
    return alive;
  }

  /**
   * SIGTERM to the whole group, up to `gracePeriodMs` for it to exit, then SIGKILL.
   * Resolves once the leader has exited and the group is empty (or SIGKILLed).
   */
  async terminate(gracePeriodMs: number): Promise<void> {
    if (this.signal("SIGTERM")) {
      const deadline = Date.now() + gracePeriodMs;
      while (Date.now() < deadline && !(this.#leaderExited && !this.isAlive())) await sleep(POLL_MS);
      if (this.isAlive() || !this.#leaderExited) this.signal("SIGKILL");
    }
    await this.exited;
    // SIGKILL cannot be ignored; a short wait lets the kernel tear the rest down.
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline && this.isAlive()) await sleep(POLL_MS);
  }
}

/** Sends a signal to a process group; false when the group no longer exists. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw e;
  }
}

/**
 * Whether a process group still has a live member. Zombies do not count: in a container
 * whose init never reaps, a killed grandchild stays a zombie forever, yet it is gone.
 */
export function processGroupExists(pgid: number): boolean {
  if (!signalProcessGroup(pgid, 0)) return false;
  return liveMembersFromProc(pgid) ?? true;
}

/** Whether /proc lists a non-zombie member of the group; null where /proc is unavailable. */
function liveMembersFromProc(pgid: number): boolean | null {
  return procScan((stat) => stat.pgrp === pgid && stat.state !== "Z");
}

interface ProcStat {
  readonly state: string;
  readonly pgrp: number;
}

/** Scans /proc/<pid>/stat for a match; null when /proc cannot be read (not Linux). */
function procScan(match: (stat: ProcStat) => boolean): boolean | null {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    if (match({ state: fields[0] ?? "", pgrp: Number(fields[2]) })) return true;
  }
  return false;
}
