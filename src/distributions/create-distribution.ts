import {
  type CategoricalChoice,
  type CategoricalDistribution,
  DistributionError,
  type FloatDistribution,
  type IntDistribution,
} from "../vocabulary/distribution.ts";

/** Options shared by `suggestFloat` / `suggestInt`. */
export interface RangeOptions {
  log?: boolean;
  step?: number | null;
}

function label(name: string | undefined): string {
  return name === undefined ? "distribution" : `parameter "${name}"`;
}

function checkFinite(name: string | undefined, field: string, v: unknown): asserts v is number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new DistributionError(`${label(name)}: ${field} must be a finite number, got ${String(v)}`);
  }
}

/** Builds and validates a float distribution (Optuna's rules). */
export function floatDistribution(low: number, high: number, options: RangeOptions = {}, name?: string): FloatDistribution {
  checkFinite(name, "low", low);
  checkFinite(name, "high", high);
  const log = options.log ?? false;
  const step = options.step ?? null;
  if (low > high) throw new DistributionError(`${label(name)}: low must be <= high, got low=${low}, high=${high}`);
  if (log && step !== null) throw new DistributionError(`${label(name)}: step is not supported with log=true`);
  if (log && low <= 0) throw new DistributionError(`${label(name)}: log=true needs low > 0, got low=${low}`);
  if (step !== null) {
    checkFinite(name, "step", step);
    if (step <= 0) throw new DistributionError(`${label(name)}: step must be > 0, got ${step}`);
    // As Optuna: the upper bound snaps down onto the step grid.
    const n = Math.floor((high - low) / step + 1e-9);
    high = roundToStep(low + n * step, step);
  }
  return { type: "float", low, high, log, step };
}

/** Builds and validates an int distribution (Optuna's rules). */
export function intDistribution(low: number, high: number, options: RangeOptions = {}, name?: string): IntDistribution {
  checkFinite(name, "low", low);
  checkFinite(name, "high", high);
  if (!Number.isInteger(low) || !Number.isInteger(high)) {
    throw new DistributionError(`${label(name)}: low and high must be integers, got low=${low}, high=${high}`);
  }
  const log = options.log ?? false;
  const explicitStep = options.step ?? null;
  if (log && explicitStep !== null && explicitStep !== 1) {
    throw new DistributionError(`${label(name)}: step is not supported with log=true`);
  }
  const step = explicitStep ?? 1;
  checkFinite(name, "step", step);
  if (!Number.isInteger(step)) throw new DistributionError(`${label(name)}: step must be an integer, got ${step}`);
  if (step <= 0) throw new DistributionError(`${label(name)}: step must be > 0, got ${step}`);
  if (low > high) throw new DistributionError(`${label(name)}: low must be <= high, got low=${low}, high=${high}`);
  if (log && low < 1) throw new DistributionError(`${label(name)}: log=true needs low >= 1, got low=${low}`);
  const adjustedHigh = low + Math.floor((high - low) / step) * step;
  return { type: "int", low, high: adjustedHigh, log, step };
}

/** Builds and validates a categorical distribution. */
export function categoricalDistribution(choices: readonly CategoricalChoice[], name?: string): CategoricalDistribution {
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new DistributionError(`${label(name)}: choices must be a non-empty array`);
  }
  for (const c of choices) {
    const t = typeof c;
    if (!(c === null || t === "string" || t === "number" || t === "boolean")) {
      throw new DistributionError(
        `${label(name)}: choices must be string, number, boolean or null, got ${t === "object" ? "object" : t}`,
      );
    }
  }
  return { type: "categorical", choices: [...choices] };
}

function roundToStep(v: number, step: number): number {
  // Keeps values such as 0.1 + 3 * 0.1 printable as 0.4, not 0.40000000000000002.
  const decimals = Math.max(0, Math.min(15, Math.ceil(-Math.log10(step)) + 2));
  return Number(v.toFixed(decimals));
}
export { roundToStep };
