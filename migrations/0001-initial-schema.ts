import { type Kysely, sql } from "kysely";

/**
 * The schema in the spirit of Optuna's RDB storage, plus an append-only event log with a
 * per-study sequence (the live feed replays from it). All tables carry the `hpo_` prefix so
 * hpo can share a database with other applications.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("hpo_studies")
    .addColumn("study_id", "serial", (c) => c.primaryKey())
    .addColumn("study_name", "text", (c) => c.notNull().unique())
    .addColumn("directions", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    // Allocated under the study row's lock, so trial numbers are dense and event sequence
    // numbers commit in the order they were handed out.
    .addColumn("next_trial_number", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_event_seq", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("hpo_study_attrs")
    .addColumn("study_id", "integer", (c) => c.notNull().references("hpo_studies.study_id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value_json", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("hpo_study_attrs_pk", ["study_id", "kind", "key"])
    .execute();

  await db.schema
    .createTable("hpo_trials")
    .addColumn("trial_id", "bigserial", (c) => c.primaryKey())
    .addColumn("study_id", "integer", (c) => c.notNull().references("hpo_studies.study_id").onDelete("cascade"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("datetime_start", "timestamptz")
    .addColumn("datetime_complete", "timestamptz")
    .addColumn("worker_id", "text")
    // The study's event seq of this trial's latest change: readers fetch only what is new.
    .addColumn("version", "bigint", (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint("hpo_trials_study_number_uq", ["study_id", "number"])
    .execute();
  await db.schema.createIndex("hpo_trials_study_version_idx").on("hpo_trials").columns(["study_id", "version"]).execute();
  await db.schema.createIndex("hpo_trials_study_state_idx").on("hpo_trials").columns(["study_id", "state"]).execute();

  await db.schema
    .createTable("hpo_trial_params")
    .addColumn("trial_id", "bigint", (c) => c.notNull().references("hpo_trials.trial_id").onDelete("cascade"))
    .addColumn("param_name", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("param_value", "double precision", (c) => c.notNull())
    .addColumn("distribution_json", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("hpo_trial_params_pk", ["trial_id", "param_name"])
    .execute();

  await db.schema
    .createTable("hpo_trial_values")
    .addColumn("trial_id", "bigint", (c) => c.notNull().references("hpo_trials.trial_id").onDelete("cascade"))
    .addColumn("objective", "integer", (c) => c.notNull())
    .addColumn("value", "double precision", (c) => c.notNull())
    .addPrimaryKeyConstraint("hpo_trial_values_pk", ["trial_id", "objective"])
    .execute();

  await db.schema
    .createTable("hpo_trial_intermediate_values")
    .addColumn("trial_id", "bigint", (c) => c.notNull().references("hpo_trials.trial_id").onDelete("cascade"))
    .addColumn("step", "integer", (c) => c.notNull())
    .addColumn("value", "double precision", (c) => c.notNull())
    .addPrimaryKeyConstraint("hpo_trial_intermediate_values_pk", ["trial_id", "step"])
    .execute();

  await db.schema
    .createTable("hpo_trial_attrs")
    .addColumn("trial_id", "bigint", (c) => c.notNull().references("hpo_trials.trial_id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value_json", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("hpo_trial_attrs_pk", ["trial_id", "kind", "key"])
    .execute();

  await db.schema
    .createTable("hpo_trial_heartbeats")
    .addColumn("trial_id", "bigint", (c) => c.primaryKey().references("hpo_trials.trial_id").onDelete("cascade"))
    .addColumn("heartbeat_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("hpo_events")
    .addColumn("study_id", "integer", (c) => c.notNull().references("hpo_studies.study_id").onDelete("cascade"))
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("trial_number", "integer")
    .addColumn("payload_json", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("hpo_events_pk", ["study_id", "seq"])
    .execute();
}
