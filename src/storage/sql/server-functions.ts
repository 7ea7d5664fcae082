import { type Kysely, sql } from "kysely";
import type { AttrValue } from "../../vocabulary/frozen-trial.ts";
import { encodeJson } from "../json-codec.ts";
import type { NewTrial, ParamWrite, TrialPatch } from "../storage.ts";
import { patchEvents, trialCreatedEvent, trialRetriedEvent, trialStartedEvent, type EventDraft } from "../storage-protocol.ts";
import type { Database } from "./database-schema.ts";

/**
 * Typed callers of hpo's server functions (migrations/0006): each takes named fields, builds
 * the events it appends from storage-protocol.ts, and calls its function with PostgreSQL's
 * named notation, so an argument can neither shift nor be left out unseen.
 */

/** A connection or a transaction. */
type Executor = Kysely<Database>;

/** Where hpo_insert_trial put a trial. */
export interface InsertedTrial {
  readonly trialId: number;
  readonly number: number;
  /** When it started: null for a WAITING trial. */
  readonly startedAt: Date | null;
}

/** Inserts a trial with the study's next number (hpo_insert_trial); null when `maxTrials` trials already count against the budget. */
export async function insertTrial(db: Executor, studyId: number, trial: NewTrial, maxTrials?: number): Promise<InsertedTrial | null> {
  const params = paramArrays(trial.params ?? []);
  const attrs = attrArrays(trial.userAttrs, trial.systemAttrs);
  const result = await sql<{ out_trial_id: number | string | null; out_number: number; out_started_at: Date | string | null }>`
    SELECT * FROM hpo_insert_trial(
      p_study => ${studyId}::integer, p_state => ${trial.state}::text, p_worker => ${trial.workerId ?? null}::text, p_max_trials => ${maxTrials ?? null}::integer,
      p_param_names => ${params.names}::text[], p_param_values => ${params.values}::float8[], p_param_distributions => ${params.distributions}::text[],
      p_attr_kinds => ${attrs.kinds}::text[], p_attr_keys => ${attrs.keys}::text[], p_attr_values => ${attrs.values}::text[],
      p_created_payload => ${payloadOf(trialCreatedEvent(trial))}::text)`.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  return { trialId: Number(row.out_trial_id), number: row.out_number, startedAt: toDate(row.out_started_at) };
}

/** What hpo_claim_or_create_trial did: claimed a WAITING trial, or created a RUNNING one. */
export interface ClaimedTrial extends InsertedTrial {
  readonly claimed: boolean;
}

/**
 * Claims the oldest WAITING trial for `workerId`, else creates a RUNNING one while the budget
 * allows (hpo_claim_or_create_trial), committed durably: a trial a worker was handed must
 * survive a server crash, or the worker would run (and write to) a row that recovery rolled
 * back, whose id and number may be handed out again.
 */
export async function claimOrCreateTrial(db: Executor, studyId: number, workerId: string, maxTrials?: number): Promise<ClaimedTrial | null> {
  const result = await sql<{ out_trial_id: number | string; out_number: number; out_claimed: boolean; out_started_at: Date | string }>`
    WITH durable AS (SELECT set_config('synchronous_commit', 'on', true))
    SELECT c.* FROM durable, hpo_claim_or_create_trial(
      p_study => ${studyId}::integer, p_worker => ${workerId}::text, p_max_trials => ${maxTrials ?? null}::integer,
      p_started_payload => ${payloadOf(trialStartedEvent(workerId))}::text,
      p_created_payload => ${payloadOf(trialCreatedEvent({ state: "RUNNING", workerId }))}::text) c`.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  return { trialId: Number(row.out_trial_id), number: row.out_number, startedAt: toDate(row.out_started_at), claimed: row.out_claimed };
}

/** What hpo_patch_trial found: the trial's number and its state before the patch (anything but RUNNING: nothing changed). */
export interface PatchOutcome {
  readonly number: number;
  readonly state: string;
  /** A param the patch would give a second value or distribution (then nothing changed). */
  readonly paramConflict: string | null;
}

/** Applies a patch to a RUNNING trial and appends its events in one statement (hpo_patch_trial); null when the trial does not exist. */
export async function patchTrial(db: Executor, trialId: number, patch: TrialPatch): Promise<PatchOutcome | null> {
  const params = paramArrays(patch.params ?? []);
  const reports = patch.intermediateValues ?? [];
  const metrics = patch.metrics ?? [];
  const attrs = attrArrays(patch.userAttrs, patch.systemAttrs);
  const events = patchEvents(patch);
  const result = await sql<{ out_number: number; out_state: string; out_param_conflict: string | null }>`
    SELECT * FROM hpo_patch_trial(
      p_trial => ${trialId}::bigint,
      p_param_names => ${params.names}::text[], p_param_values => ${params.values}::float8[], p_param_distributions => ${params.distributions}::text[],
      p_steps => ${reports.map((r) => r.step)}::integer[], p_step_values => ${reports.map((r) => r.value)}::float8[],
      p_metric_steps => ${metrics.map((m) => m.step)}::integer[], p_metric_names => ${metrics.map((m) => m.name)}::text[], p_metric_values => ${metrics.map((m) => m.value)}::float8[],
      p_attr_kinds => ${attrs.kinds}::text[], p_attr_keys => ${attrs.keys}::text[], p_attr_values => ${attrs.values}::text[],
      p_finish_state => ${patch.finish?.state ?? null}::text, p_values => ${[...(patch.finish?.values ?? [])]}::float8[],
      p_event_types => ${events.map((e) => e.type)}::text[], p_event_payloads => ${events.map(payloadOf)}::text[])`.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  return { number: row.out_number, state: row.out_state, paramConflict: row.out_param_conflict };
}

/** Links a failed trial to its retry, inserted in the same transaction (hpo_mark_retried), and appends trial_retried. */
export async function markRetried(db: Executor, failedTrialId: number, retry: number, retryCount: AttrValue): Promise<void> {
  await sql`SELECT hpo_mark_retried(
      p_failed => ${failedTrialId}::bigint, p_retry => ${retry}::integer,
      p_retried_payload => ${payloadOf(trialRetriedEvent(retry, retryCount))}::text)`.execute(db);
}

/** Appends study-level events (hpo_append_events); returns the last seq. */
export async function appendStudyEvents(db: Executor, studyId: number, events: readonly EventDraft[]): Promise<number> {
  const result = await sql<{ seq: number | string }>`SELECT hpo_append_events(
      p_study => ${studyId}::integer, p_trial => ${null}::bigint,
      p_events => ${events.map(payloadOf)}::text[], p_types => ${events.map((e) => e.type)}::text[],
      p_numbers => ${events.map(() => null)}::integer[]) AS seq`.execute(db);
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
