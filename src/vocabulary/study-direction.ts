/** Whether an objective is minimised or maximised. */
export type StudyDirection = "minimize" | "maximize";

/** Whether value `a` is better than `b` under a direction (NaN is never better). */
export function isBetter(direction: StudyDirection, a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return direction === "minimize" ? a < b : a > b;
}
