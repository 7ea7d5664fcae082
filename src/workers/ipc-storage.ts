import type { EventsListener, Storage, TrialPatch } from "../storage/storage.ts";
import { StorageError } from "../storage/storage-errors.ts";
import { FORWARDED_METHODS, type ForwardedMethod, type ParentToWorker, reviveError, type WorkerToParent } from "./ipc-protocol.ts";

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/**
 * The storage of a worker process started by `hpo run --workers N` on embedded or memory
 * storage: every call goes to the parent, which owns the database (one process may hold a
 * PGlite folder), over Node's IPC channel with structured-clone serialisation (Dates, Maps,
 * NaN and typed arrays cross intact).
 */
export class IpcStorage {
  readonly kind = "pglite" as const;
  readonly location = "the parent hpo process";
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<EventsListener>();
  #nextId = 1;
  #closed = false;

  private constructor() {
    process.on("message", (m: ParentToWorker) => this.#onMessage(m));
    // Without the parent there is no storage: stop rather than run trials nobody records.
    process.on("disconnect", () => {
      for (const p of this.#pending.values()) p.reject(new StorageError("the parent hpo process went away"));
      this.#pending.clear();
      process.exit(1);
    });
  }

  /** Connects to the parent; fails when this process has no IPC channel. */
  static connect(): Storage {
    if (typeof process.send !== "function") {
      throw new StorageError('storage "ipc:parent" is only for worker processes started by hpo run --workers');
    }
    const self = new IpcStorage();
    const storage = self as unknown as Record<string, unknown>;
    for (const method of FORWARDED_METHODS) storage[method] = (...args: unknown[]) => self.#call(method, args);
    return self as unknown as Storage;
  }

  /** Subscribes to the parent's event announcements. */
  async watchEvents(listener: EventsListener): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#send({ hpo: "watch", on: true });
    return async () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#send({ hpo: "watch", on: false });
    };
  }

  /** Stops using the parent (the channel stays open for the process's other users). */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #call(method: ForwardedMethod, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new StorageError("storage is closed"));
    const id = this.#nextId++;
    // The parent's storage is embedded or memory, which loses no acknowledged write: a
    // final patch needs no copy of the trial's whole data (and a function cannot cross).
    if (method === "updateTrial") args = [args[0], { ...(args[1] as TrialPatch), wholeTrial: undefined }];
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send({ hpo: "call", id, method, args });
    });
  }

  #send(m: WorkerToParent): void {
    process.send!(m);
  }

  #onMessage(m: ParentToWorker): void {
    if (!m || typeof m !== "object" || !("hpo" in m)) return;
    if (m.hpo === "events") {
      for (const l of this.#listeners) l(m.studyId, m.lastSeq);
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (m.hpo === "result") p.resolve(m.value);
    else p.reject(reviveError(m.error));
  }
}
