import { type Kysely, sql } from "kysely";
import { EVENTS_CHANNEL } from "./events-channel.ts";

/**
 * One storage protocol on the server: a trial is inserted in one place (hpo_insert_trial,
 * used by claim-or-create, createTrial and the retry of a failed trial), which allocates its
 * number and its trial_created event's sequence number together; every other write's events
 * get theirs from hpo_append_events. A trial patch that gives a param a second, different
 * value or distribution changes nothing and names the param (hpo_patch_trial) instead of
 * keeping the first silently. Callers use named arguments. The functions of earlier
 * migrations stay for processes still running older code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const channel = sql.lit(EVENTS_CHANNEL);

  // Sequence numbers of a write's events (all but a new trial's trial_created), allocated
  // under the study row's lock, so events commit in sequence order. Stamps the trial's
  // version with the last seq.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_append_events(p_study integer, p_trial bigint, p_events text[], p_types text[], p_numbers integer[])
    RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
      n integer := coalesce(array_length(p_types, 1), 0);
      last_seq bigint;
    BEGIN
      UPDATE hpo_studies SET last_event_seq = last_event_seq + n WHERE study_id = p_study RETURNING last_event_seq INTO last_seq;
      IF last_seq IS NULL THEN
        RAISE EXCEPTION 'study % no longer exists', p_study;
      END IF;
      INSERT INTO hpo_events (study_id, seq, type, trial_number, payload_json)
        SELECT p_study, last_seq - n + i, p_types[i], p_numbers[i], p_events[i] FROM generate_series(1, n) AS i;
      IF p_trial IS NOT NULL THEN
        UPDATE hpo_trials SET version = last_seq WHERE trial_id = p_trial;
      END IF;
      PERFORM pg_notify(${channel}, p_study::text || ':' || last_seq::text);
      RETURN last_seq;
    END $$`.execute(db);

  // The one place a trial is inserted: the study's next number (while the study-wide budget
  // allows, when p_max_trials is given), its params and attrs, a heartbeat when RUNNING
  // (a WAITING trial has no worker), and its trial_created event. The number and the event's
  // seq come from one update of the study row (a second one, through hpo_append_events, made
  // a trial cost 0.58 instead of 0.44 ms of server CPU). No row: the budget is used up.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_insert_trial(
      p_study integer, p_state text, p_worker text, p_max_trials integer,
      p_param_names text[], p_param_values float8[], p_param_distributions text[],
      p_attr_kinds text[], p_attr_keys text[], p_attr_values text[],
      p_created_payload text,
      OUT out_trial_id bigint, OUT out_number integer, OUT out_started_at timestamptz)
    RETURNS SETOF record LANGUAGE plpgsql AS $$
    DECLARE
      v_seq bigint;
    BEGIN
      UPDATE hpo_studies s SET next_trial_number = s.next_trial_number + 1, last_event_seq = s.last_event_seq + 1
       WHERE s.study_id = p_study AND (p_max_trials IS NULL OR s.next_trial_number - s.retried_trials < p_max_trials)
      RETURNING s.next_trial_number - 1, s.last_event_seq INTO out_number, v_seq;
      IF out_number IS NULL THEN
        IF NOT EXISTS (SELECT 1 FROM hpo_studies WHERE study_id = p_study) THEN
          RAISE EXCEPTION 'study % no longer exists', p_study USING ERRCODE = 'no_data_found';
        END IF;
        RETURN;
      END IF;
      IF p_state = 'RUNNING' THEN
        out_started_at := clock_timestamp();
      END IF;
      INSERT INTO hpo_trials (study_id, number, state, datetime_start, worker_id, version)
        VALUES (p_study, out_number, p_state, out_started_at, CASE WHEN p_state = 'RUNNING' THEN p_worker END, v_seq)
        RETURNING trial_id INTO out_trial_id;
      IF coalesce(array_length(p_param_names, 1), 0) > 0 THEN
        INSERT INTO hpo_trial_params (trial_id, param_name, position, param_value, distribution_json)
          SELECT out_trial_id, p_param_names[i], i - 1, p_param_values[i], p_param_distributions[i]
            FROM generate_series(1, array_length(p_param_names, 1)) AS i
          ON CONFLICT (trial_id, param_name) DO NOTHING;
      END IF;
      IF coalesce(array_length(p_attr_keys, 1), 0) > 0 THEN
        INSERT INTO hpo_trial_attrs (trial_id, kind, key, value_json)
          SELECT out_trial_id, p_attr_kinds[i], p_attr_keys[i], p_attr_values[i] FROM generate_series(1, array_length(p_attr_keys, 1)) AS i;
      END IF;
      IF out_started_at IS NOT NULL THEN
        INSERT INTO hpo_trial_heartbeats (trial_id, heartbeat_at) VALUES (out_trial_id, out_started_at);
      END IF;
      INSERT INTO hpo_events (study_id, seq, type, trial_number, payload_json)
        VALUES (p_study, v_seq, 'trial_created', out_number, p_created_payload);
      PERFORM pg_notify(${channel}, p_study::text || ':' || v_seq::text);
      RETURN NEXT;
    END $$`.execute(db);

  // Claims the oldest WAITING trial (skipping rows other workers are claiming), else inserts
  // a RUNNING one while the study-wide budget allows. No row: there is nothing to run.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_claim_or_create_trial(
      p_study integer, p_worker text, p_max_trials integer, p_started_payload text, p_created_payload text,
      OUT out_trial_id bigint, OUT out_number integer, OUT out_claimed boolean, OUT out_started_at timestamptz)
    RETURNS SETOF record LANGUAGE plpgsql AS $$
    BEGIN
      SELECT t.trial_id, t.number INTO out_trial_id, out_number
        FROM hpo_trials t
       WHERE t.study_id = p_study AND t.state = 'WAITING'
       ORDER BY t.number LIMIT 1
       FOR UPDATE SKIP LOCKED;
      IF out_trial_id IS NOT NULL THEN
        out_started_at := clock_timestamp();
        UPDATE hpo_trials SET state = 'RUNNING', datetime_start = out_started_at, worker_id = p_worker WHERE trial_id = out_trial_id;
        INSERT INTO hpo_trial_heartbeats (trial_id, heartbeat_at) VALUES (out_trial_id, out_started_at)
          ON CONFLICT (trial_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at;
        PERFORM hpo_append_events(p_study, out_trial_id, ARRAY[p_started_payload], ARRAY['trial_started'], ARRAY[out_number]);
        out_claimed := true;
        RETURN NEXT;
        RETURN;
      END IF;
      SELECT i.out_trial_id, i.out_number, i.out_started_at INTO out_trial_id, out_number, out_started_at
        FROM hpo_insert_trial(
          p_study => p_study, p_state => 'RUNNING', p_worker => p_worker, p_max_trials => p_max_trials,
          p_param_names => '{}', p_param_values => '{}', p_param_distributions => '{}',
          p_attr_kinds => '{}', p_attr_keys => '{}', p_attr_values => '{}',
          p_created_payload => p_created_payload) i;
      IF out_trial_id IS NULL THEN
        RETURN;
      END IF;
      out_claimed := false;
      RETURN NEXT;
    END $$`.execute(db);

  // Applies a patch to a RUNNING trial and appends its events. Returns the trial's number and
  // its state before the call: anything but RUNNING means nothing was changed; no row means
  // the trial does not exist. A param the trial already has with another value or
  // distribution comes back as out_param_conflict, and nothing is changed either (the same
  // param written again, e.g. re-sent after a lost connection, is taken as is).
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

  // Links a failed trial to its retry (inserted by hpo_insert_trial in the same transaction),
  // counts it against the study-wide budget no more, and appends the trial_retried event.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_mark_retried(p_failed bigint, p_retry integer, p_retried_payload text)
    RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      v_study integer;
      v_number integer;
    BEGIN
      UPDATE hpo_trials SET retried_by = p_retry WHERE trial_id = p_failed RETURNING study_id, number INTO v_study, v_number;
      UPDATE hpo_studies SET retried_trials = retried_trials + 1 WHERE study_id = v_study;
      PERFORM hpo_append_events(v_study, p_failed, ARRAY[p_retried_payload], ARRAY['trial_retried'], ARRAY[v_number]);
    END $$`.execute(db);
}
