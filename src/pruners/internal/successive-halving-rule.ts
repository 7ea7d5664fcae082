import type { FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import { lastStep } from "../../vocabulary/frozen-trial.ts";
import type { RungContext, RungLadder } from "./rung-ladder.ts";

/**
 * ASHA's decision for a trial's latest report (Optuna's SuccessiveHalvingPruner.prune):
 * walk up from the trial's current rung while its step reaches the rung's promotion step;
 * at each rung the trial must be within the top 1/η of the values recorded there.
 */
export function successiveHalvingPrune(ladder: RungLadder, trial: FrozenTrial, ctx: RungContext): boolean {
  const step = lastStep(trial);
  if (step === undefined) return false;
  const value = trial.intermediateValues.get(step) as number;

  for (let rung = ladder.rungBefore(trial, step, ctx); ; rung++) {
    if (step < ladder.promotionStep(rung)) return false;
    if (Number.isNaN(value)) return true;
    const competing = ladder.competitors(trial, rung, ctx, false);
    competing.push(value);
    if (competing.length <= ctx.bootstrapCount) return true;
    if (!ladder.isPromotable(value, competing, ctx.direction)) return true;
  }
}
