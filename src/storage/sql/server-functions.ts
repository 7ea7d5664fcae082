import type { AttrValue, FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import { buildFrozenTrial } from "../build-frozen-trial.ts";
import { encodeJson } from "../json-codec.ts";
import type { NewTrial, ParamWrite, TrialPatch } from "../storage.ts";
import { paramConflictError, patchEvents, trialCreatedEvent, trialRetriedEvent, trialStartedEvent, type EventDraft } from "../storage-protocol.ts";
import { StorageError, TrialNotRunningError } from "../storage-errors.ts";
import { serverCall, type SqlArgumentTypes, type SqlExecutor } from "./server-call.ts";

/**
 * Typed callers of hpo's server functions (migrations/0006): each takes named fields, builds
 * the events it appends from storage-protocol.ts, and calls its function with PostgreSQL's
 * named notation (server-call.ts), so an argument can neither shift nor be left out unseen.
 */

/** A connection or a transaction. */
type Executor = SqlExecutor;

/** Where hpo_insert_trial put a trial. */
export interface InsertedTrial {
  readonly trialId: number;
  readonly number: number;
  /** When it started: null for a WAITING trial. */
  readonly startedAt: Date | null;
}

const TRIAL_ARGS = {
  p_param_names: "text[]",
  p_param_values: "float8[]",
  p_param_distributions: "text[]",
  p_attr_kinds: "text[]",
  p_attr_keys: "text[]",
  p_attr_values: "text[]",
} as const;

/**
 * A CTE that makes its statement's transaction commit durably whatever the session's setting
 * (hpo's sessions on a server commit asynchronously): a statement that hands a trial to its
 * caller selects FROM it, since the caller holds on to the trial's id.
 */
export const DURABLE_CTE = "durable AS (SELECT set_config('synchronous_commit', 'on', true))";

const INSERT_TRIAL = serverCall(
  "hpo_insert_trial",
  { p_study: "integer", p_state: "text", p_worker: "text", p_max_trials: "integer", ...TRIAL_ARGS, p_created_payload: "text" },
  (call) => `WITH ${DURABLE_CTE} SELECT i.* FROM durable, ${call} i`,
);

/** Inserts a trial with the study's next number (hpo_insert_trial), durably; null when `maxTrials` trials already count against the budget. */
export async function insertTrial(db: Executor, studyId: number, trial: NewTrial, maxTrials?: number): Promise<InsertedTrial | null> {
  const params = paramArrays(trial.params ?? []);
  const attrs = attrArrays(trial.userAttrs, trial.systemAttrs);
  const result = await db.executeQuery<{ out_trial_id: number | string | null; out_number: number; out_started_at: Date | string | null }>(
    INSERT_TRIAL({
      p_study: studyId,
      p_state: trial.state,
      p_worker: trial.workerId ?? null,
      p_max_trials: maxTrials ?? null,
      p_param_names: params.names,
      p_param_values: params.values,
      p_param_distributions: params.distributions,
      p_attr_kinds: attrs.kinds,
      p_attr_keys: attrs.keys,
      p_attr_values: attrs.values,
      p_created_payload: payloadOf(trialCreatedEvent(trial)),
    }),
  );
  const row = result.rows[0];
  if (!row) return null;
  return { trialId: Number(row.out_trial_id), number: row.out_number, startedAt: toDate(row.out_started_at) };
}

/** The trial an insert (or a claim that created one) just made, as its caller described it: nothing reported yet. */
export function insertedTrialSnapshot(row: InsertedTrial, trial: NewTrial): FrozenTrial {
  return buildFrozenTrial({
    trialId: row.trialId,
    number: row.number,
    state: trial.state,
    params: (trial.params ?? []).map((p) => ({ name: p.name, internal: p.internal, distribution: p.distribution })),
    values: null,
    intermediate: [],
    userAttrs: { ...trial.userAttrs },
    systemAttrs: { ...trial.systemAttrs },
    datetimeStart: row.startedAt,
    datetimeComplete: null,
    workerId: trial.state === "RUNNING" ? (trial.workerId ?? null) : null,
  });
}

/** What hpo_claim_or_create_trial did: claimed a WAITING trial, or created a RUNNING one. */
export interface ClaimedTrial extends InsertedTrial {
  readonly claimed: boolean;
}

const CLAIM_OR_CREATE = serverCall(
  "hpo_claim_or_create_trial",
  { p_study: "integer", p_worker: "text", p_max_trials: "integer", p_started_payload: "text", p_created_payload: "text" },
  (call) => `WITH ${DURABLE_CTE} SELECT c.* FROM durable, ${call} c`,
);

/**
 * Claims the oldest WAITING trial for `workerId`, else creates a RUNNING one while the budget
 * allows (hpo_claim_or_create_trial), committed durably: a trial a worker was handed must
 * survive a server crash, or the worker would run (and write to) a row that recovery rolled
 * back, whose id and number may be handed out again.
 */
export async function claimOrCreateTrial(db: Executor, studyId: number, workerId: string, maxTrials?: number): Promise<ClaimedTrial | null> {
  const result = await db.executeQuery<{ out_trial_id: number | string; out_number: number; out_claimed: boolean; out_started_at: Date | string }>(
    CLAIM_OR_CREATE(claimArguments(studyId, workerId, maxTrials)),
  );
  const row = result.rows[0];
  if (!row) return null;
  return { trialId: Number(row.out_trial_id), number: row.out_number, startedAt: toDate(row.out_started_at), claimed: row.out_claimed };
}

/** hpo_claim_or_create_trial's arguments: `workerId`'s claim, with the events it appends. */
function claimArguments(studyId: number, workerId: string, maxTrials: number | undefined) {
  return {
    p_study: studyId,
    p_worker: workerId,
    p_max_trials: maxTrials ?? null,
    p_started_payload: payloadOf(trialStartedEvent(workerId)),
    p_created_payload: payloadOf(trialCreatedEvent({ state: "RUNNING", workerId })),
  };
}

/** hpo_claim_or_create_trial's arguments after the study, in their order, for a statement that passes them as parameters. */
export function claimParameters(studyId: number, claim: { workerId: string; maxTrials?: number }): unknown[] {
  const args = claimArguments(studyId, claim.workerId, claim.maxTrials);
  return [args.p_worker, args.p_max_trials, args.p_started_payload, args.p_created_payload];
}

/** What hpo_patch_trial found: the trial's number and its state before the patch (anything but RUNNING: nothing changed). */
export interface PatchOutcome {
  readonly number: number;
  readonly state: string;
  /** A param the patch would give a second value or distribution (then nothing changed). */
  readonly paramConflict: string | null;
}

/** hpo_patch_trial's arguments and their types, in order (hpo_finish_trial and hpo_finish_and_claim take the same first). */
export const PATCH_ARGS = {
  p_trial: "bigint",
  p_param_names: "text[]",
  p_param_values: "float8[]",
  p_param_distributions: "text[]",
  p_steps: "integer[]",
  p_step_values: "float8[]",
  p_metric_steps: "integer[]",
  p_metric_names: "text[]",
  p_metric_values: "float8[]",
  p_attr_kinds: "text[]",
  p_attr_keys: "text[]",
  p_attr_values: "text[]",
  p_finish_state: "text",
  p_values: "float8[]",
  p_event_types: "text[]",
  p_event_payloads: "text[]",
} as const;

const PATCH_TRIAL = serverCall("hpo_patch_trial", PATCH_ARGS);

/** Applies a patch to a RUNNING trial and appends its events in one statement (hpo_patch_trial); null when the trial does not exist. */
export async function patchTrial(db: Executor, trialId: number, patch: TrialPatch): Promise<PatchOutcome | null> {
  const result = await db.executeQuery<{ out_number: number; out_state: string; out_param_conflict: string | null }>(PATCH_TRIAL(patchArguments(trialId, patch)));
  const row = result.rows[0];
  if (!row) return null;
  return { number: row.out_number, state: row.out_state, paramConflict: row.out_param_conflict };
}

/** Throws what a patch's outcome says went wrong: no such trial, a trial no longer RUNNING, a param given a second value. */
export function checkPatchOutcome(trialId: number, outcome: PatchOutcome | null): void {
  if (!outcome) throw new StorageError(`trial id ${trialId} does not exist`);
  if (outcome.state !== "RUNNING") throw new TrialNotRunningError(outcome.number, outcome.state);
  if (outcome.paramConflict !== null) throw paramConflictError(outcome.number, outcome.paramConflict);
}

const FINISH_TRIAL = serverCall("hpo_finish_trial", PATCH_ARGS, (call) => `CALL ${call}`);

/**
 * Applies a trial's final patch as {@link patchTrial} does, then makes it durable (the
 * procedure hpo_finish_trial, migrations/0008): two transactions in one round trip, the
 * study lock released before the flush waits for the disk. Outside a transaction only (the
 * procedure commits); null when the trial does not exist.
 */
export async function finishTrial(db: Executor, trialId: number, patch: TrialPatch): Promise<PatchOutcome | null> {
  const result = await db.executeQuery<{ out_found: boolean; out_number: number; out_state: string; out_param_conflict: string | null }>(
    FINISH_TRIAL(patchArguments(trialId, patch)),
  );
  const row = result.rows[0];
  if (!row?.out_found) return null;
  return { number: row.out_number, state: row.out_state, paramConflict: row.out_param_conflict };
}

/** hpo_patch_trial's arguments for `patch`, with the events it appends. */
export function patchArguments(trialId: number, patch: TrialPatch): { readonly [K in keyof typeof PATCH_ARGS]: SqlArgumentTypes[(typeof PATCH_ARGS)[K]] } {
  const params = paramArrays(patch.params ?? []);
  const reports = patch.intermediateValues ?? [];
  const metrics = patch.metrics ?? [];
  const attrs = attrArrays(patch.userAttrs, patch.systemAttrs);
  const events = patchEvents(patch);
  return {
    p_trial: trialId,
    p_param_names: params.names,
    p_param_values: params.values,
    p_param_distributions: params.distributions,
    p_steps: reports.map((r) => r.step),
    p_step_values: reports.map((r) => r.value),
    p_metric_steps: metrics.map((m) => m.step),
    p_metric_names: metrics.map((m) => m.name),
    p_metric_values: metrics.map((m) => m.value),
    p_attr_kinds: attrs.kinds,
    p_attr_keys: attrs.keys,
    p_attr_values: attrs.values,
    p_finish_state: patch.finish?.state ?? null,
    p_values: [...(patch.finish?.values ?? [])],
    p_event_types: events.map((e) => e.type),
    p_event_payloads: events.map(payloadOf),
  };
}

const MARK_RETRIED = serverCall("hpo_mark_retried", { p_failed: "bigint", p_retry: "integer", p_retried_payload: "text" }, (call) => `SELECT ${call}`);

/** Links a failed trial to its retry, inserted in the same transaction (hpo_mark_retried), and appends trial_retried. */
export async function markRetried(db: Executor, failedTrialId: number, retry: number, retryCount: AttrValue): Promise<void> {
  await db.executeQuery(MARK_RETRIED({ p_failed: failedTrialId, p_retry: retry, p_retried_payload: payloadOf(trialRetriedEvent(retry, retryCount)) }));
}

const APPEND_EVENTS = serverCall(
  "hpo_append_events",
  { p_study: "integer", p_trial: "bigint", p_events: "text[]", p_types: "text[]", p_numbers: "integer[]" },
  (call) => `SELECT ${call} AS seq`,
);

/** Appends study-level events (hpo_append_events); returns the last seq. */
export async function appendStudyEvents(db: Executor, studyId: number, events: readonly EventDraft[]): Promise<number> {
  const result = await db.executeQuery<{ seq: number | string }>(
    APPEND_EVENTS({ p_study: studyId, p_trial: null, p_events: events.map(payloadOf), p_types: events.map((e) => e.type), p_numbers: events.map(() => null) }),
  );
  return Number(result.rows[0].seq);
}

function payloadOf(event: EventDraft): string {
  return encodeJson(event.payload);
}

function paramArrays(params: readonly ParamWrite[]): { names: string[]; values: number[]; distributions: string[] } {
  return { names: params.map((p) => p.name), values: params.map((p) => p.internal), distributions: params.map((p) => JSON.stringify(p.distribution)) };
}

function attrArrays(user: Readonly<Record<string, AttrValue>> | undefined, system: Readonly<Record<string, AttrValue>> | undefined): { kinds: string[]; keys: string[]; values: string[] } {
  const out = { kinds: [] as string[], keys: [] as string[], values: [] as string[] };
  for (const [kind, attrs] of [["user", user], ["system", system]] as const) {
    for (const [key, value] of Object.entries(attrs ?? {})) {
      out.kinds.push(kind);
      out.keys.push(key);
      out.values.push(encodeJson(value));
    }
  }
  return out;
}

/** A timestamp as the driver returns it (a Date from node-postgres, a string from some paths). */
export function toDate(v: Date | string | null): Date | null {
  if (v === null) return null;
  return v instanceof Date ? v : new Date(v);
}
