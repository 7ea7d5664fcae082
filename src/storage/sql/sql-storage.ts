import { type Kysely, type Transaction, sql } from "kysely";
import type { Distribution } from "../../vocabulary/distribution.ts";
import { toExternal } from "../../distributions/distribution-ops.ts";
import type { StudyDirection } from "../../vocabulary/study-direction.ts";
import { buildFrozenTrial } from "../build-frozen-trial.ts";
import type { AttrValue, FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import type { TrialState } from "../../vocabulary/trial-state.ts";
import { decodeJson, encodeJson } from "../json-codec.ts";
import { STUDY_DELETED_SEQ, type EventsListener, type FailedTrialReport, type NewTrial, type RetryPolicy, type Storage, type StoredCheckpoint, type TrialCounts, type StudyRecord, type StudySummary, type TrialPatch, type TrialsChanged } from "../storage.ts";
import { DuplicatedStudyError, StorageError, StudyNotFoundError, TrialNotRunningError } from "../storage-errors.ts";
import type { StudyEvent, StudyEventType } from "../study-event.ts";
import type { Database } from "./database-schema.ts";
import { eventsForPatch, trialCreatedPayload, type PendingEvent } from "../trial-patch-events.ts";
import { planRetry } from "../retry-plan.ts";
import { retryWhileConnectionLost } from "./connection-retry.ts";
import { checkStorableName, storableAttrs, storableNewTrial, storablePatch } from "../storable-data.ts";

type Db = Kysely<Database>;
type Tx = Transaction<Database>;

/** Options of {@link SqlStorage}. */
export interface SqlStorageOptions {
  readonly kind: "pglite" | "postgres";
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
  /** Subscribes to the hpo_events channel; resolves to an unsubscribe function. */
  readonly listen: (onPayload: (payload: string) => void) => Promise<() => Promise<void>>;
}

interface TrialRow {
  seq: number | string;
  trial_id: number | string | null;
  number: number | null;
  state: string | null;
  datetime_start: Date | string | null;
  datetime_complete: Date | string | null;
  params: string | null;
  vals: string | null;
  iv: string | null;
  metrics: string | null;
  attrs: string | null;
  worker_id: string | null;
}

/**
 * The Storage on PostgreSQL, embedded (PGlite) or server: one schema, the same queries.
 * Every change is one transaction that ends by taking the study row's lock to allocate its
 * event sequence numbers, so events commit in sequence order and readers that resume from
 * a sequence number never miss one.
 */
export class SqlStorage implements Storage {
  readonly kind: "pglite" | "postgres";
  readonly location: string;
  readonly #db: Db;
  readonly #options: SqlStorageOptions;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Operations that failed with a connection error (each is retried). */
  #failedOnConnection = 0;

  constructor(db: Db, options: SqlStorageOptions) {
    this.#db = db;
    this.#options = options;
    this.kind = options.kind;
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
          await appendEvents(tx, row.study_id, [{ type: "study_created", trialNumber: null, payload: { studyName, directions: [...directions] } }]);
          return { studyId: row.study_id, studyName, directions: [...directions], userAttrs: {}, systemAttrs: {}, createdAt: new Date(row.created_at) };
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new DuplicatedStudyError(studyName);
        throw e;
      }
    });
  }

  async findStudy(studyName: string): Promise<StudyRecord | null> {
    return this.#run(async () => {
      const row = await this.#db.selectFrom("hpo_studies").selectAll().where("study_name", "=", studyName).executeTakeFirst();
      if (!row) return null;
      const attrs = await this.#db.selectFrom("hpo_study_attrs").selectAll().where("study_id", "=", row.study_id).execute();
      return toStudyRecord(row, attrs);
    });
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
    return this.#run(async () => {
      const studies = await this.#db.selectFrom("hpo_studies").selectAll().orderBy("study_id").execute();
      const attrs = await this.#db.selectFrom("hpo_study_attrs").selectAll().execute();
      const counts = await this.#db
        .selectFrom("hpo_trials")
        .select(["study_id", "state", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy(["study_id", "state"])
        .execute();
      const best = await this.#db
        .selectFrom("hpo_trial_values as v")
        .innerJoin("hpo_trials as t", "t.trial_id", "v.trial_id")
        .where("t.state", "=", "COMPLETE")
        .where("v.objective", "=", 0)
        .where(sql<boolean>`v.value <> 'NaN'::float8`)
        .select(["t.study_id", sql<string>`min(v.value)::text`.as("lo"), sql<string>`max(v.value)::text`.as("hi")])
        .groupBy("t.study_id")
        .execute();
      return studies.map((s) => {
        const record = toStudyRecord(s, attrs.filter((a) => a.study_id === s.study_id));
        const c: Record<TrialState, number> = { WAITING: 0, RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 };
        for (const row of counts) if (row.study_id === s.study_id) c[row.state as TrialState] = Number(row.n);
        const b = best.find((r) => r.study_id === s.study_id);
        const bestValue = b ? parseFloat(record.directions[0] === "maximize" ? b.hi : b.lo) : null;
        return { ...record, counts: c, bestValue, lastEventSeq: Number(s.last_event_seq) };
      });
    });
  }

  async setStudyAttrs(studyId: number, kind: "user" | "system", attrs: Readonly<Record<string, AttrValue>>): Promise<void> {
    const entries = Object.entries(storableAttrs(`study ${kind} attr`, attrs)!);
    if (entries.length === 0) return;
    await this.#run(() =>
      this.#durableTx(async (tx) => {
        await tx
          .insertInto("hpo_study_attrs")
          .values(entries.map(([key, value]) => ({ study_id: studyId, kind, key, value_json: encodeJson(value) })))
          .onConflict((oc) => oc.columns(["study_id", "kind", "key"]).doUpdateSet((eb) => ({ value_json: eb.ref("excluded.value_json") })))
          .execute();
        await appendEvents(
          tx,
          studyId,
          entries.map(([key, value]) => ({ type: "study_attr_set", trialNumber: null, payload: { kind, key, value } })),
        );
      }),
    );
  }

  async createTrial(studyId: number, trial: NewTrial): Promise<FrozenTrial> {
    const checked = storableNewTrial(trial);
    // Durable for the same reason as claimOrCreateTrial: the caller holds on to its id.
    return this.#run(() => this.#durableTx(async (tx) => (await insertTrial(tx, studyId, checked))!));
  }

  async claimWaitingTrial(studyId: number, workerId: string): Promise<FrozenTrial | null> {
    // A budget of 0 trials: the server-side claim-or-create only claims.
    return this.claimOrCreateTrial(studyId, { workerId, maxTrials: 0 });
  }

  async updateTrial(trialId: number, given: TrialPatch): Promise<void> {
    const patch = storablePatch(trialId, given);
    await this.#run(async (attempt) => {
      try {
        await this.#applyPatch(trialId, this.#completed(trialId, patch, attempt));
      } catch (e) {
        // A retry after a lost connection may find the first attempt committed.
        if (!(attempt > 0 && patch.finish && e instanceof TrialNotRunningError && e.state === patch.finish.state)) throw e;
      }
      // On PostgreSQL the patch committed without waiting for the disk (PGlite commits
      // synchronously); a finished trial must be durable
      // before we say so. A synchronous commit of a write to the same trial flushes the WAL
      // through it, without holding the study lock during the flush (so workers'
      // final commits share fsyncs).
      if (patch.finish && this.kind === "postgres") await sql`SELECT hpo_flush_trial(${trialId}::bigint)`.execute(this.#db);
    });
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

  /** One statement (hpo_update_trial): the study lock it takes for events never waits on the client. */
  async #applyPatch(trialId: number, patch: TrialPatch): Promise<void> {
    const params = patch.params ?? [];
    const reports = patch.intermediateValues ?? [];
    const metrics = patch.metrics ?? [];
    const attrs = [
      ...Object.entries(patch.userAttrs ?? {}).map(([key, value]) => ["user", key, encodeJson(value)] as const),
      ...Object.entries(patch.systemAttrs ?? {}).map(([key, value]) => ["system", key, encodeJson(value)] as const),
    ];
    // The number is only needed server-side (events carry it); payloads do not contain it.
    const events = eventsForPatch(-1, patch);
    const result = await sql<{ out_number: number; out_state: string }>`SELECT * FROM hpo_update_trial(
        ${trialId}::bigint,
        ${params.map((p) => p.name)}::text[], ${params.map((p) => p.internal)}::float8[], ${params.map((p) => JSON.stringify(p.distribution))}::text[],
        ${reports.map((r) => r.step)}::integer[], ${reports.map((r) => r.value)}::float8[],
        ${metrics.map((m) => m.step)}::integer[], ${metrics.map((m) => m.name)}::text[], ${metrics.map((m) => m.value)}::float8[],
        ${attrs.map((a) => a[0])}::text[], ${attrs.map((a) => a[1])}::text[], ${attrs.map((a) => a[2])}::text[],
        ${patch.finish?.state ?? null}::text, ${[...(patch.finish?.values ?? [])]}::float8[],
        ${events.map((e) => e.type)}::text[], ${events.map((e) => encodeJson(e.payload))}::text[])`.execute(this.#db);
    const row = result.rows[0];
    if (!row) throw new StorageError(`trial id ${trialId} does not exist`);
    if (row.out_state !== "RUNNING") throw new TrialNotRunningError(row.out_number, row.out_state);
  }

  async claimOrCreateTrial(studyId: number, options: { workerId: string; maxTrials?: number }): Promise<FrozenTrial | null> {
    const row = await this.#run(async () => {
      // Committed durably (synchronous_commit on for this statement's transaction): a trial
      // a worker was handed must survive a server crash, or the worker would run (and write
      // to) a row that recovery rolled back, whose id and number may be handed out again.
      const result = await sql<{ out_trial_id: number; out_number: number; out_claimed: boolean; out_started_at: Date | string }>`
        WITH durable AS (SELECT set_config('synchronous_commit', 'on', true))
        SELECT c.* FROM durable, hpo_claim_or_create_trial(${studyId}::integer, ${options.workerId}::text, ${options.maxTrials ?? null}::integer,
          ${encodeJson({ workerId: options.workerId })}::text, ${encodeJson({ ...CREATED_RUNNING, workerId: options.workerId })}::text) c`.execute(this.#db);
      return result.rows[0] ?? null;
    });
    if (!row) return null;
    // A claimed trial was enqueued with params and attrs: read it whole.
    if (row.out_claimed) return this.getTrial(Number(row.out_trial_id));
    return buildFrozenTrial({
      trialId: Number(row.out_trial_id),
      number: row.out_number,
      state: "RUNNING",
      params: [],
      values: null,
      intermediate: [],
      userAttrs: {},
      systemAttrs: {},
      datetimeStart: toDate(row.out_started_at),
      datetimeComplete: null,
      workerId: options.workerId,
    });
  }

  async countTrials(studyId: number): Promise<TrialCounts> {
    return this.#run(async () => {
      const rows = await this.#db
        .selectFrom("hpo_trials")
        .select(["state", (eb) => eb.fn.countAll<number>().as("n"), (eb) => eb.fn.count<number>("retried_by").as("retried")])
        .where("study_id", "=", studyId)
        .groupBy("state")
        .execute();
      const byState: Record<TrialState, number> = { WAITING: 0, RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 };
      let retriedFails = 0;
      for (const r of rows) {
        byState[r.state as TrialState] = Number(r.n);
        if (r.state === "FAIL") retriedFails = Number(r.retried);
      }
      return { byState, retriedFails };
    });
  }

  async recordHeartbeats(trialIds: readonly number[]): Promise<void> {
    if (trialIds.length === 0) return;
    await this.#run(async () => {
      await sql`UPDATE hpo_trial_heartbeats SET heartbeat_at = now() WHERE trial_id IN (${sql.join(trialIds.map((id) => sql`${id}`))})`.execute(this.#db);
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
      const reason =
        options.graceMs > 0
          ? `stale: no heartbeat for ${Number(row.age).toFixed(1)} s${row.worker_id ? ` (worker ${row.worker_id})` : ""}`
          : `stale: the process running it ended${row.worker_id ? ` (worker ${row.worker_id})` : ""}`;
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
          return failAndRetry(tx, studyId, Number(row.trial_id), reason, options.maxRetries);
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
          return failAndRetry(tx, studyId, trialId, null, options.maxRetries);
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
    return this.#run(async () => {
      const result = await sql<TrialRow>`
        WITH t AS (SELECT * FROM hpo_trials WHERE trial_id = ${trialId})
        SELECT 0 AS seq, ${trialColumns}
        FROM t`.execute(this.#db);
      const row = result.rows[0];
      return row ? rowToTrial(row) : null;
    });
  }

  async getTrials(studyId: number, options: { states?: readonly TrialState[]; changedSince?: number; excludeTrialIds?: readonly number[] } = {}): Promise<TrialsChanged> {
    const since = options.changedSince ?? -1;
    const states = options.states;
    const excluded = options.excludeTrialIds ?? [];
    return this.#run(async () => {
      // One statement, so the version and the rows come from one snapshot.
      const stateFilter = states && states.length > 0 ? sql`AND state IN (${sql.join(states.map((s) => sql`${s}`))})` : sql``;
      const excludeFilter = excluded.length > 0 ? sql`AND trial_id <> ALL(${[...excluded]}::bigint[])` : sql``;
      const result = await sql<TrialRow>`
        WITH s AS (SELECT last_event_seq FROM hpo_studies WHERE study_id = ${studyId}),
             t AS (SELECT * FROM hpo_trials WHERE study_id = ${studyId} AND version > ${since} ${stateFilter} ${excludeFilter})
        SELECT s.last_event_seq AS seq, ${trialColumns}
        FROM s LEFT JOIN t ON true
        ORDER BY t.number`.execute(this.#db);
      if (result.rows.length === 0) throw new StorageError(`study ${studyId} no longer exists`);
      const trials: FrozenTrial[] = [];
      for (const row of result.rows) if (row.trial_id !== null) trials.push(rowToTrial(row));
      return { trials, version: Number(result.rows[0].seq) };
    });
  }

  async readEvents(studyId: number, afterSeq: number, limit = 10_000): Promise<StudyEvent[]> {
    return this.#run(async () => {
      const rows = await this.#db
        .selectFrom("hpo_events")
        .selectAll()
        .where("study_id", "=", studyId)
        .where("seq", ">", afterSeq)
        .orderBy("seq")
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        studyId: r.study_id,
        seq: Number(r.seq),
        type: r.type as StudyEventType,
        trialNumber: r.trial_number,
        payload: decodeJson<Record<string, AttrValue>>(r.payload_json),
        createdAt: new Date(r.created_at),
      }));
    });
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

/** The trial_created payload of a trial created RUNNING with nothing set yet. */
const CREATED_RUNNING = { state: "RUNNING", params: {}, userAttrs: {}, systemAttrs: {} } as const;

const trialColumns = sql`
  t.trial_id, t.number, t.state, t.datetime_start, t.datetime_complete, t.worker_id,
  (SELECT json_agg(json_build_array(p.param_name, p.param_value::text, p.distribution_json) ORDER BY p.position)::text
     FROM hpo_trial_params p WHERE p.trial_id = t.trial_id) AS params,
  (SELECT json_agg(v.value::text ORDER BY v.objective)::text
     FROM hpo_trial_values v WHERE v.trial_id = t.trial_id) AS vals,
  (SELECT json_agg(json_build_array(i.step, i.value::text) ORDER BY i.step)::text
     FROM hpo_trial_intermediate_values i WHERE i.trial_id = t.trial_id) AS iv,
  (SELECT json_agg(json_build_array(m.step, m.name, m.value::text) ORDER BY m.step)::text
     FROM hpo_trial_metrics m WHERE m.trial_id = t.trial_id) AS metrics,
  (SELECT json_agg(json_build_array(a.kind, a.key, a.value_json))::text
     FROM hpo_trial_attrs a WHERE a.trial_id = t.trial_id) AS attrs`;

function rowToTrial(row: TrialRow): FrozenTrial {
  // Doubles travel as text so NaN and ±Infinity survive (JSON cannot carry them).
  const params = row.params
    ? (JSON.parse(row.params) as [string, string, string][]).map(([name, v, d]) => ({
        name,
        internal: parseFloat(v),
        distribution: JSON.parse(d) as Distribution,
      }))
    : [];
  const values = row.vals ? (JSON.parse(row.vals) as string[]).map(parseFloat) : null;
  const intermediate = row.iv ? (JSON.parse(row.iv) as [number, string][]).map(([s, v]) => [s, parseFloat(v)] as const) : [];
  const metrics = row.metrics ? (JSON.parse(row.metrics) as [number, string, string][]).map(([s, n, v]) => [s, n, parseFloat(v)] as const) : [];
  const userAttrs: Record<string, AttrValue> = {};
  const systemAttrs: Record<string, AttrValue> = {};
  if (row.attrs) {
    for (const [kind, key, json] of JSON.parse(row.attrs) as [string, string, string][]) {
      (kind === "user" ? userAttrs : systemAttrs)[key] = decodeJson<AttrValue>(json);
    }
  }
  return buildFrozenTrial({
    trialId: Number(row.trial_id),
    number: Number(row.number),
    state: row.state as TrialState,
    params,
    values,
    intermediate,
    metrics,
    userAttrs,
    systemAttrs,
    datetimeStart: toDate(row.datetime_start),
    datetimeComplete: toDate(row.datetime_complete),
    workerId: row.worker_id,
  });
}

function toDate(v: Date | string | null): Date | null {
  if (v === null) return null;
  return v instanceof Date ? v : new Date(v);
}

function toStudyRecord(
  row: { study_id: number; study_name: string; directions: string; created_at: Date },
  attrs: readonly { kind: string; key: string; value_json: string }[],
): StudyRecord {
  const userAttrs: Record<string, AttrValue> = {};
  const systemAttrs: Record<string, AttrValue> = {};
  for (const a of attrs) (a.kind === "user" ? userAttrs : systemAttrs)[a.key] = decodeJson<AttrValue>(a.value_json);
  return {
    studyId: row.study_id,
    studyName: row.study_name,
    directions: JSON.parse(row.directions) as StudyDirection[],
    userAttrs,
    systemAttrs,
    createdAt: new Date(row.created_at),
  };
}

/** Inserts a trial with the study's next number; the caller's transaction holds the study lock after this. */
async function insertTrial(tx: Tx, studyId: number, trial: NewTrial, maxTrials?: number): Promise<FrozenTrial | null> {
  // Number and event seq come from the study row, under its lock: dense numbers,
  // events in commit order.
  let update = tx
    .updateTable("hpo_studies")
    .set((eb) => ({ next_trial_number: eb("next_trial_number", "+", 1), last_event_seq: eb("last_event_seq", "+", 1) }))
    .where("study_id", "=", studyId);
  if (maxTrials !== undefined) update = update.where(sql<boolean>`next_trial_number - retried_trials < ${maxTrials}`);
  const alloc = await update.returning(["next_trial_number", "last_event_seq", notifyEvents]).executeTakeFirst();
  if (!alloc && maxTrials !== undefined) {
    const exists = await tx.selectFrom("hpo_studies").select("study_id").where("study_id", "=", studyId).executeTakeFirst();
    if (exists) return null;
  }
  if (!alloc) throw new StorageError(`study ${studyId} no longer exists`);
  const number = alloc.next_trial_number - 1;
  const seq = Number(alloc.last_event_seq);
  const now = trial.state === "RUNNING" ? new Date() : null;
  const inserted = await tx
    .insertInto("hpo_trials")
    .values({ study_id: studyId, number, state: trial.state, datetime_start: now, worker_id: trial.workerId ?? null, version: seq })
    .returning("trial_id")
    .executeTakeFirstOrThrow();
  const trialId = Number(inserted.trial_id);
  const params = trial.params ?? [];
  if (params.length > 0) {
    await tx
      .insertInto("hpo_trial_params")
      .values(params.map((p, i) => ({ trial_id: trialId, param_name: p.name, position: i, param_value: p.internal, distribution_json: JSON.stringify(p.distribution) })))
      .execute();
  }
  await upsertAttrs(tx, trialId, "user", trial.userAttrs);
  await upsertAttrs(tx, trialId, "system", trial.systemAttrs);
  if (now) await tx.insertInto("hpo_trial_heartbeats").values({ trial_id: trialId, heartbeat_at: now }).execute();
  const externalParams: Record<string, AttrValue> = {};
  for (const p of params) externalParams[p.name] = toExternal(p.distribution, p.internal);
  await tx
    .insertInto("hpo_events")
    .values({ study_id: studyId, seq, type: "trial_created", trial_number: number, payload_json: encodeJson(trialCreatedPayload(trial, externalParams)) })
    .execute();
  return buildFrozenTrial({
    trialId,
    number,
    state: trial.state,
    params: params.map((p) => ({ name: p.name, internal: p.internal, distribution: p.distribution })),
    values: null,
    intermediate: [],
    userAttrs: { ...trial.userAttrs },
    systemAttrs: { ...trial.systemAttrs },
    datetimeStart: now,
    datetimeComplete: null,
    workerId: trial.state === "RUNNING" ? trial.workerId : null,
  });
}

/**
 * Announces "<studyId>:<lastSeq>" on the hpo_events channel; PostgreSQL delivers it at
 * commit, in commit order, to every listening process (the feed server on any machine).
 */
export const EVENTS_CHANNEL = "hpo_events";
const notifyEvents = sql<string>`pg_notify('hpo_events', study_id::text || ':' || last_event_seq::text)::text`.as("notified");

/**
 * Allocates sequence numbers under the study row's lock, writes the events, announces them
 * and stamps `trialId`'s version — one round trip (hpo_append_events), run last in its
 * transaction so the lock is held only until commit. Returns the last seq.
 */
async function appendEvents(tx: Tx, studyId: number, events: readonly PendingEvent[], trialId: number | null = null): Promise<number> {
  const result = await sql<{ seq: number | string }>`SELECT hpo_append_events(
      ${studyId}::integer, ${trialId}::bigint,
      ${events.map((e) => encodeJson(e.payload))}::text[],
      ${events.map((e) => e.type)}::text[],
      ${events.map((e) => e.trialNumber)}::integer[]) AS seq`.execute(tx);
  return Number(result.rows[0].seq);
}

/** Fails a RUNNING trial (when `reason` is given) and enqueues its retry if the policy allows. */
async function failAndRetry(tx: Tx, studyId: number, trialId: number, reason: string | null, maxRetries: number): Promise<FailedTrialReport> {
  const events: PendingEvent[] = [];
  if (reason !== null) {
    await tx.updateTable("hpo_trials").set({ state: "FAIL", datetime_complete: new Date() }).where("trial_id", "=", trialId).execute();
    await upsertAttrs(tx, trialId, "system", { fail_reason: reason });
    await tx.deleteFrom("hpo_trial_heartbeats").where("trial_id", "=", trialId).execute();
  }
  const result = await sql<TrialRow>`WITH t AS (SELECT * FROM hpo_trials WHERE trial_id = ${trialId}) SELECT 0 AS seq, ${trialColumns} FROM t`.execute(tx);
  const failed = rowToTrial(result.rows[0]);
  if (reason !== null) events.push({ type: "trial_failed", trialNumber: failed.number, payload: { state: "FAIL", values: null, reason } });
  const plan = planRetry(failed, maxRetries);
  let retry: number | null = null;
  if (plan) {
    const created = (await insertTrial(tx, studyId, { state: "WAITING", systemAttrs: plan.systemAttrs }))!;
    retry = created.number;
    await tx.updateTable("hpo_trials").set({ retried_by: retry }).where("trial_id", "=", trialId).execute();
    await tx.updateTable("hpo_studies").set((eb) => ({ retried_trials: eb("retried_trials", "+", 1) })).where("study_id", "=", studyId).execute();
    events.push({ type: "trial_retried", trialNumber: failed.number, payload: { retry, retryCount: plan.systemAttrs.retry_count } });
  }
  if (events.length) await appendEvents(tx, studyId, events, trialId);
  return { failed: failed.number, retry, reason: reason ?? String(failed.systemAttrs.fail_reason ?? "") };
}

/** Writes attrs, replacing values already set under the same keys. */
async function upsertAttrs(tx: Tx, trialId: number, kind: string, attrs: Readonly<Record<string, AttrValue>> | undefined): Promise<void> {
  const entries = Object.entries(attrs ?? {});
  if (entries.length === 0) return;
  await tx
    .insertInto("hpo_trial_attrs")
    .values(entries.map(([key, value]) => ({ trial_id: trialId, kind, key, value_json: encodeJson(value) })))
    .onConflict((oc) => oc.columns(["trial_id", "kind", "key"]).doUpdateSet((eb) => ({ value_json: eb.ref("excluded.value_json") })))
    .execute();
}

/** Errors our SQL functions raise on purpose (RAISE EXCEPTION) become StorageErrors with their message. */
function rethrowRaised(e: unknown): never {
  const code = typeof e === "object" && e !== null ? (e as { code?: string }).code : undefined;
  if (code === "P0001" || code === "P0002") throw new StorageError((e as Error).message);
  throw e;
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "23505";
}
