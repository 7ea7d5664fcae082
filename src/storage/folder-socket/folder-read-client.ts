import { connect, type Socket } from "node:net";
import type { EventsListener, Storage, StorageTraits } from "../storage.ts";
import { ReadOnlyStorageError, StorageError } from "../storage-errors.ts";
import { READ_METHODS, readSocketPath, type HolderMessage, type ReaderMessage } from "./read-protocol.ts";
import { readFrames, writeFrame } from "./socket-frames.ts";

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/**
 * Reads an embedded folder that another process holds, through that process (see
 * serveFolderReads): the study list, trials and events, live. Every write fails with one
 * line naming the holder. Resolves to null when the holder answers no reads (an older hpo,
 * or no socket).
 */
export async function connectFolderReads(folder: string, holder: string): Promise<Storage | null> {
  const socket = await new Promise<Socket | null>((resolve) => {
    const s = connect(readSocketPath(folder));
    s.once("connect", () => resolve(s));
    s.once("error", () => resolve(null));
  });
  if (!socket) return null;
  return new FolderReadClient(socket, folder, holder).asStorage();
}

/** The folder's holder writes it while this process reads; reads are local calls that lose nothing. */
const READER_TRAITS: StorageTraits = { sharedAcrossProcesses: true, remoteRoundTrips: false, acknowledgesBeforeDurable: false };

class FolderReadClient {
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<EventsListener>();
  readonly #holder: string;
  readonly #location: string;
  #nextId = 1;
  #gone: StorageError | null = null;

  constructor(socket: Socket, folder: string, holder: string) {
    this.#socket = socket;
    this.#holder = holder;
    this.#location = `${folder} (read through ${holder})`;
    readFrames(socket, (m) => this.#onMessage(m as HolderMessage));
    const end = () => {
      this.#gone ??= new StorageError(`${holder}, which holds ${folder}, stopped answering`);
      for (const p of this.#pending.values()) p.reject(this.#gone);
      this.#pending.clear();
    };
    socket.on("error", end);
    socket.on("close", end);
  }

  asStorage(): Storage {
    const reads = Object.fromEntries(READ_METHODS.map((m) => [m, (...args: unknown[]) => this.#call(m, args)]));
    const self = this;
    return new Proxy(reads, {
      get: (target, prop) => {
        if (prop === "kind") return "pglite";
        if (prop === "traits") return READER_TRAITS;
        if (prop === "location") return self.#location;
        if (prop === "watchEvents") return (l: EventsListener) => self.#watch(l);
        if (prop === "close") return async () => void self.#socket.end();
        if (typeof prop === "string" && prop in target) return target[prop];
        if (prop === "then" || typeof prop === "symbol") return undefined;
        return async () => {
          throw new ReadOnlyStorageError(`${String(prop)}: the embedded storage folder is in use by ${self.#holder}, through which it can only be read; stop that process first`);
        };
      },
    }) as unknown as Storage;
  }

  async #watch(listener: EventsListener): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#send({ watch: true });
    return async () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && !this.#socket.destroyed) this.#send({ watch: false });
    };
  }

  #call(method: (typeof READ_METHODS)[number], args: unknown[]): Promise<unknown> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send({ call: method, id, args });
    });
  }

  #send(m: ReaderMessage): void {
    writeFrame(this.#socket, m);
  }

  #onMessage(m: HolderMessage): void {
    if (!m || typeof m !== "object") return;
    if ("events" in m) {
      for (const l of this.#listeners) l(m.events[0], m.events[1]);
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if ("error" in m) p.reject(new StorageError(m.error));
    else p.resolve(m.value);
  }
}
