import { type Kysely, sql } from "kysely";

/**
 * A trial's final patch and the flush that makes it durable, in one round trip. The patch
 * takes the study row's lock (its events' sequence numbers) and must not hold it while the
 * WAL reaches the disk, or every worker's final commit would wait for the previous one's
 * fsync: so it commits asynchronously, and a second transaction, a synchronous commit of a
 * write to the same trial, flushes the WAL through it (hpo_flush_trial, migration 0004). Two
 * statements did that, one after the other, from the client; a procedure may commit between
 * its statements, so one CALL now runs both transactions on the server.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // hpo_patch_trial's arguments, the same outcome (INOUT with defaults: CALL need not pass
  // them); the flush runs whenever the trial exists, so a retried call after a lost
  // connection (its patch committed, its flush perhaps not) still flushes.
  await sql`
    CREATE OR REPLACE PROCEDURE hpo_finish_trial(
      p_trial bigint,
      p_param_names text[], p_param_values float8[], p_param_distributions text[],
      p_steps integer[], p_step_values float8[],
      p_metric_steps integer[], p_metric_names text[], p_metric_values float8[],
      p_attr_kinds text[], p_attr_keys text[], p_attr_values text[],
      p_finish_state text, p_values float8[],
      p_event_types text[], p_event_payloads text[],
      INOUT out_found boolean DEFAULT NULL, INOUT out_number integer DEFAULT NULL,
      INOUT out_state text DEFAULT NULL, INOUT out_param_conflict text DEFAULT NULL)
    LANGUAGE plpgsql AS $$
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
      -- As the session says (hpo's: asynchronously): the study lock is released without
      -- waiting for the disk.
      COMMIT;
      IF out_found THEN
        PERFORM hpo_flush_trial(p_trial);
      END IF;
    END $$`.execute(db);
}
