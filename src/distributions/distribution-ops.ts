import { roundToStep } from "./create-distribution.ts";
import type { CategoricalChoice, Distribution, ParamValue } from "../vocabulary/distribution.ts";

/**
 * Internal representation: every param is a number (categoricals by index), as in Optuna's
 * storage. Samplers work on internal values; objectives see external ones.
 */

/** Converts an external value to its internal number; throws if it does not fit. */
export function toInternal(d: Distribution, value: ParamValue): number {
  if (d.type === "categorical") {
    const i = indexOfChoice(d.choices, value);
    if (i < 0) throw new Error(`value ${JSON.stringify(value)} is not one of the choices ${JSON.stringify(d.choices)}`);
    return i;
  }
  if (typeof value !== "number") throw new Error(`expected a number, got ${JSON.stringify(value)}`);
  return value;
}

/** Converts an internal number to the external value the objective sees. */
export function toExternal(d: Distribution, internal: number): ParamValue {
  if (d.type === "categorical") return d.choices[Math.round(internal)] ?? null;
  if (d.type === "int") return Math.round(internal);
  return internal;
}

/** Whether an internal value lies in the distribution (on its grid). */
export function containsInternal(d: Distribution, internal: number): boolean {
  if (!Number.isFinite(internal)) return false;
  if (d.type === "categorical") return Number.isInteger(internal) && internal >= 0 && internal < d.choices.length;
  if (internal < d.low || internal > d.high) return false;
  if (d.type === "int") return Number.isInteger(internal) && (internal - d.low) % d.step === 0;
  if (d.step !== null) {
    const k = (internal - d.low) / d.step;
    return Math.abs(k - Math.round(k)) < 1e-8;
  }
  return true;
}

/** Whether the distribution has exactly one possible value. */
export function isSingleValue(d: Distribution): boolean {
  if (d.type === "categorical") return d.choices.length === 1;
  if (d.low === d.high) return true;
  if (d.type === "float" && d.step !== null) return d.low + d.step > d.high;
  return false;
}

/** Snaps an internal value onto the distribution's grid and bounds. */
export function clampToGrid(d: Distribution, internal: number): number {
  if (d.type === "categorical") return Math.min(d.choices.length - 1, Math.max(0, Math.round(internal)));
  const step = d.type === "int" ? d.step : d.step;
  let v = internal;
  if (step !== null) {
    v = d.low + Math.round((v - d.low) / step) * step;
    if (d.type === "float") v = roundToStep(v, step);
  }
  return Math.min(d.high, Math.max(d.low, v));
}

/** Structural equality of two distributions (used to detect a name re-used with another range). */
export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "categorical" && b.type === "categorical") {
    return a.choices.length === b.choices.length && a.choices.every((c, i) => Object.is(c, b.choices[i]));
  }
  if (a.type === "categorical" || b.type === "categorical") return false;
  return a.low === b.low && a.high === b.high && a.log === b.log && a.step === b.step;
}

/** Short human-readable form, for error messages and CLI output. */
export function describeDistribution(d: Distribution): string {
  if (d.type === "categorical") return `categorical(${JSON.stringify(d.choices)})`;
  const opts = [d.log ? "log" : "", d.step !== null && !(d.type === "int" && d.step === 1) ? `step=${d.step}` : ""]
    .filter(Boolean)
    .join(", ");
  return `${d.type}(${d.low}, ${d.high}${opts ? `, ${opts}` : ""})`;
}

function indexOfChoice(choices: readonly CategoricalChoice[], value: ParamValue): number {
  for (let i = 0; i < choices.length; i++) if (Object.is(choices[i], value)) return i;
  return -1;
}
