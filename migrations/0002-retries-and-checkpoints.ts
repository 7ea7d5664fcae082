import { type Kysely, sql } from "kysely";

/**
 * Workers: a failed trial points at the retry that replaced it (so the study budget counts
 * the retry, not both), and trials keep their latest checkpoint.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("hpo_trials").addColumn("retried_by", "integer").execute();
  await db.schema
    .createTable("hpo_checkpoints")
    .addColumn("trial_id", "bigint", (c) => c.primaryKey().references("hpo_trials.trial_id").onDelete("cascade"))
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("data", "bytea", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
