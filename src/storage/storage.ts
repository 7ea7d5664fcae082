import type { Distribution } from "../vocabulary/distribution.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";
import type { AttrValue, FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";
import type { StudyEvent } from "./study-event.ts";

/**
 * Told the study and the last sequence number of newly committed events, or
 * {@link STUDY_DELETED_SEQ} when the study was deleted.
 */
export type EventsListener = (studyId: number, lastSeq: number) => void;

/** The `lastSeq` an {@link EventsListener} is told when a study is deleted. */
export const STUDY_DELETED_SEQ = -1;

/** A study as stored. */
export interface StudyRecord {
  readonly studyId: number;
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  readonly userAttrs: Readonly<Record<string, AttrValue>>;
  readonly systemAttrs: Readonly<Record<string, AttrValue>>;
  readonly createdAt: Date;
}

/** A study with counts and its best value, for listings. */
export interface StudySummary extends StudyRecord {
  readonly counts: Readonly<Record<TrialState, number>>;
  /** Best COMPLETE value of the first objective, or null. */
  readonly bestValue: number | null;
  readonly lastEventSeq: number;
}

/** One parameter as written: its distribution and internal value. */
export interface ParamWrite {
  readonly name: string;
  readonly distribution: Distribution;
  readonly internal: number;
}

/** One named metric at one step, as written. */
export interface MetricWrite {
  readonly step: number;
  readonly name: string;
  readonly value: number;
}

/** Everything to create a trial with. */
export interface NewTrial {
  readonly state: "RUNNING" | "WAITING";
  readonly params?: readonly ParamWrite[];
  readonly userAttrs?: Readonly<Record<string, AttrValue>>;
  readonly systemAttrs?: Readonly<Record<string, AttrValue>>;
  /** Identifies the process running it (host:pid:random). */
  readonly workerId?: string;
}

/**
 * Changes to one RUNNING trial, applied in one transaction (with one event per change).
 * `finish` moves it to a final state; afterwards the trial is never written again.
 */
export interface TrialPatch {
  readonly params?: readonly ParamWrite[];
  /** Values of the study's watched metric (what pruners read), by step. */
  readonly intermediateValues?: readonly { readonly step: number; readonly value: number }[];
  /** Named metrics by step; a (step, name) already stored keeps its first value. */
  readonly metrics?: readonly MetricWrite[];
  readonly userAttrs?: Readonly<Record<string, AttrValue>>;
  readonly systemAttrs?: Readonly<Record<string, AttrValue>>;
  readonly finish?: { readonly state: "COMPLETE" | "PRUNED" | "FAIL"; readonly values: readonly number[] | null };
  /**
   * With `finish`: the trial's whole data, and the storage's {@link Storage.reconnects} when
   * its writes began. A storage that lost its server since then (writes it acknowledged may be
   * gone: PostgreSQL commits a trial's intermediate writes asynchronously) writes all of it
   * with the final state, so a finished trial is stored whole.
   */
  readonly wholeTrial?: { readonly reconnectsAt: number; readonly data: () => Pick<TrialPatch, "params" | "intermediateValues" | "metrics" | "userAttrs"> };
}

/** Trial counts of a study by state; `retriedFails` are FAIL trials a retry replaced. */
export interface TrialCounts {
  readonly byState: Readonly<Record<TrialState, number>>;
  readonly retriedFails: number;
}

/** How stale or interrupted trials are failed and retried. */
export interface RetryPolicy {
  /** Retries per original trial (a retry of a retry counts towards the same limit). */
  readonly maxRetries: number;
}

/** A trial failed by the storage (stale heartbeat, interrupted) and its retry, if any. */
export interface FailedTrialReport {
  readonly failed: number;
  readonly retry: number | null;
  readonly reason: string;
}

/** A trial's latest checkpoint. */
export interface StoredCheckpoint {
  /** "bytes" for raw data, "json" for an encoded object. */
  readonly format: "bytes" | "json";
  readonly data: Uint8Array;
  readonly updatedAt: Date;
}

/** Trials that changed after a version, and the version they bring the reader to. */
export interface TrialsChanged {
  readonly trials: readonly FrozenTrial[];
  /** Pass back as `changedSince` to read only what changes next. */
  readonly version: number;
}

/** Which trials a read of changes returns (Storage.getTrials). */
export interface TrialChangesQuery {
  readonly states?: readonly TrialState[];
  /** Only trials changed after this version (a TrialsChanged's). */
  readonly changedSince?: number;
  /** Leave these out (the caller runs them and knows them better). */
  readonly excludeTrialIds?: readonly number[];
}

/**
 * What a storage is, as far as policy goes: code that behaves differently by storage reads
 * these, never {@link Storage.kind}.
 */
export interface StorageTraits {
  /**
   * Other processes write the same studies while this one runs (a PostgreSQL server; the
   * parent process that worker processes reach their storage through). Where false, a
   * RUNNING trial found at start-up can only be a dead process's.
   */
  readonly sharedAcrossProcesses: boolean;
  /**
   * Every call is a round trip to a database server that other clients' load slows down:
   * worth batching a trial's writes and caching reads (the default syncInterval).
   */
  readonly remoteRoundTrips: boolean;
  /**
   * A write may be acknowledged before it is on disk (PostgreSQL commits a trial's
   * intermediate writes asynchronously): a final write is flushed before it is acknowledged,
   * and after a lost connection carries the trial's whole data (see TrialPatch.wholeTrial).
   */
  readonly acknowledgesBeforeDurable: boolean;
}

/**
 * Where studies live: embedded PGlite, a PostgreSQL server, memory, or the parent process of
 * a worker. Every method that changes state is one transaction and appends its events;
 * nothing finished is rewritten. What each write appends is the same on every backend
 * (storage-protocol.ts).
 */
export interface Storage {
  /** Which implementation this is, for messages: "memory", "pglite", "postgres" or "ipc" (a worker's, through its parent). */
  readonly kind: "memory" | "pglite" | "postgres" | "ipc";
  /** What policy may depend on. */
  readonly traits: StorageTraits;
  /** Where it lives, for messages (a folder, a URL without password, or "memory"). */
  readonly location: string;
  /**
   * How often this storage has lost a connection to its server (restart, crash, terminated
   * backend); absent where there is no server. Writes acknowledged before a loss may be
   * gone, so a trial re-sends its data with its final write, and heartbeats are given a
   * grace period before anyone is judged stale.
   */
  readonly reconnects?: number;

  /** Creates a study; throws DuplicatedStudyError when the name is taken. */
  createStudy(studyName: string, directions: readonly StudyDirection[]): Promise<StudyRecord>;
  /** The study of that name, or null. */
  findStudy(studyName: string): Promise<StudyRecord | null>;
  /** Deletes a study and everything in it (and announces it to watchers); throws StudyNotFoundError when missing. */
  deleteStudy(studyName: string): Promise<void>;
  /** Every study, with counts. */
  listStudies(): Promise<StudySummary[]>;
  /** Sets (overwrites) study-level attributes. */
  setStudyAttrs(studyId: number, kind: "user" | "system", attrs: Readonly<Record<string, AttrValue>>): Promise<void>;

  /** Creates a trial with the next dense number of its study. */
  createTrial(studyId: number, trial: NewTrial): Promise<FrozenTrial>;
  /** Atomically moves the oldest WAITING trial to RUNNING for this worker, or returns null. */
  claimWaitingTrial(studyId: number, workerId: string): Promise<FrozenTrial | null>;
  /**
   * Claims the oldest WAITING trial, else creates a RUNNING one, in one transaction; with
   * `maxTrials`, creates none once the study-wide budget is used (trials that are not
   * FAIL-and-retried count, running ones included). Null when there is nothing to run.
   */
  claimOrCreateTrial(studyId: number, options: { workerId: string; maxTrials?: number }): Promise<FrozenTrial | null>;
  /**
   * claimOrCreateTrial and getTrials in one round trip, where a storage can (optional: a
   * PostgreSQL server does it in one statement). The changes are read as of just before the
   * claim, so the claimed trial is not among them.
   */
  claimOrCreateTrialWithChanges?(
    studyId: number,
    claim: { workerId: string; maxTrials?: number },
    changes: TrialChangesQuery,
  ): Promise<{ readonly trial: FrozenTrial | null; readonly changed: TrialsChanged }>;
  /**
   * updateTrial with a final `patch`, then, if it applied, claimOrCreateTrial and getTrials,
   * where a storage can do all three in one round trip (optional: a server does them in one
   * statement and one durable commit). Throws as updateTrial does, and then claims nothing.
   * `changed` is null when no read was made (a retry after a lost connection only
   * finishes); the changes are read as of before the patch and the claim.
   */
  finishTrialAndClaim?(
    trialId: number,
    patch: TrialPatch,
    studyId: number,
    claim: { workerId: string; maxTrials?: number },
    changes: TrialChangesQuery,
  ): Promise<{ readonly trial: FrozenTrial | null; readonly changed: TrialsChanged | null }>;
  /** Trial counts by state, for budgets and listings. */
  countTrials(studyId: number): Promise<TrialCounts>;
  /** Marks these RUNNING trials alive now (database time). */
  recordHeartbeats(trialIds: readonly number[]): Promise<void>;
  /**
   * Fails RUNNING trials whose heartbeat is older than `graceMs` (0: every RUNNING trial)
   * and enqueues a retry with the same params while the policy allows; each in one
   * transaction. A stale trial fails as any other does (its fail_reason attr, then
   * trial_failed), with the reason staleReason() words; its retry follows (trial_created, then
   * trial_retried on the failed trial).
   */
  failStaleTrials(studyId: number, options: { graceMs: number } & RetryPolicy): Promise<FailedTrialReport[]>;
  /** Enqueues retries for FAIL trials with one of these fail reasons that were not retried yet. */
  retryFailedTrials(studyId: number, options: { reasons: readonly string[] } & RetryPolicy): Promise<FailedTrialReport[]>;
  /** Stores a trial's latest checkpoint (replacing the previous one). */
  saveCheckpoint(trialId: number, format: "bytes" | "json", data: Uint8Array): Promise<void>;
  /** A trial's latest checkpoint, or null. */
  loadCheckpoint(trialId: number): Promise<StoredCheckpoint | null>;
  /**
   * Applies changes to a RUNNING trial; throws TrialNotRunningError otherwise. A param is
   * written once: the same param again (same value and distribution) is taken without change,
   * another value or distribution is a StorageError naming it, and then nothing is applied.
   */
  updateTrial(trialId: number, patch: TrialPatch): Promise<void>;
  /** One trial, or null. */
  getTrial(trialId: number): Promise<FrozenTrial | null>;
  /**
   * All trials of a study (or those changed after `changedSince`), ordered by number;
   * `excludeTrialIds`: leave these out (the caller runs them and knows them better).
   */
  getTrials(studyId: number, options?: TrialChangesQuery): Promise<TrialsChanged>;

  /** The sequence number of the study's last event (0 before any); a StorageError when the study does not exist. */
  headSeq(studyId: number): Promise<number>;
  /** Events after `afterSeq`, in order, at most `limit`. */
  readEvents(studyId: number, afterSeq: number, limit?: number): Promise<StudyEvent[]>;

  /**
   * Calls `listener(studyId, lastSeq)` whenever events are committed: by any process on
   * PostgreSQL (LISTEN/NOTIFY), by this storage otherwise. Resolves to an unsubscribe function.
   */
  watchEvents(listener: EventsListener): Promise<() => Promise<void>>;

  /** Releases connections / closes the embedded database. */
  close(): Promise<void>;
}
