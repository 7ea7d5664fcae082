import type { TrialChangesQuery, TrialsChanged } from "../storage.ts";
import { preparedStatement, type SqlExecutor } from "./server-call.ts";
import { claimParameters, type ClaimedTrial, DURABLE_CTE, toDate } from "./server-functions.ts";
import { CHANGED_TRIALS_CTES, changedTrialsOf, changesQueryParameters, TRIAL_COLUMNS, type TrialRow } from "./trial-reads.ts";

/**
 * A worker's ask in one round trip: the claim (or creation) of its next trial and the read of
 * the trials changed since its history's version, which it would otherwise send just before
 * (the most frequent pair of statements of a study on a server). The read comes from the
 * statement's snapshot, taken before the claim ran: the version it brings the reader to is
 * the study's last seq before the claim, so the claim's own events are read next time (or
 * left out, the caller following its trial). Committed durably, as the claim alone is
 * (server-functions.ts, claimOrCreateTrial).
 */
const CLAIM_WITH_CHANGES = preparedStatement(
  "hpo_claim_with_changes",
  `WITH ${CHANGED_TRIALS_CTES},
        ${DURABLE_CTE},
        c AS (SELECT c.* FROM durable, hpo_claim_or_create_trial(
                p_study => $1::integer, p_worker => $5::text, p_max_trials => $6::integer,
                p_started_payload => $7::text, p_created_payload => $8::text) c)
   SELECT c.out_trial_id, c.out_number, c.out_claimed, c.out_started_at, s.last_event_seq AS seq, ${TRIAL_COLUMNS}
   FROM s LEFT JOIN c ON true LEFT JOIN t ON true
   ORDER BY t.number`,
);

interface ClaimColumns {
  out_trial_id: number | string | null;
  out_number: number | null;
  out_claimed: boolean | null;
  out_started_at: Date | string | null;
  seq: number | string | null;
}

/** Claims or creates `workerId`'s next trial and reads the changes `query` asks for, in one statement; null when the study does not exist. */
export async function claimWithChanges(
  db: SqlExecutor,
  studyId: number,
  claim: { workerId: string; maxTrials?: number },
  query: TrialChangesQuery,
): Promise<{ readonly claim: ClaimedTrial | null; readonly changed: TrialsChanged } | null> {
  const result = await db.executeQuery<ClaimColumns & TrialRow>(CLAIM_WITH_CHANGES([...changesQueryParameters(studyId, query), ...claimParameters(studyId, claim)]));
  const changed = changedTrialsOf(result.rows);
  if (!changed) return null;
  const row = result.rows[0];
  if (row.out_trial_id === null) return { claim: null, changed };
  return {
    claim: { trialId: Number(row.out_trial_id), number: Number(row.out_number), startedAt: toDate(row.out_started_at), claimed: row.out_claimed === true },
    changed,
  };
}
