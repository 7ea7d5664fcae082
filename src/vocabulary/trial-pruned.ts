/**
 * Thrown by an objective to stop a trial early; the trial ends PRUNED with its last
 * intermediate value as its value.
 *
 * @example
 * if (await trial.shouldPrune()) throw new TrialPruned();
 */
export class TrialPruned extends Error {
  override readonly name = "TrialPruned";
  constructor(message = "trial was pruned") {
    super(message);
  }
}

/** Whether an error is a TrialPruned (also across module copies). */
export function isTrialPruned(e: unknown): e is TrialPruned {
  return e instanceof TrialPruned || (e instanceof Error && e.name === "TrialPruned");
}
