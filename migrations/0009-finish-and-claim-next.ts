import { type Kysely, sql } from "kysely";

/**
 * A worker's finish and its next claim in one transaction. A worker that goes straight on to
 * its next trial sent the final patch with a flush (hpo_finish_trial: two transactions, one
 * waiting for the disk), then the claim of the next trial (a third, waiting for the disk
 * again). Here the patch and the claim commit together: the claim's synchronous commit makes
 * the patch durable too, so a trial costs one transaction and one wait for the disk instead
 * of three and two. The study lock taken by the patch's events is then held through that
 * wait, as the claim's always was.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // hpo_patch_trial's arguments and outcome, then hpo_claim_or_create_trial's; the claim runs
  // only when the patch applied (the trial was RUNNING and no param conflicted), so a refused
  // finish leaves no claimed trial behind. The caller commits durably.
  await sql`
    CREATE OR REPLACE FUNCTION hpo_finish_and_claim(
      p_trial bigint,
      p_param_names text[], p_param_values float8[], p_param_distributions text[],
      p_steps integer[], p_step_values float8[],
      p_metric_steps integer[], p_metric_names text[], p_metric_values float8[],
      p_attr_kinds text[], p_attr_keys text[], p_attr_values text[],
      p_finish_state text, p_values float8[],
      p_event_types text[], p_event_payloads text[],
      p_study integer, p_worker text, p_max_trials integer, p_started_payload text, p_created_payload text,
      OUT out_found boolean, OUT out_number integer, OUT out_state text, OUT out_param_conflict text,
      OUT out_next_trial_id bigint, OUT out_next_number integer, OUT out_next_claimed boolean,
      OUT out_next_started_at timestamptz)
    RETURNS record LANGUAGE plpgsql AS $$
    BEGIN
      SELECT true, p.out_number, p.out_state, p.out_param_conflict INTO out_found, out_number, out_state, out_param_conflict
        FROM hpo_patch_trial(
          p_trial => p_trial,
          p_param_names => p_param_names, p_param_values => p_param_values, p_param_distributions => p_param_distributions,
          p_steps => p_steps, p_step_values => p_step_values,
          p_metric_steps => p_metric_steps, p_metric_names => p_metric_names, p_metric_values => p_metric_values,
          p_attr_kinds => p_attr_kinds, p_attr_keys => p_attr_keys, p_attr_values => p_attr_values,
          p_finish_state => p_finish_state, p_values => p_values,
          p_event_types => p_event_types, p_event_payloads => p_event_payloads) p;
      out_found := coalesce(out_found, false);
      IF out_found AND out_state = 'RUNNING' AND out_param_conflict IS NULL THEN
        SELECT c.out_trial_id, c.out_number, c.out_claimed, c.out_started_at
          INTO out_next_trial_id, out_next_number, out_next_claimed, out_next_started_at
          FROM hpo_claim_or_create_trial(
            p_study => p_study, p_worker => p_worker, p_max_trials => p_max_trials,
            p_started_payload => p_started_payload, p_created_payload => p_created_payload) c;
      END IF;
    END $$`.execute(db);
}
