import { type Kysely, sql } from "kysely";

/**
 * A finished trial's data, aggregated once. Every worker reads every trial of its study (its
 * sampler and pruner learn from them), so with W workers a trial's params, values, reports,
 * metrics and attrs were aggregated W times, by the most frequent statement of a study on a
 * server. A finished trial never changes: the patch that finishes it (hpo_patch_trial) now
 * stores the aggregate in hpo_trials.data_json, and readers take it from there.
 * hpo_trial_data is the one definition of the aggregate, for running trials and for those
 * finished by older processes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("hpo_trials").addColumn("data_json", "text").execute();

  // [params, values, reports, metrics, attrs] as JSON text; doubles as text so NaN and
  // ±Infinity survive (JSON cannot carry them), attr values as hpo's JSON text. PL/pgSQL,
  // which keeps its statement's plan for the session: called from hpo_patch_trial, a SQL
  // function was planned anew on every call (twice the cost of the whole patch).
  await sql`
    CREATE OR REPLACE FUNCTION hpo_trial_data(p_trial bigint) RETURNS text LANGUAGE plpgsql STABLE AS $$
    BEGIN
      RETURN (SELECT json_build_array(
        (SELECT json_agg(json_build_array(p.param_name, p.param_value::text, p.distribution_json::json) ORDER BY p.position)
           FROM hpo_trial_params p WHERE p.trial_id = p_trial),
        (SELECT json_agg(v.value::text ORDER BY v.objective)
           FROM hpo_trial_values v WHERE v.trial_id = p_trial),
        (SELECT json_agg(json_build_array(i.step, i.value::text) ORDER BY i.step)
           FROM hpo_trial_intermediate_values i WHERE i.trial_id = p_trial),
        (SELECT json_agg(json_build_array(m.step, m.name, m.value::text) ORDER BY m.step)
           FROM hpo_trial_metrics m WHERE m.trial_id = p_trial),
        (SELECT json_agg(json_build_array(a.kind, a.key, a.value_json))
           FROM hpo_trial_attrs a WHERE a.trial_id = p_trial))::text);
    END $$`.execute(db);

  // As in 0006, but a finishing patch stores the trial's data (the aggregate, taken before
  // the study lock) with its final state and version in one update of its row, instead of
  // two updates (state, then version), each of which wrote every index of hpo_trials anew.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_patch_trial(
      p_trial bigint,
      p_param_names text[], p_param_values float8[], p_param_distributions text[],
      p_steps integer[], p_step_values float8[],
      p_metric_steps integer[], p_metric_names text[], p_metric_values float8[],
      p_attr_kinds text[], p_attr_keys text[], p_attr_values text[],
      p_finish_state text, p_values float8[],
      p_event_types text[], p_event_payloads text[],
      OUT out_number integer, OUT out_state text, OUT out_param_conflict text)
    RETURNS SETOF record LANGUAGE plpgsql AS $$
    DECLARE
      v_study integer;
      v_known integer := 0;
      v_events integer := coalesce(array_length(p_event_types, 1), 0);
      v_seq bigint;
      v_data text;
    BEGIN
      SELECT t.study_id, t.number, t.state INTO v_study, out_number, out_state
        FROM hpo_trials t WHERE t.trial_id = p_trial FOR UPDATE;
      IF NOT FOUND THEN
        RETURN;
      END IF;
      IF out_state <> 'RUNNING' THEN
        RETURN NEXT;
        RETURN;
      END IF;
      IF coalesce(array_length(p_param_names, 1), 0) > 0 THEN
        SELECT count(*) INTO v_known FROM hpo_trial_params WHERE trial_id = p_trial;
      END IF;
      -- Against the trial's params, and against an earlier entry of the same patch (neither
      -- can conflict when the trial has none and the patch sets one: a trial's usual write).
      IF v_known > 0 OR coalesce(array_length(p_param_names, 1), 0) > 1 THEN
        SELECT n.name INTO out_param_conflict
          FROM unnest(p_param_names, p_param_values, p_param_distributions) WITH ORDINALITY AS n(name, value, distribution, i)
         WHERE EXISTS (SELECT 1 FROM hpo_trial_params p
                        WHERE p.trial_id = p_trial AND p.param_name = n.name
                          AND (p.param_value IS DISTINCT FROM n.value OR p.distribution_json <> n.distribution))
            OR EXISTS (SELECT 1 FROM unnest(p_param_names, p_param_values, p_param_distributions) WITH ORDINALITY AS m(name, value, distribution, j)
                        WHERE m.j < n.i AND m.name = n.name AND (m.value IS DISTINCT FROM n.value OR m.distribution <> n.distribution))
         ORDER BY n.i LIMIT 1;
        IF out_param_conflict IS NOT NULL THEN
          RETURN NEXT;
          RETURN;
        END IF;
      END IF;
      IF coalesce(array_length(p_param_names, 1), 0) > 0 THEN
        INSERT INTO hpo_trial_params (trial_id, param_name, position, param_value, distribution_json)
          SELECT p_trial, p_param_names[i], v_known + i - 1, p_param_values[i], p_param_distributions[i]
            FROM generate_series(1, array_length(p_param_names, 1)) AS i
          ON CONFLICT (trial_id, param_name) DO NOTHING;
      END IF;
      IF coalesce(array_length(p_steps, 1), 0) > 0 THEN
        INSERT INTO hpo_trial_intermediate_values (trial_id, step, value)
          SELECT p_trial, p_steps[i], p_step_values[i] FROM generate_series(1, array_length(p_steps, 1)) AS i
          ON CONFLICT (trial_id, step) DO NOTHING;
      END IF;
      IF coalesce(array_length(p_metric_steps, 1), 0) > 0 THEN
        INSERT INTO hpo_trial_metrics (trial_id, step, name, value)
          SELECT p_trial, p_metric_steps[i], p_metric_names[i], p_metric_values[i] FROM generate_series(1, array_length(p_metric_steps, 1)) AS i
          ON CONFLICT (trial_id, step, name) DO NOTHING;
      END IF;
      IF coalesce(array_length(p_attr_keys, 1), 0) > 0 THEN
        INSERT INTO hpo_trial_attrs (trial_id, kind, key, value_json)
          SELECT p_trial, p_attr_kinds[i], p_attr_keys[i], p_attr_values[i] FROM generate_series(1, array_length(p_attr_keys, 1)) AS i
          ON CONFLICT (trial_id, kind, key) DO UPDATE SET value_json = excluded.value_json;
      END IF;
      IF p_finish_state IS NOT NULL THEN
        INSERT INTO hpo_trial_values (trial_id, objective, value)
          SELECT p_trial, i - 1, p_values[i] FROM generate_series(1, coalesce(array_length(p_values, 1), 0)) AS i;
        DELETE FROM hpo_trial_heartbeats WHERE trial_id = p_trial;
        v_data := hpo_trial_data(p_trial);
      END IF;
      -- The study lock last (hpo_append_events), then one update of the trial's row: its
      -- final state, data and version together.
      IF v_events > 0 THEN
        v_seq := hpo_append_events(v_study, NULL, p_event_payloads, p_event_types, array_fill(out_number, ARRAY[v_events]));
      END IF;
      IF p_finish_state IS NOT NULL THEN
        UPDATE hpo_trials SET state = p_finish_state, datetime_complete = clock_timestamp(), data_json = v_data, version = coalesce(v_seq, version)
         WHERE trial_id = p_trial;
      ELSIF v_seq IS NOT NULL THEN
        UPDATE hpo_trials SET version = v_seq WHERE trial_id = p_trial;
      END IF;
      RETURN NEXT;
    END $$`.execute(db);
}
