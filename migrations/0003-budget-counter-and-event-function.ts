import { type Kysely, sql } from "kysely";

/**
 * Hot-path support: the study row counts retried failures (so the study-wide budget is
 * `next_trial_number - retried_trials`, read under the row lock instead of counting
 * trials), and one function appends a change's events, announces them and stamps the
 * trial's version in a single round trip, keeping the study lock short.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("hpo_studies").addColumn("retried_trials", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await sql`
    UPDATE hpo_studies s SET retried_trials = (
      SELECT count(*) FROM hpo_trials t WHERE t.study_id = s.study_id AND t.state = 'FAIL' AND t.retried_by IS NOT NULL)`.execute(db);
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
      PERFORM pg_notify('hpo_events', p_study::text || ':' || last_seq::text);
      RETURN last_seq;
    END $$`.execute(db);
}
