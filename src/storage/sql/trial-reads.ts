import type { Distribution } from "../../vocabulary/distribution.ts";
import type { AttrValue, FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import type { TrialState } from "../../vocabulary/trial-state.ts";
import { buildFrozenTrial } from "../build-frozen-trial.ts";
import { decodeJson } from "../json-codec.ts";
import type { TrialChangesQuery, TrialsChanged } from "../storage.ts";
import { preparedStatement, type SqlExecutor } from "./server-call.ts";

/**
 * Reading trials whole: one statement per read (so a read of changes and the version it
 * brings the reader to come from one snapshot), each trial's params, values, reports,
 * metrics and attrs beside its row as one JSON text (hpo_trial_data, stored once a trial is
 * finished: migrations/0007), and the statements fixed texts that a PostgreSQL connection
 * plans once (planning this one cost more than running it).
 */

type Executor = SqlExecutor;

/** A trial's row as TRIAL_COLUMNS select it. */
export interface TrialRow {
  trial_id: number | string | null;
  number: number | null;
  state: string | null;
  /** Milliseconds since the epoch (node-postgres's own timestamp parser cost a tenth of a read's client CPU). */
  start_ms: number | null;
  complete_ms: number | null;
  worker_id: string | null;
  /** [params, values, reports, metrics, attrs] (hpo_trial_data). */
  data: string | null;
}

type TrialData = [
  params: [name: string, internal: string, distribution: Distribution][] | null,
  values: string[] | null,
  reports: [step: number, value: string][] | null,
  metrics: [step: number, name: string, value: string][] | null,
  attrs: [kind: string, key: string, valueJson: string][] | null,
];

/** The columns of a whole trial from `t` (a hpo_trials row), for rowToTrial. */
export const TRIAL_COLUMNS = `t.trial_id, t.number, t.state, t.worker_id,
  (extract(epoch FROM t.datetime_start) * 1000)::float8 AS start_ms, (extract(epoch FROM t.datetime_complete) * 1000)::float8 AS complete_ms,
  COALESCE(t.data_json, hpo_trial_data(t.trial_id)) AS data`;

const READ_TRIAL = preparedStatement("hpo_read_trial", `WITH t AS (SELECT * FROM hpo_trials WHERE trial_id = $1::bigint) SELECT ${TRIAL_COLUMNS} FROM t`);

/**
 * The study row (`s`: its last seq is the version read) and the trials changed since a
 * version (`t`), from the parameters $1 study, $2 version, $3 states or null, $4 trial ids
 * to leave out or null. The trials are found by (study, version) alone, and only then
 * filtered by state (OFFSET 0 keeps the filter out of the scan): given the states, the
 * planner, with statistics from before the study grew, chose the (study, state) index and
 * read every finished trial of the study on every read (8,000 trials: 3.8 ms against 0.2 ms
 * for the ~20 changed ones), which made a study's reads slower the longer it ran.
 */
export const CHANGED_TRIALS_CTES = `s AS (SELECT last_event_seq FROM hpo_studies WHERE study_id = $1::integer),
        t AS (SELECT * FROM (SELECT * FROM hpo_trials WHERE study_id = $1::integer AND version > $2::bigint OFFSET 0) changed
               WHERE ($3::text[] IS NULL OR state = ANY($3::text[])) AND ($4::bigint[] IS NULL OR trial_id <> ALL($4::bigint[])))`;

// The study row comes back even when no trial changed: its last seq is the version read.
const READ_CHANGED_TRIALS = preparedStatement(
  "hpo_read_changed_trials",
  `WITH ${CHANGED_TRIALS_CTES}
   SELECT s.last_event_seq AS seq, ${TRIAL_COLUMNS}
   FROM s LEFT JOIN t ON true
   ORDER BY t.number`,
);

/** The parameters of CHANGED_TRIALS_CTES. */
function changedTrialsParameters(studyId: number, since: number, states: readonly TrialState[] | undefined, excludeTrialIds: readonly number[]): unknown[] {
  return [studyId, since, states && states.length > 0 ? [...states] : null, excludeTrialIds.length > 0 ? [...excludeTrialIds] : null];
}

/** The parameters of CHANGED_TRIALS_CTES for a read of changes. */
export function changesQueryParameters(studyId: number, query: TrialChangesQuery): unknown[] {
  return changedTrialsParameters(studyId, query.changedSince ?? -1, query.states, query.excludeTrialIds ?? []);
}

/** The changes a read of CHANGED_TRIALS_CTES brings (rows with `seq` and TRIAL_COLUMNS); null when the study does not exist. */
export function changedTrialsOf(rows: readonly (TrialRow & { seq: number | string | null })[]): TrialsChanged | null {
  if (rows.length === 0 || rows[0].seq === null) return null;
  const trials: FrozenTrial[] = [];
  for (const row of rows) if (row.trial_id !== null) trials.push(rowToTrial(row));
  return { trials, version: Number(rows[0].seq) };
}

/** One trial, or null. */
export async function readTrial(db: Executor, trialId: number): Promise<FrozenTrial | null> {
  const result = await db.executeQuery<TrialRow>(READ_TRIAL([trialId]));
  const row = result.rows[0];
  return row ? rowToTrial(row) : null;
}

/** A study's trials whose version is above `since` (in `states`, when given), by number; null when the study does not exist. */
export async function readChangedTrials(
  db: Executor,
  studyId: number,
  since: number,
  states: readonly TrialState[] | undefined,
  excludeTrialIds: readonly number[] = [],
): Promise<TrialsChanged | null> {
  const result = await db.executeQuery<TrialRow & { seq: number | string }>(READ_CHANGED_TRIALS(changedTrialsParameters(studyId, since, states, excludeTrialIds)));
  return changedTrialsOf(result.rows);
}

/** A trial from its row (TRIAL_COLUMNS). */
export function rowToTrial(row: TrialRow): FrozenTrial {
  // Doubles travel as text so NaN and ±Infinity survive (JSON cannot carry them).
  const [params, values, reports, metrics, attrs] = JSON.parse(row.data ?? "[null,null,null,null,null]") as TrialData;
  const userAttrs: Record<string, AttrValue> = {};
  const systemAttrs: Record<string, AttrValue> = {};
  for (const [kind, key, json] of attrs ?? []) (kind === "user" ? userAttrs : systemAttrs)[key] = decodeJson<AttrValue>(json);
  return buildFrozenTrial({
    trialId: Number(row.trial_id),
    number: Number(row.number),
    state: row.state as TrialState,
    params: (params ?? []).map(([name, v, distribution]) => ({ name, internal: parseFloat(v), distribution })),
    values: values ? values.map(parseFloat) : null,
    intermediate: (reports ?? []).map(([step, v]) => [step, parseFloat(v)] as const),
    metrics: (metrics ?? []).map(([step, name, v]) => [step, name, parseFloat(v)] as const),
    userAttrs,
    systemAttrs,
    datetimeStart: row.start_ms === null ? null : new Date(row.start_ms),
    datetimeComplete: row.complete_ms === null ? null : new Date(row.complete_ms),
    workerId: row.worker_id,
  });
}
