import {
  categoricalDistribution,
  floatDistribution,
  intDistribution,
  type RangeOptions,
} from "../distributions/create-distribution.ts";
import type { CategoricalChoice, CategoricalDistribution, Distribution, FloatDistribution, IntDistribution } from "../vocabulary/distribution.ts";
import type { Objective } from "../study/objective.ts";

/**
 * Builders for declarative search spaces in study files.
 *
 * @example
 * space: { lr: param.float(1e-5, 1e-2, { log: true }), freeze: param.categorical(["none", "encoder"]) }
 */
export const param = {
  /** A float range. */
  float: (low: number, high: number, options?: RangeOptions): FloatDistribution => floatDistribution(low, high, options),
  /** An integer range. */
  int: (low: number, high: number, options?: RangeOptions): IntDistribution => intDistribution(low, high, options),
  /** A list of choices. */
  categorical: <T extends CategoricalChoice>(choices: readonly T[]): CategoricalDistribution => categoricalDistribution(choices),
} as const;

/** Wraps an objective so a declarative space is suggested (in order) before it runs. */
export function withSpace(space: Readonly<Record<string, Distribution>> | undefined, objective: Objective): Objective {
  if (!space || Object.keys(space).length === 0) return objective;
  const entries = Object.entries(space);
  return (trial) => {
    for (const [name, d] of entries) trial.suggest(name, d);
    return objective(trial);
  };
}
