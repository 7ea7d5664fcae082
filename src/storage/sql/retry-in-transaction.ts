import type { Transaction } from "kysely";
import type { FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import { planRetry } from "../retry-plan.ts";
import type { Database } from "./database-schema.ts";
import { insertTrial, markRetried } from "./server-functions.ts";
import { readTrial } from "./trial-reads.ts";

/**
 * Enqueues the retry of a FAIL trial (locked by the caller's transaction) while its chain has
 * retries left: the retry is inserted as any trial is, then the failed trial is marked.
 */
export async function retryInTx(
  tx: Transaction<Database>,
  studyId: number,
  trialId: number,
  maxRetries: number,
): Promise<{ failed: number; retry: number | null; trial: FrozenTrial }> {
  const failed = (await readTrial(tx, trialId))!;
  const plan = planRetry(failed, maxRetries);
  if (!plan) return { failed: failed.number, retry: null, trial: failed };
  const retry = (await insertTrial(tx, studyId, { state: "WAITING", systemAttrs: plan.systemAttrs }))!.number;
  await markRetried(tx, trialId, retry, plan.systemAttrs.retry_count);
  return { failed: failed.number, retry, trial: failed };
}
