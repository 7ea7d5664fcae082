import { type Kysely, type Transaction, sql } from "kysely";
import type { StudyDirection } from "../../vocabulary/study-direction.ts";
import type { AttrValue, FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import type { TrialState } from "../../vocabulary/trial-state.ts";
import { encodeJson } from "../json-codec.ts";
import { STUDY_DELETED_SEQ, type EventsListener, type FailedTrialReport, type NewTrial, type RetryPolicy, type Storage, type StorageTraits, type StoredCheckpoint, type TrialCounts, type StudyRecord, type StudySummary, type TrialChangesQuery, type TrialPatch, type TrialsChanged } from "../storage.ts";
import { DuplicatedStudyError, StorageError, StudyNotFoundError, TrialNotRunningError } from "../storage-errors.ts";
import type { StudyEvent } from "../study-event.ts";
import type { Database } from "./database-schema.ts";
import { failurePatch, staleReason, studyAttrEvents, studyCreatedEvent } from "../storage-protocol.ts";
import { EVENTS_CHANNEL } from "../../../migrations/events-channel.ts";
import { appendStudyEvents, checkPatchOutcome, claimOrCreateTrial, type ClaimedTrial, finishTrial, insertedTrialSnapshot, insertTrial, patchTrial } from "./server-functions.ts";
import { retryInTx } from "./retry-in-transaction.ts";
import { claimWithChanges } from "./claim-with-changes.ts";
import { finishAndClaim } from "./finish-and-claim.ts";
import { readChangedTrials, readTrial } from "./trial-reads.ts";
import { readStudy, readStudyEvents, readStudySummaries, readTrialCounts } from "./study-reads.ts";
import { preparedStatement, type SqlExecutor } from "./server-call.ts";
import { retryWhileConnectionLost } from "./connection-retry.ts";
import { isUniqueViolation, rethrowRaised } from "./sql-error-codes.ts";
import { checkStorableName, storableAttrs, storableNewTrial, storablePatch } from "../storable-data.ts";

type Db = Kysely<Database>;
type Tx = Transaction<Database>;

const HEAD_SEQ = preparedStatement("hpo_head_seq", "SELECT last_event_seq FROM hpo_studies WHERE study_id = $1::integer");
const RECORD_HEARTBEATS = preparedStatement("hpo_record_heartbeats", "UPDATE hpo_trial_heartbeats SET heartbeat_at = now() WHERE trial_id = ANY($1::bigint[])");

/** Options of {@link SqlStorage}. */
export interface SqlStorageOptions {
  readonly kind: "pglite" | "postgres";
  readonly traits: StorageTraits;
  readonly location: string;
  /** Run one operation at a time (PGlite has a single connection). */
  readonly serialize: boolean;
  /** Extra clean-up after the kysely instance is destroyed (lock files). */
  readonly onClose?: () => Promise<void> | void;
  /** How long to keep retrying an operation while the server is unreachable (default 120 s). */
  readonly reconnectTimeoutMs?: number;
  /** Told once per operation that starts waiting for the server to come back. */
  readonly onReconnecting?: (error: Error) => void;
  /** Connections the pool's clients lost (a server restart, crash or terminated backend). */
  readonly connectionLosses?: () => number;
  /** Runs a trial's frequent statements outside a transaction without kysely's per-call work (default: through kysely). */
  readonly direct?: SqlExecutor;
  /** Subscribes to the hpo_events channel; resolves to an unsubscribe function. */
  readonly listen: (onPayload: (payload: string) => void) => Promise<() => Promise<void>>;
}

/**
 * The Storage on PostgreSQL, embedded (PGlite) or server: one schema, the same queries.
 * Every change is one transaction that ends by taking the study row's lock to allocate its
 * event sequence numbers, so events commit in sequence order and readers that resume from
 * a sequence number never miss one.
 */
export class SqlStorage implements Storage {
  readonly kind: "pglite" | "postgres";
  readonly traits: StorageTraits;
  readonly location: string;
  readonly #db: Db;
  /** Where a trial's frequent statements go outside a transaction. */
  readonly #direct: SqlExecutor;
  readonly #options: SqlStorageOptions;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Operations that failed with a connection error (each is retried). */
  #failedOnConnection = 0;

  constructor(db: Db, options: SqlStorageOptions) {
    this.#db = db;
    this.#direct = options.direct ?? db;
    this.#options = options;
    this.kind = options.kind;
    this.traits = options.traits;
    this.location = options.location;
  }

  /** Connections lost so far: seen by an operation here, or reported by the pool's clients. */
  get reconnects(): number {
    return this.#failedOnConnection + (this.#options.connectionLosses?.() ?? 0);
  }

  /** The kysely instance (for migrations and the workers' extra queries). */
  get db(): Db {
    return this.#db;
  }

  async createStudy(studyName: string, directions: readonly StudyDirection[]): Promise<StudyRecord> {
    checkStorableName("study name", studyName);
    return this.#run(async () => {
      try {
        return await this.#durableTx(async (tx) => {
          const row = await tx
            .insertInto("hpo_studies")
            .values({ study_name: studyName, directions: JSON.stringify(directions) })
            .returning(["study_id", "created_at"])
            .executeTakeFirstOrThrow();
          await appendStudyEvents(tx, row.study_id, [studyCreatedEvent(studyName, directions)]);
          return { studyId: row.study_id, studyName, directions: [...directions], userAttrs: {}, systemAttrs: {}, createdAt: new Date(row.created_at) };
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new DuplicatedStudyError(studyName);
        throw e;
      }
    });
  }

  async findStudy(studyName: string): Promise<StudyRecord | null> {
    return this.#run(() => readStudy(this.#db, studyName));
  }

  async deleteStudy(studyName: string): Promise<void> {
    await this.#run(async () => {
      // Announced in the same transaction, so watchers (a feed server anywhere) hear of it
      // exactly when it commits.
      const deleted = await sql<{ study_id: number }>`
        WITH d AS (DELETE FROM hpo_studies WHERE study_name = ${studyName} RETURNING study_id)
        SELECT study_id, pg_notify(${EVENTS_CHANNEL}, study_id::text || ':' || ${String(STUDY_DELETED_SEQ)}) FROM d`.execute(this.#db);
      if (deleted.rows.length === 0) throw new StudyNotFoundError(studyName, this.location);
    });
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.#run(() => readStudySummaries(this.#db));
  }

  async setStudyAttrs(studyId: number, kind: "user" | "system", attrs: Readonly<Record<string, AttrValue>>): Promise<void> {
    const stored = storableAttrs(`study ${kind} attr`, attrs)!;
    const entries = Object.entries(stored);
    if (entries.length === 0) return;
    await this.#run(() =>
      this.#durableTx(async (tx) => {
        await tx
          .insertInto("hpo_study_attrs")
          .values(entries.map(([key, value]) => ({ study_id: studyId, kind, key, value_json: encodeJson(value) })))
          .onConflict((oc) => oc.columns(["study_id", "kind", "key"]).doUpdateSet((eb) => ({ value_json: eb.ref("excluded.value_json") })))
          .execute();
        await appendStudyEvents(tx, studyId, studyAttrEvents(kind, stored));
      }),
    );
  }

  async createTrial(studyId: number, trial: NewTrial): Promise<FrozenTrial> {
    const checked = storableNewTrial(trial);
    // Durable for the same reason as claimOrCreateTrial: the caller holds on to its id.
    const inserted = await this.#run(() => insertTrial(this.#direct, studyId, checked));
    return insertedTrialSnapshot(inserted!, checked);
  }

  async claimWaitingTrial(studyId: number, workerId: string): Promise<FrozenTrial | null> {
    // A budget of 0 trials: the server-side claim-or-create only claims.
    return this.claimOrCreateTrial(studyId, { workerId, maxTrials: 0 });
  }

  async updateTrial(trialId: number, given: TrialPatch): Promise<void> {
    const patch = storablePatch(trialId, given);
    await this.#run((attempt) => this.#writePatch(trialId, patch, attempt));
  }

  async finishTrialAndClaim(
    trialId: number,
    given: TrialPatch,
    studyId: number,
    claim: { workerId: string; maxTrials?: number },
    changes: TrialChangesQuery,
  ): Promise<{ trial: FrozenTrial | null; changed: TrialsChanged | null }> {
    const patch = storablePatch(trialId, given);
    if (!patch.finish) throw new StorageError(`finishTrialAndClaim: the patch of trial id ${trialId} does not finish it`);
    const out = await this.#run(async (attempt) => {
      // After a lost connection the first attempt may have committed, its claim with it (a
      // trial then left RUNNING with nobody on it, failed as stale in time, as after a
      // claim retried for the same reason): a retry only finishes.
      if (attempt > 0) {
        await this.#writePatch(trialId, patch, attempt);
        return null;
      }
      const done = await finishAndClaim(this.#direct, trialId, this.#completed(trialId, patch, attempt), studyId, claim, changes);
      if (!done) throw new StorageError(`study ${studyId} no longer exists`);
      checkPatchOutcome(trialId, done.patched);
      return done;
    });
    if (!out) return { trial: null, changed: null };
    return { trial: await this.#claimedTrial(out.claim, claim.workerId), changed: out.changed };
  }

  /**
   * One attempt at writing a patch. On PostgreSQL a patch commits without waiting for the
   * disk (PGlite commits synchronously); a finished trial must be durable before we say so:
   * its final patch goes with a flush, in one call (finishTrial), which does not hold the
   * study lock while it waits for the disk (so workers' final commits share fsyncs).
   */
  async #writePatch(trialId: number, patch: TrialPatch, attempt: number): Promise<void> {
    const durably = patch.finish !== undefined && this.traits.acknowledgesBeforeDurable;
    try {
      await this.#applyPatch(trialId, this.#completed(trialId, patch, attempt), durably);
    } catch (e) {
      // A retry after a lost connection may find the first attempt committed (the call
      // flushed it all the same).
      if (!(attempt > 0 && patch.finish && e instanceof TrialNotRunningError && e.state === patch.finish.state)) throw e;
    }
  }

  /**
   * The patch to write: a final one carries the trial's whole data when the connection was
   * lost since the trial's writes began (or during this write), since writes acknowledged
   * before were committed asynchronously and may not have survived a server crash.
   */
  #completed(trialId: number, patch: TrialPatch, attempt: number): TrialPatch {
    const whole = patch.wholeTrial;
    if (!patch.finish || !whole || (attempt === 0 && whole.reconnectsAt === this.reconnects)) return patch;
    const data = storablePatch(trialId, whole.data());
    return { ...data, systemAttrs: patch.systemAttrs, finish: patch.finish };
  }

  /**
   * One statement (hpo_patch_trial), or with `durably` one call that also flushes it
   * (hpo_finish_trial): the study lock they take for events never waits on the client.
   */
  async #applyPatch(trialId: number, patch: TrialPatch, durably: boolean): Promise<void> {
    checkPatchOutcome(trialId, durably ? await finishTrial(this.#direct, trialId, patch) : await patchTrial(this.#direct, trialId, patch));
  }

  async claimOrCreateTrial(studyId: number, options: { workerId: string; maxTrials?: number }): Promise<FrozenTrial | null> {
    const row = await this.#run(() => claimOrCreateTrial(this.#direct, studyId, options.workerId, options.maxTrials));
    return this.#claimedTrial(row, options.workerId);
  }

  async claimOrCreateTrialWithChanges(
    studyId: number,
    claim: { workerId: string; maxTrials?: number },
    changes: TrialChangesQuery,
  ): Promise<{ trial: FrozenTrial | null; changed: TrialsChanged }> {
    const out = await this.#run(() => claimWithChanges(this.#direct, studyId, claim, changes));
    if (!out) throw new StorageError(`study ${studyId} no longer exists`);
    return { trial: await this.#claimedTrial(out.claim, claim.workerId), changed: out.changed };
  }

  /** The trial a claim handed `workerId`: a claimed one was enqueued with params and attrs, so it is read whole. */
  async #claimedTrial(row: ClaimedTrial | null, workerId: string): Promise<FrozenTrial | null> {
    if (!row) return null;
    return row.claimed ? this.getTrial(row.trialId) : insertedTrialSnapshot(row, { state: "RUNNING", workerId });
  }

  async countTrials(studyId: number): Promise<TrialCounts> {
    return this.#run(() => readTrialCounts(this.#db, studyId));
  }

  async recordHeartbeats(trialIds: readonly number[]): Promise<void> {
    if (trialIds.length === 0) return;
    await this.#run(async () => {
      await this.#direct.executeQuery(RECORD_HEARTBEATS([[...trialIds]]));
    });
  }

  async failStaleTrials(studyId: number, options: { graceMs: number } & RetryPolicy): Promise<FailedTrialReport[]> {
    const stale = await this.#run(async () => {
      // Database time on both sides of the comparison: workers' clocks may disagree.
      const rows = await sql<{ trial_id: number; number: number; age: number; worker_id: string | null }>`
        SELECT t.trial_id, t.number, t.worker_id,
               COALESCE(EXTRACT(EPOCH FROM now() - h.heartbeat_at), 0)::float8 AS age
          FROM hpo_trials t LEFT JOIN hpo_trial_heartbeats h ON h.trial_id = t.trial_id
         WHERE t.study_id = ${studyId} AND t.state = 'RUNNING'
           AND (h.heartbeat_at IS NULL OR h.heartbeat_at <= now() - make_interval(secs => ${options.graceMs / 1000}))
         ORDER BY t.number`.execute(this.#db);
      return rows.rows;
    });
    const reports: FailedTrialReport[] = [];
    for (const row of stale) {
      const reason = staleReason(options.graceMs, Number(row.age), row.worker_id);
      const report = await this.#run(() =>
        this.#durableTx(async (tx) => {
          // Re-check under the row lock: the trial may have finished or been failed meanwhile.
          const locked = await tx
            .selectFrom("hpo_trials")
            .select(["trial_id", "number", "state"])
            .where("trial_id", "=", Number(row.trial_id))
            .where("state", "=", "RUNNING")
            .forUpdate()
            .skipLocked()
            .executeTakeFirst();
          if (!locked) return null;
          // Failed as any trial fails (the same patch, so the same events), then retried.
          const failed = await patchTrial(tx, Number(row.trial_id), failurePatch(reason));
          if (failed?.state !== "RUNNING") return null;
          const { failed: number, retry } = await retryInTx(tx, studyId, Number(row.trial_id), options.maxRetries);
          return { failed: number, retry, reason };
        }),
      );
      if (report) reports.push(report);
    }
    return reports;
  }

  async retryFailedTrials(studyId: number, options: { reasons: readonly string[] } & RetryPolicy): Promise<FailedTrialReport[]> {
    if (options.reasons.length === 0) return [];
    const candidates = await this.#run(async () => {
      const rows = await sql<{ trial_id: number }>`
        SELECT t.trial_id FROM hpo_trials t JOIN hpo_trial_attrs a ON a.trial_id = t.trial_id AND a.kind = 'system' AND a.key = 'fail_reason'
         WHERE t.study_id = ${studyId} AND t.state = 'FAIL' AND t.retried_by IS NULL
           AND a.value_json IN (${sql.join(options.reasons.map((r) => sql`${JSON.stringify(r)}`))})
         ORDER BY t.number`.execute(this.#db);
      return rows.rows.map((r) => Number(r.trial_id));
    });
    const reports: FailedTrialReport[] = [];
    for (const trialId of candidates) {
      const report = await this.#run(() =>
        this.#durableTx(async (tx) => {
          const locked = await tx
            .selectFrom("hpo_trials")
            .select("trial_id")
            .where("trial_id", "=", trialId)
            .where("retried_by", "is", null)
            .forUpdate()
            .skipLocked()
            .executeTakeFirst();
          if (!locked) return null;
          const { failed, retry, trial } = await retryInTx(tx, studyId, trialId, options.maxRetries);
          return { failed, retry, reason: String(trial.systemAttrs.fail_reason ?? "") };
        }),
      );
      if (report) reports.push(report);
    }
    return reports;
  }

  async saveCheckpoint(trialId: number, format: "bytes" | "json", data: Uint8Array): Promise<void> {
    // Durable: a checkpoint is what a retried trial resumes from after a crash.
    await this.#run(() =>
      this.#durableTx(async (tx) => {
        await tx
          .insertInto("hpo_checkpoints")
          .values({ trial_id: trialId, format, data })
          .onConflict((oc) => oc.column("trial_id").doUpdateSet({ format, data, updated_at: new Date() }))
          .execute();
      }),
    );
  }

  async loadCheckpoint(trialId: number): Promise<StoredCheckpoint | null> {
    return this.#run(async () => {
      const row = await this.#db.selectFrom("hpo_checkpoints").selectAll().where("trial_id", "=", trialId).executeTakeFirst();
      if (!row) return null;
      return { format: row.format as "bytes" | "json", data: new Uint8Array(row.data), updatedAt: new Date(row.updated_at) };
    });
  }

  async getTrial(trialId: number): Promise<FrozenTrial | null> {
    return this.#run(() => readTrial(this.#direct, trialId));
  }

  async getTrials(studyId: number, options: { states?: readonly TrialState[]; changedSince?: number; excludeTrialIds?: readonly number[] } = {}): Promise<TrialsChanged> {
    const since = options.changedSince ?? -1;
    const states = options.states;
    const excluded = options.excludeTrialIds ?? [];
    return this.#run(async () => {
      const changed = await readChangedTrials(this.#direct, studyId, since, states, excluded);
      if (!changed) throw new StorageError(`study ${studyId} no longer exists`);
      return changed;
    });
  }

  async headSeq(studyId: number): Promise<number> {
    return this.#run(async () => {
      const row = (await this.#direct.executeQuery<{ last_event_seq: number | string }>(HEAD_SEQ([studyId]))).rows[0];
      if (!row) throw new StorageError(`study ${studyId} no longer exists`);
      return Number(row.last_event_seq);
    });
  }

  async readEvents(studyId: number, afterSeq: number, limit = 10_000): Promise<StudyEvent[]> {
    return this.#run(() => readStudyEvents(this.#db, studyId, afterSeq, limit));
  }

  async watchEvents(listener: EventsListener): Promise<() => Promise<void>> {
    return this.#options.listen((payload) => {
      const [study, seq] = payload.split(":");
      listener(Number(study), Number(seq));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await this.#db.destroy();
    await this.#options.onClose?.();
  }

  /** A transaction whose commit waits for the WAL to reach disk (studies, final states, retries, checkpoints). */
  #durableTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(async (tx) => {
      await sql`SET LOCAL synchronous_commit TO ON`.execute(tx);
      return fn(tx);
    });
  }

  /** Runs `fn` now, or after the previous operation when the engine has one connection. */
  #run<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StorageError(`storage ${this.location} is closed`));
    if (!this.#options.serialize) return this.#withReconnect(fn).catch(rethrowRaised);
    const run = () => fn(0);
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next.catch(rethrowRaised);
  }

  /** Retries an operation that failed on a lost connection, until `reconnectTimeoutMs` (operations are safe to repeat, see updateTrial). */
  #withReconnect<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return retryWhileConnectionLost(fn, {
      timeoutMs: this.#options.reconnectTimeoutMs ?? 120_000,
      stopped: () => this.#closed,
      onLoss: (e, attempt) => {
        this.#failedOnConnection++;
        if (attempt === 0) this.#options.onReconnecting?.(e);
      },
    });
  }
}
