/**
 * Whether `step` is the first reported step in its pruning interval (Optuna's
 * `_is_first_in_interval_step`): checks happen at warmup + k·interval, and a check whose
 * step was not reported is postponed to the next reported step.
 */
export function isFirstInIntervalStep(
  step: number,
  reportedSteps: Iterable<number>,
  nWarmupSteps: number,
  intervalSteps: number,
): boolean {
  const nearestLowerPruningStep = Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  let secondLastStep = -1;
  for (const s of reportedSteps) if (s > secondLastStep && s !== step) secondLastStep = s;
  return secondLastStep < nearestLowerPruningStep;
}
