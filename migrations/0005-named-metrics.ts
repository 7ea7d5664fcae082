import { type Kysely, sql } from "kysely";

/**
 * Named metrics at every step (`trial.report({ val_loss, meteor }, step)`): one row per
 * trial, step and metric. Intermediate values stay what pruners read (the study's watched
 * metric); reports made before this migration are copied in under "value", the name a
 * one-number report has when the study names no metric. `hpo_update_trial` gains the
 * metric arrays; the previous signature stays for processes still running older code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("hpo_trial_metrics")
    .addColumn("trial_id", "bigint", (c) => c.notNull().references("hpo_trials.trial_id").onDelete("cascade"))
    .addColumn("step", "integer", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("value", "double precision", (c) => c.notNull())
    .addPrimaryKeyConstraint("hpo_trial_metrics_pk", ["trial_id", "step", "name"])
    .execute();
  await sql`INSERT INTO hpo_trial_metrics (trial_id, step, name, value) SELECT trial_id, step, 'value', value FROM hpo_trial_intermediate_values`.execute(db);

  await sql`
    CREATE OR REPLACE FUNCTION hpo_update_trial(
      p_trial bigint,
      p_param_names text[], p_param_values float8[], p_param_distributions text[],
      p_steps integer[], p_step_values float8[],
      p_metric_steps integer[], p_metric_names text[], p_metric_values float8[],
      p_attr_kinds text[], p_attr_keys text[], p_attr_values text[],
      p_finish_state text, p_values float8[],
      p_event_types text[], p_event_payloads text[],
      OUT out_number integer, OUT out_state text)
    RETURNS SETOF record LANGUAGE plpgsql AS $$
    DECLARE
      v_study integer;
      v_known integer;
      v_events integer := coalesce(array_length(p_event_types, 1), 0);
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
        UPDATE hpo_trials SET state = p_finish_state, datetime_complete = clock_timestamp() WHERE trial_id = p_trial;
        INSERT INTO hpo_trial_values (trial_id, objective, value)
          SELECT p_trial, i - 1, p_values[i] FROM generate_series(1, coalesce(array_length(p_values, 1), 0)) AS i;
        DELETE FROM hpo_trial_heartbeats WHERE trial_id = p_trial;
      END IF;
      IF v_events > 0 THEN
        PERFORM hpo_append_events(v_study, p_trial, p_event_payloads, p_event_types, array_fill(out_number, ARRAY[v_events]));
      END IF;
      RETURN NEXT;
    END $$`.execute(db);
}
