import { containsInternal, describeDistribution, toInternal } from "../distributions/distribution-ops.ts";
import { type Distribution, DistributionError, type ParamValue } from "../vocabulary/distribution.ts";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";

/** The params a trial was enqueued with (`study.enqueueTrial`, kept as its `fixed_params` system attr); none if it was not. */
export function enqueuedParams(systemAttrs: Readonly<Record<string, AttrValue>>): Readonly<Record<string, ParamValue>> {
  const fixed = systemAttrs.fixed_params;
  return fixed && typeof fixed === "object" && !Array.isArray(fixed) ? (fixed as Record<string, ParamValue>) : {};
}

/**
 * Checks that an enqueued value can be read through `distribution`: a DistributionError
 * when it cannot be one of its values; a value outside the range is used anyway, with a
 * warning (the user asked for it).
 */
export function checkEnqueuedValue(name: string, value: ParamValue, distribution: Distribution, warn: (message: string) => void): void {
  let internal: number | null;
  try {
    internal = toInternal(distribution, value);
  } catch {
    internal = null;
  }
  if (internal === null) {
    throw new DistributionError(`parameter "${name}": the enqueued value ${JSON.stringify(value)} does not fit ${describeDistribution(distribution)}`);
  }
  if (!containsInternal(distribution, internal)) {
    warn(`enqueued value ${JSON.stringify(value)} for "${name}" is outside ${describeDistribution(distribution)}; using it anyway`);
  }
}
