import { type Kysely, sql } from "kysely";

/**
 * A finished trial's data, aggregated once. Every worker reads every trial of its study (its
 * sampler and pruner learn from them), so with W workers a trial's params, values, reports,
 * metrics and attrs were aggregated W times, by the most frequent statement of a study on a
 * server. A finished trial never changes: hpo_flush_trial, which a trial's final write runs
 * anyway (its synchronous commit makes the trial durable), now also stores the aggregate in
 * hpo_trials.data_json, and readers take it from there. hpo_trial_data is the one definition
 * of the aggregate, for running trials and for those finished without it (older processes,
 * embedded storage, stale trials).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("hpo_trials").addColumn("data_json", "text").execute();

  // [params, values, reports, metrics, attrs] as JSON text; doubles as text so NaN and
  // ±Infinity survive (JSON cannot carry them), attr values as hpo's JSON text.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_trial_data(p_trial bigint) RETURNS text LANGUAGE sql STABLE AS $$
      SELECT json_build_array(
        (SELECT json_agg(json_build_array(p.param_name, p.param_value::text, p.distribution_json::json) ORDER BY p.position)
           FROM hpo_trial_params p WHERE p.trial_id = p_trial),
        (SELECT json_agg(v.value::text ORDER BY v.objective)
           FROM hpo_trial_values v WHERE v.trial_id = p_trial),
        (SELECT json_agg(json_build_array(i.step, i.value::text) ORDER BY i.step)
           FROM hpo_trial_intermediate_values i WHERE i.trial_id = p_trial),
        (SELECT json_agg(json_build_array(m.step, m.name, m.value::text) ORDER BY m.step)
           FROM hpo_trial_metrics m WHERE m.trial_id = p_trial),
        (SELECT json_agg(json_build_array(a.kind, a.key, a.value_json))
           FROM hpo_trial_attrs a WHERE a.trial_id = p_trial))::text
    $$`.execute(db);

  // Makes everything committed so far durable (a write committed with synchronous_commit on
  // flushes the WAL through every earlier, asynchronous, commit), and, the trial being
  // finished, stores its data whole. Run after a trial's final write, outside the study
  // lock, so concurrent workers share the flushes.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_flush_trial(p_trial bigint) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM set_config('synchronous_commit', 'on', true);
      UPDATE hpo_trials SET data_json = CASE WHEN state <> 'RUNNING' THEN hpo_trial_data(p_trial) END WHERE trial_id = p_trial;
    END $$`.execute(db);
}
