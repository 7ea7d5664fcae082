/**
 * Distributions are plain, JSON-serialisable definitions (stored as such with every
 * param), so a study's history reloads exactly and samplers can reason about them.
 */

/** A value a categorical parameter may take. */
export type CategoricalChoice = string | number | boolean | null;

/** Any parameter value as the objective sees it. */
export type ParamValue = number | CategoricalChoice;

/** A continuous range, optionally log-scaled or discretised by `step`. */
export interface FloatDistribution {
  readonly type: "float";
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number | null;
}

/** An integer range, optionally log-scaled; `step` defaults to 1. */
export interface IntDistribution {
  readonly type: "int";
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

/** A finite list of choices; stored internally as the choice's index. */
export interface CategoricalDistribution {
  readonly type: "categorical";
  readonly choices: readonly CategoricalChoice[];
}

/** Any distribution. */
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/** Raised for a distribution or parameter that breaks a rule; names the parameter. */
export class DistributionError extends Error {
  override readonly name = "DistributionError";
}
