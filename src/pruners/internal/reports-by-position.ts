import { StepLog, StepView } from "../../vocabulary/step-series.ts";

/** Views made for reports that came as a plain map (a stored trial, or out-of-order steps). */
const fromMaps = new WeakMap<ReadonlyMap<number, number>, StepView>();

/**
 * A trial's reports as a StepView, which pruners read by position (the report at or past a
 * step, the next non-NaN one, the best of a prefix) in O(log n) or O(1) instead of walking
 * them: a running trial's snapshot already is one; a plain map is sorted into one once
 * (a map handed out never changes, so the copy is kept for as long as the map lives).
 */
export function reportsByPosition(reports: ReadonlyMap<number, number>): StepView {
  if (reports instanceof StepView) return reports;
  let view = fromMaps.get(reports);
  if (!view) fromMaps.set(reports, (view = StepLog.of(reports).view()));
  return view;
}
