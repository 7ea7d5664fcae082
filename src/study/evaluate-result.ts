import type { TrialOutcome } from "./trial-outcome.ts";

/**
 * Turns what an objective returned into an outcome, as Optuna does: a finite number (or one
 * per direction) completes the trial; NaN, a wrong count or a non-number fails it with the
 * reason stored. ±Infinity is a valid (if extreme) value.
 */
export function evaluateResult(result: unknown, nObjectives: number, metric = "value"): TrialOutcome {
  if (typeof result === "object" && result !== null && !Array.isArray(result) && nObjectives === 1) {
    // Named metrics: the watched one is the value; all of them are kept with the trial.
    const record = result as Record<string, unknown>;
    const value = record[metric];
    if (!Object.hasOwn(record, metric) || typeof value !== "number") {
      return { state: "FAIL", values: null, failReason: `the objective returned metrics without a number "${metric}" (the study's metric); got ${Object.keys(record).slice(0, 8).join(", ") || "no names"}` };
    }
    const finalMetrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(record)) if (typeof v === "number") finalMetrics[k] = v;
    const outcome = evaluateResult(value, 1);
    return outcome.state === "FAIL" ? outcome : { ...outcome, extraSystemAttrs: { final_metrics: finalMetrics } };
  }
  const values = typeof result === "number" ? [result] : Array.isArray(result) ? (result as unknown[]) : null;
  if (values === null) {
    return { state: "FAIL", values: null, failReason: `the objective returned ${describe(result)}; expected a number${nObjectives > 1 ? ` array of length ${nObjectives}` : ""}` };
  }
  if (values.length !== nObjectives) {
    return { state: "FAIL", values: null, failReason: `the objective returned ${values.length} values; the study has ${nObjectives} direction(s)` };
  }
  for (const v of values) {
    if (typeof v !== "number") return { state: "FAIL", values: null, failReason: `the objective returned ${describe(v)} among its values; expected numbers` };
    if (Number.isNaN(v)) return { state: "FAIL", values: null, failReason: "the objective returned NaN" };
  }
  return { state: "COMPLETE", values: values as number[] };
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing (undefined)";
  if (v === null) return "null";
  if (typeof v === "string") return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  return `a value of type ${typeof v}`;
}
