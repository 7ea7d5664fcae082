import type { Kysely } from "kysely";
import type { Distribution } from "../../vocabulary/distribution.ts";
import type { AttrValue, FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import type { TrialState } from "../../vocabulary/trial-state.ts";
import { buildFrozenTrial } from "../build-frozen-trial.ts";
import { decodeJson } from "../json-codec.ts";
import type { TrialsChanged } from "../storage.ts";
import type { Database } from "./database-schema.ts";
import { preparedStatement } from "./server-call.ts";
import { toDate } from "./server-functions.ts";

/**
 * Reading trials whole: one statement per read (so a read of changes and the version it
 * brings the reader to come from one snapshot), each trial's params, values, reports,
 * metrics and attrs aggregated beside its row, and the statements fixed texts that a
 * PostgreSQL connection plans once (planning this one cost more than running it).
 */

type Executor = Kysely<Database>;

interface TrialRow {
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

// Doubles travel as text so NaN and ±Infinity survive (JSON cannot carry them).
const TRIAL_COLUMNS = `
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

const READ_TRIAL = preparedStatement("hpo_read_trial", `WITH t AS (SELECT * FROM hpo_trials WHERE trial_id = $1::bigint) SELECT ${TRIAL_COLUMNS} FROM t`);

// The study row comes back even when no trial changed: its last seq is the version read.
const READ_CHANGED_TRIALS = preparedStatement(
  "hpo_read_changed_trials",
  `WITH s AS (SELECT last_event_seq FROM hpo_studies WHERE study_id = $1::integer),
        t AS (SELECT * FROM hpo_trials WHERE study_id = $1::integer AND version > $2::bigint AND ($3::text[] IS NULL OR state = ANY($3::text[])))
   SELECT s.last_event_seq AS seq, ${TRIAL_COLUMNS}
   FROM s LEFT JOIN t ON true
   ORDER BY t.number`,
);

/** One trial, or null. */
export async function readTrial(db: Executor, trialId: number): Promise<FrozenTrial | null> {
  const result = await db.executeQuery<TrialRow>(READ_TRIAL([trialId]));
  const row = result.rows[0];
  return row ? rowToTrial(row) : null;
}

/** A study's trials whose version is above `since` (in `states`, when given), by number; null when the study does not exist. */
export async function readChangedTrials(db: Executor, studyId: number, since: number, states: readonly TrialState[] | undefined): Promise<TrialsChanged | null> {
  const result = await db.executeQuery<TrialRow & { seq: number | string }>(READ_CHANGED_TRIALS([studyId, since, states && states.length > 0 ? [...states] : null]));
  if (result.rows.length === 0) return null;
  const trials: FrozenTrial[] = [];
  for (const row of result.rows) if (row.trial_id !== null) trials.push(rowToTrial(row));
  return { trials, version: Number(result.rows[0].seq) };
}

function rowToTrial(row: TrialRow): FrozenTrial {
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
