/** The lifecycle states of a trial, as in Optuna. */
export const TrialState = {
  WAITING: "WAITING",
  RUNNING: "RUNNING",
  COMPLETE: "COMPLETE",
  PRUNED: "PRUNED",
  FAIL: "FAIL",
} as const;

/** One of the five trial states. */
export type TrialState = (typeof TrialState)[keyof typeof TrialState];

/** The states a trial never leaves. */
export const FINISHED_STATES: readonly TrialState[] = ["COMPLETE", "PRUNED", "FAIL"];

/** Whether a state is final (COMPLETE, PRUNED or FAIL). */
export function isFinished(state: TrialState): boolean {
  return state === "COMPLETE" || state === "PRUNED" || state === "FAIL";
}
