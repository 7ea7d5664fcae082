import type { TrialChangesQuery, TrialPatch, TrialsChanged } from "../storage.ts";
import { preparedStatement, type SqlExecutor } from "./server-call.ts";
import { claimParameters, type ClaimedTrial, DURABLE_CTE, PATCH_ARGS, type PatchOutcome, patchArguments, toDate } from "./server-functions.ts";
import { CHANGED_TRIALS_CTES, changedTrialsOf, changesQueryParameters, TRIAL_COLUMNS, type TrialRow } from "./trial-reads.ts";

/**
 * A worker's trial end and its next ask in one round trip: the final patch of its trial, the
 * claim (or creation) of its next one when the patch applied, both committed durably in one
 * transaction (hpo_finish_and_claim, migrations/0009), and the read of the trials changed
 * since its history's version. The read comes from the statement's snapshot, taken before
 * the patch and the claim ran, as in claim-with-changes.ts.
 */
const PATCH_NAMES = Object.keys(PATCH_ARGS) as (keyof typeof PATCH_ARGS)[];
// $1-$4 are CHANGED_TRIALS_CTES's (the study is $1); the patch's follow, then the claim's.
const PATCH_CALL = PATCH_NAMES.map((name, i) => `${name} => $${i + 5}::${PATCH_ARGS[name]}`).join(", ");
const CLAIM_AT = PATCH_NAMES.length + 5;
const FINISH_AND_CLAIM = preparedStatement(
  "hpo_finish_and_claim",
  `WITH ${CHANGED_TRIALS_CTES},
        ${DURABLE_CTE},
        f AS (SELECT f.* FROM durable, hpo_finish_and_claim(${PATCH_CALL},
                p_study => $1::integer, p_worker => $${CLAIM_AT}::text, p_max_trials => $${CLAIM_AT + 1}::integer,
                p_started_payload => $${CLAIM_AT + 2}::text, p_created_payload => $${CLAIM_AT + 3}::text) f)
   SELECT f.out_found, f.out_number, f.out_state, f.out_param_conflict,
          f.out_next_trial_id, f.out_next_number, f.out_next_claimed, f.out_next_started_at,
          s.last_event_seq AS seq, ${TRIAL_COLUMNS}
   FROM s LEFT JOIN f ON true LEFT JOIN t ON true
   ORDER BY t.number`,
);

interface FinishAndClaimColumns {
  out_found: boolean | null;
  out_number: number | null;
  out_state: string | null;
  out_param_conflict: string | null;
  out_next_trial_id: number | string | null;
  out_next_number: number | null;
  out_next_claimed: boolean | null;
  out_next_started_at: Date | string | null;
  seq: number | string | null;
}

/** What {@link finishAndClaim} did: the patch's outcome (null: no such trial), the next trial (null: none claimed) and the changes read. */
export interface FinishedAndClaimed {
  readonly patched: PatchOutcome | null;
  readonly claim: ClaimedTrial | null;
  readonly changed: TrialsChanged;
}

/**
 * Applies `patch` (a final one) to `trialId`, claims or creates `claim.workerId`'s next trial
 * if it applied, and reads the changes `query` asks for, in one statement committed
 * durably; null when the study does not exist.
 */
export async function finishAndClaim(
  db: SqlExecutor,
  trialId: number,
  patch: TrialPatch,
  studyId: number,
  claim: { workerId: string; maxTrials?: number },
  query: TrialChangesQuery,
): Promise<FinishedAndClaimed | null> {
  const patchArgs = patchArguments(trialId, patch);
  const result = await db.executeQuery<FinishAndClaimColumns & TrialRow>(
    FINISH_AND_CLAIM([...changesQueryParameters(studyId, query), ...PATCH_NAMES.map((name) => patchArgs[name]), ...claimParameters(studyId, claim)]),
  );
  const changed = changedTrialsOf(result.rows);
  if (!changed) return null;
  const row = result.rows[0];
  const patched = row.out_found ? { number: Number(row.out_number), state: row.out_state as string, paramConflict: row.out_param_conflict } : null;
  const next =
    row.out_next_trial_id === null
      ? null
      : { trialId: Number(row.out_next_trial_id), number: Number(row.out_next_number), startedAt: toDate(row.out_next_started_at), claimed: row.out_next_claimed === true };
  return { patched, claim: next, changed };
}
