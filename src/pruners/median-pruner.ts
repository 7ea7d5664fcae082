import { PercentilePruner, percentileRuleSchema, type PercentileRuleOptions } from "./percentile-pruner.ts";
import { parsePrunerOptions } from "./internal/pruner-options.ts";

/** Options of {@link MedianPruner}. */
export type MedianPrunerOptions = PercentileRuleOptions;

/**
 * The median stopping rule: prunes a trial whose best intermediate value is worse than the
 * median of the completed trials' values at the same step (Optuna's MedianPruner).
 *
 * @example
 * createStudy({ pruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 }) })
 */
export class MedianPruner extends PercentilePruner {
  constructor(options: MedianPrunerOptions = {}) {
    // Validate here first so a stray `percentile` is reported as unknown to MedianPruner.
    const rule = parsePrunerOptions("MedianPruner", percentileRuleSchema, options);
    super({ ...rule, percentile: 50 }, "MedianPruner");
  }
}
