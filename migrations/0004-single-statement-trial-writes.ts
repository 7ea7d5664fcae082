import { type Kysely, sql } from "kysely";

/**
 * The two writes every trial makes many times — claim-or-create and update — as one
 * server-side function each. A client-side transaction held the study row's lock (taken to
 * allocate event sequence numbers) across a round trip to the client for COMMIT; with many
 * worker processes on few cores that round trip waits for the scheduler and every other
 * worker queues behind it. Inside one statement the lock lasts only as long as the server's
 * own work.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Claims the oldest WAITING trial (skipping rows other workers are claiming), else creates
  // a RUNNING one while the study-wide budget allows. No row: the budget is used up.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_claim_or_create_trial(
      p_study integer, p_worker text, p_max_trials integer, p_started_payload text, p_created_payload text,
      OUT out_trial_id bigint, OUT out_number integer, OUT out_claimed boolean, OUT out_started_at timestamptz)
    RETURNS SETOF record LANGUAGE plpgsql AS $$
    DECLARE
      v_now timestamptz := clock_timestamp();
      v_next integer;
      v_seq bigint;
    BEGIN
      SELECT t.trial_id, t.number INTO out_trial_id, out_number
        FROM hpo_trials t
       WHERE t.study_id = p_study AND t.state = 'WAITING'
       ORDER BY t.number LIMIT 1
       FOR UPDATE SKIP LOCKED;
      IF out_trial_id IS NOT NULL THEN
        UPDATE hpo_trials SET state = 'RUNNING', datetime_start = v_now, worker_id = p_worker WHERE trial_id = out_trial_id;
        INSERT INTO hpo_trial_heartbeats (trial_id, heartbeat_at) VALUES (out_trial_id, v_now)
          ON CONFLICT (trial_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at;
        PERFORM hpo_append_events(p_study, out_trial_id, ARRAY[p_started_payload], ARRAY['trial_started'], ARRAY[out_number]);
        out_claimed := true;
        out_started_at := v_now;
        RETURN NEXT;
        RETURN;
      END IF;
      -- Number and event seq come from the study row, under its lock: dense numbers,
      -- events in commit order.
      UPDATE hpo_studies s
         SET next_trial_number = s.next_trial_number + 1, last_event_seq = s.last_event_seq + 1
       WHERE s.study_id = p_study AND (p_max_trials IS NULL OR s.next_trial_number - s.retried_trials < p_max_trials)
      RETURNING s.next_trial_number, s.last_event_seq INTO v_next, v_seq;
      IF v_next IS NULL THEN
        IF NOT EXISTS (SELECT 1 FROM hpo_studies WHERE study_id = p_study) THEN
          RAISE EXCEPTION 'study % no longer exists', p_study USING ERRCODE = 'no_data_found';
        END IF;
        RETURN;
      END IF;
      out_number := v_next - 1;
      INSERT INTO hpo_trials (study_id, number, state, datetime_start, worker_id, version)
        VALUES (p_study, out_number, 'RUNNING', v_now, p_worker, v_seq)
        RETURNING trial_id INTO out_trial_id;
      INSERT INTO hpo_trial_heartbeats (trial_id, heartbeat_at) VALUES (out_trial_id, v_now);
      INSERT INTO hpo_events (study_id, seq, type, trial_number, payload_json)
        VALUES (p_study, v_seq, 'trial_created', out_number, p_created_payload);
      PERFORM pg_notify('hpo_events', p_study::text || ':' || v_seq::text);
      out_claimed := false;
      out_started_at := v_now;
      RETURN NEXT;
    END $$`.execute(db);

  // Applies a patch to a RUNNING trial and appends its events. Returns the trial's number and
  // its state before the call: anything but RUNNING means nothing was changed; no row means
  // the trial does not exist.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_update_trial(
      p_trial bigint,
      p_param_names text[], p_param_values float8[], p_param_distributions text[],
      p_steps integer[], p_step_values float8[],
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

  // Makes everything committed so far durable: a write committed with synchronous_commit on
  // flushes the WAL through every earlier (asynchronous) commit. Run after a trial's final
  // write, outside the study lock, so concurrent workers share the flushes.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_flush_trial(p_trial bigint) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM set_config('synchronous_commit', 'on', true);
      UPDATE hpo_trials SET datetime_complete = datetime_complete WHERE trial_id = p_trial;
    END $$`.execute(db);
}
