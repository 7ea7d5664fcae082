import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";

/** Whether values `a` dominate `b`: no worse in every objective and better in one. */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly StudyDirection[]): boolean {
  let better = false;
  for (let i = 0; i < directions.length; i++) {
    const x = directions[i] === "minimize" ? a[i] : -a[i];
    const y = directions[i] === "minimize" ? b[i] : -b[i];
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/** The COMPLETE trials no other COMPLETE trial dominates, ordered by number. */
export function paretoFront(trials: readonly FrozenTrial[], directions: readonly StudyDirection[]): FrozenTrial[] {
  const complete = trials.filter((t) => t.state === "COMPLETE" && t.values !== null);
  return complete.filter((t) => !complete.some((o) => o !== t && dominates(o.values!, t.values!, directions)));
}
