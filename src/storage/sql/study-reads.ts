import { type Kysely, sql } from "kysely";
import type { AttrValue } from "../../vocabulary/frozen-trial.ts";
import type { StudyDirection } from "../../vocabulary/study-direction.ts";
import type { TrialState } from "../../vocabulary/trial-state.ts";
import { decodeJson } from "../json-codec.ts";
import type { StudyRecord, StudySummary, TrialCounts } from "../storage.ts";
import type { StudyEvent, StudyEventType } from "../study-event.ts";
import { emptyStateCounts } from "../storage-protocol.ts";
import type { Database } from "./database-schema.ts";

// Study-level reads of the SQL storage: plain queries, no locks, safe to repeat.

type Db = Kysely<Database>;

/** A study by name with its attrs, or null. */
export async function readStudy(db: Db, studyName: string): Promise<StudyRecord | null> {
  const row = await db.selectFrom("hpo_studies").selectAll().where("study_name", "=", studyName).executeTakeFirst();
  if (!row) return null;
  const attrs = await db.selectFrom("hpo_study_attrs").selectAll().where("study_id", "=", row.study_id).execute();
  return toStudyRecord(row, attrs);
}

/** Every study with its trial counts by state and best first-objective value. */
export async function readStudySummaries(db: Db): Promise<StudySummary[]> {
  const studies = await db.selectFrom("hpo_studies").selectAll().orderBy("study_id").execute();
  const attrs = await db.selectFrom("hpo_study_attrs").selectAll().execute();
  const counts = await db
    .selectFrom("hpo_trials")
    .select(["study_id", "state", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy(["study_id", "state"])
    .execute();
  const best = await db
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
    const c = emptyStateCounts();
    for (const row of counts) if (row.study_id === s.study_id) c[row.state as TrialState] = Number(row.n);
    const b = best.find((r) => r.study_id === s.study_id);
    const bestValue = b ? parseFloat(record.directions[0] === "maximize" ? b.hi : b.lo) : null;
    return { ...record, counts: c, bestValue, lastEventSeq: Number(s.last_event_seq) };
  });
}

/** A study's trials counted by state, and how many FAIL trials were retried. */
export async function readTrialCounts(db: Db, studyId: number): Promise<TrialCounts> {
  const rows = await db
    .selectFrom("hpo_trials")
    .select(["state", (eb) => eb.fn.countAll<number>().as("n"), (eb) => eb.fn.count<number>("retried_by").as("retried")])
    .where("study_id", "=", studyId)
    .groupBy("state")
    .execute();
  const byState = emptyStateCounts();
  let retriedFails = 0;
  for (const r of rows) {
    byState[r.state as TrialState] = Number(r.n);
    if (r.state === "FAIL") retriedFails = Number(r.retried);
  }
  return { byState, retriedFails };
}

/** A study's events after `afterSeq`, in seq order, at most `limit`. */
export async function readStudyEvents(db: Db, studyId: number, afterSeq: number, limit: number): Promise<StudyEvent[]> {
  const rows = await db
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
}

/** A study row and its attr rows as a StudyRecord. */
export function toStudyRecord(
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
