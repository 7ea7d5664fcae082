import type { Storage } from "../storage.ts";
import { FORWARDED_METHODS, type IpcEndpoint, type ParentToWorker, serializeError, type WorkerToParent } from "./ipc-protocol.ts";

const ALLOWED = new Set<string>(FORWARDED_METHODS);

/**
 * Serves the parent's storage to worker processes over their IPC channels: the other half
 * of IpcStorage. Calls run on the parent's storage (serialised there for PGlite).
 */
export class IpcStorageHost {
  readonly #storage: Storage;
  readonly #watchers = new Set<IpcEndpoint>();
  #unwatch: (() => Promise<void>) | null = null;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Starts answering a worker's calls (`child`: the forked worker, or whichever end the worker's IpcStorage talks to). */
  attach(child: IpcEndpoint): void {
    child.on("message", (m: WorkerToParent) => void this.#handle(child, m));
    child.on("disconnect", () => {
      this.#watchers.delete(child);
      void this.#syncWatch();
    });
  }

  /** Stops forwarding events. */
  async close(): Promise<void> {
    this.#watchers.clear();
    await this.#syncWatch();
  }

  async #handle(child: IpcEndpoint, m: WorkerToParent): Promise<void> {
    if (!m || typeof m !== "object" || !("hpo" in m)) return;
    if (m.hpo === "watch") {
      if (m.on) this.#watchers.add(child);
      else this.#watchers.delete(child);
      await this.#syncWatch();
      return;
    }
    if (m.hpo !== "call" || !ALLOWED.has(m.method)) return;
    let reply: ParentToWorker;
    try {
      const fn = this.#storage[m.method] as (...args: unknown[]) => Promise<unknown>;
      reply = { hpo: "result", id: m.id, value: await fn.apply(this.#storage, m.args) };
    } catch (e) {
      reply = { hpo: "error", id: m.id, error: serializeError(e) };
    }
    if (child.connected) child.send(reply);
  }

  async #syncWatch(): Promise<void> {
    if (this.#watchers.size > 0 && !this.#unwatch) {
      this.#unwatch = await this.#storage.watchEvents((studyId, lastSeq) => {
        for (const w of this.#watchers) if (w.connected) w.send({ hpo: "events", studyId, lastSeq } satisfies ParentToWorker);
      });
    } else if (this.#watchers.size === 0 && this.#unwatch) {
      const u = this.#unwatch;
      this.#unwatch = null;
      await u();
    }
  }
}
