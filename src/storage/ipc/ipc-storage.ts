import type { StudyDirection } from "../../vocabulary/study-direction.ts";
import type { AttrValue, FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import type { TrialState } from "../../vocabulary/trial-state.ts";
import type {
  EventsListener,
  FailedTrialReport,
  NewTrial,
  RetryPolicy,
  Storage,
  StorageTraits,
  StoredCheckpoint,
  StudyRecord,
  StudySummary,
  TrialCounts,
  TrialPatch,
  TrialsChanged,
} from "../storage.ts";
import { StorageError } from "../storage-errors.ts";
import type { StudyEvent } from "../study-event.ts";
import { type ForwardedMethod, type IpcEndpoint, type ParentToWorker, reviveError, type WorkerToParent } from "./ipc-protocol.ts";

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/**
 * The storage of a worker process started by `hpo run --workers N` on embedded or memory
 * storage: every call goes to the parent, which owns the database (one process may hold a
 * PGlite folder), over Node's IPC channel with structured-clone serialisation (Dates, Maps,
 * NaN and typed arrays cross intact). The parent's storage speaks the protocol; this one
 * passes each call on as it is.
 */
export class IpcStorage implements Storage {
  readonly kind = "ipc" as const;
  /**
   * Shared: the parent and the sibling workers write the same studies. The parent's storage
   * is embedded or memory, which loses no acknowledged write (so a final patch needs no copy
   * of the trial's whole data), and a call is a local round trip, not a server's.
   */
  readonly traits: StorageTraits = { sharedAcrossProcesses: true, remoteRoundTrips: false, acknowledgesBeforeDurable: false };
  readonly location = "the parent hpo process";
  readonly #endpoint: IpcEndpoint;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<EventsListener>();
  #nextId = 1;
  #closed = false;

  private constructor(endpoint: IpcEndpoint, onParentGone: () => void) {
    this.#endpoint = endpoint;
    endpoint.on("message", (m: ParentToWorker) => this.#onMessage(m));
    endpoint.on("disconnect", () => {
      for (const p of this.#pending.values()) p.reject(new StorageError("the parent hpo process went away"));
      this.#pending.clear();
      onParentGone();
    });
  }

  /**
   * Connects to the process at the other end of `endpoint` (a worker's own parent by
   * default, which it cannot run without: it exits when the parent goes away); fails when
   * there is no IPC channel.
   */
  static connect(endpoint?: IpcEndpoint): IpcStorage {
    if (endpoint) return new IpcStorage(endpoint, () => undefined);
    if (typeof process.send !== "function") {
      throw new StorageError('storage "ipc:parent" is only for worker processes started by hpo run --workers');
    }
    // Without the parent there is no storage: stop rather than run trials nobody records.
    return new IpcStorage(process as IpcEndpoint, () => process.exit(1));
  }

  /** Passes createStudy to the parent. */
  createStudy(studyName: string, directions: readonly StudyDirection[]): Promise<StudyRecord> {
    return this.#call("createStudy", [studyName, directions]);
  }

  /** Passes findStudy to the parent. */
  findStudy(studyName: string): Promise<StudyRecord | null> {
    return this.#call("findStudy", [studyName]);
  }

  /** Passes deleteStudy to the parent. */
  deleteStudy(studyName: string): Promise<void> {
    return this.#call("deleteStudy", [studyName]);
  }

  /** Passes listStudies to the parent. */
  listStudies(): Promise<StudySummary[]> {
    return this.#call("listStudies", []);
  }

  /** Passes setStudyAttrs to the parent. */
  setStudyAttrs(studyId: number, kind: "user" | "system", attrs: Readonly<Record<string, AttrValue>>): Promise<void> {
    return this.#call("setStudyAttrs", [studyId, kind, attrs]);
  }

  /** Passes createTrial to the parent. */
  createTrial(studyId: number, trial: NewTrial): Promise<FrozenTrial> {
    return this.#call("createTrial", [studyId, trial]);
  }

  /** Passes claimWaitingTrial to the parent. */
  claimWaitingTrial(studyId: number, workerId: string): Promise<FrozenTrial | null> {
    return this.#call("claimWaitingTrial", [studyId, workerId]);
  }

  /** Passes claimOrCreateTrial to the parent. */
  claimOrCreateTrial(studyId: number, options: { workerId: string; maxTrials?: number }): Promise<FrozenTrial | null> {
    return this.#call("claimOrCreateTrial", [studyId, options]);
  }

  /** Passes countTrials to the parent. */
  countTrials(studyId: number): Promise<TrialCounts> {
    return this.#call("countTrials", [studyId]);
  }

  /** Passes recordHeartbeats to the parent. */
  recordHeartbeats(trialIds: readonly number[]): Promise<void> {
    return this.#call("recordHeartbeats", [trialIds]);
  }

  /** Passes failStaleTrials to the parent. */
  failStaleTrials(studyId: number, options: { graceMs: number } & RetryPolicy): Promise<FailedTrialReport[]> {
    return this.#call("failStaleTrials", [studyId, options]);
  }

  /** Passes retryFailedTrials to the parent. */
  retryFailedTrials(studyId: number, options: { reasons: readonly string[] } & RetryPolicy): Promise<FailedTrialReport[]> {
    return this.#call("retryFailedTrials", [studyId, options]);
  }

  /** Passes saveCheckpoint to the parent. */
  saveCheckpoint(trialId: number, format: "bytes" | "json", data: Uint8Array): Promise<void> {
    return this.#call("saveCheckpoint", [trialId, format, data]);
  }

  /** Passes loadCheckpoint to the parent. */
  loadCheckpoint(trialId: number): Promise<StoredCheckpoint | null> {
    return this.#call("loadCheckpoint", [trialId]);
  }

  /** Passes updateTrial to the parent (no whole-trial copy comes here: see traits.acknowledgesBeforeDurable). */
  updateTrial(trialId: number, patch: TrialPatch): Promise<void> {
    return this.#call("updateTrial", [trialId, patch]);
  }

  /** Passes getTrial to the parent. */
  getTrial(trialId: number): Promise<FrozenTrial | null> {
    return this.#call("getTrial", [trialId]);
  }

  /** Passes getTrials to the parent. */
  getTrials(studyId: number, options?: { states?: readonly TrialState[]; changedSince?: number; excludeTrialIds?: readonly number[] }): Promise<TrialsChanged> {
    return this.#call("getTrials", [studyId, options]);
  }

  /** Passes headSeq to the parent. */
  headSeq(studyId: number): Promise<number> {
    return this.#call("headSeq", [studyId]);
  }

  /** Passes readEvents to the parent. */
  readEvents(studyId: number, afterSeq: number, limit?: number): Promise<StudyEvent[]> {
    return this.#call("readEvents", [studyId, afterSeq, limit]);
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

  #call<M extends ForwardedMethod>(method: M, args: Parameters<Storage[M]>): ReturnType<Storage[M]> {
    if (this.#closed) return Promise.reject(new StorageError("storage is closed")) as ReturnType<Storage[M]>;
    const id = this.#nextId++;
    return new Promise((resolve: (v: unknown) => void, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send({ hpo: "call", id, method, args });
    }) as ReturnType<Storage[M]>;
  }

  #send(m: WorkerToParent): void {
    this.#endpoint.send(m);
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
