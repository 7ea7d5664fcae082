import type { Distribution, ParamValue } from "../vocabulary/distribution.ts";
import { toExternal } from "../distributions/distribution-ops.ts";
import type { AttrValue, FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";

/** The stored pieces of a trial, as storages hold them. */
export interface TrialParts {
  trialId: number;
  number: number;
  state: TrialState;
  params: readonly { name: string; internal: number; distribution: Distribution }[];
  values: readonly number[] | null;
  intermediate: readonly (readonly [step: number, value: number])[];
  /** Named metrics as stored: one entry per step and name (absent: none). */
  metrics?: readonly (readonly [step: number, name: string, value: number])[];
  userAttrs: Record<string, AttrValue>;
  systemAttrs: Record<string, AttrValue>;
  datetimeStart: Date | null;
  datetimeComplete: Date | null;
  /** The worker that ran it, when known. */
  workerId?: string | null;
}

/**
 * Assembles an immutable FrozenTrial from stored pieces; `intermediateValues`, when given,
 * is used as is instead of a sorted copy of `p.intermediate` (a running trial's StepView), and
 * `metricsView` likewise instead of a map built from `p.metrics` (a running trial's MetricLog view).
 */
export function buildFrozenTrial(
  p: TrialParts,
  intermediateValues?: ReadonlyMap<number, number>,
  metricsView?: ReadonlyMap<number, Readonly<Record<string, number>>>,
): FrozenTrial {
  const params: Record<string, ParamValue> = {};
  const distributions: Record<string, Distribution> = {};
  for (const { name, internal, distribution } of p.params) {
    params[name] = toExternal(distribution, internal);
    distributions[name] = distribution;
  }
  const intermediate = intermediateValues ?? new Map([...p.intermediate].sort((a, b) => a[0] - b[0]));
  const metrics = metricsView ?? metricsFromRows(p.metrics ?? []);
  const values = p.values && p.values.length > 0 ? Object.freeze([...p.values]) : null;
  return Object.freeze({
    trialId: p.trialId,
    number: p.number,
    state: p.state,
    value: values ? values[0] : null,
    values,
    params: Object.freeze(params),
    distributions: Object.freeze(distributions),
    intermediateValues: intermediate,
    metrics,
    userAttrs: Object.freeze({ ...p.userAttrs }),
    systemAttrs: Object.freeze({ ...p.systemAttrs }),
    datetimeStart: p.datetimeStart,
    datetimeComplete: p.datetimeComplete,
    ...(p.workerId ? { workerId: p.workerId } : {}),
  });
}

/** Stored metric rows as a map of frozen records in ascending step order (first value of a name wins). */
function metricsFromRows(rows: readonly (readonly [step: number, name: string, value: number])[]): ReadonlyMap<number, Readonly<Record<string, number>>> {
  const metrics = new Map<number, Record<string, number>>();
  for (const [step, name, value] of [...rows].sort((a, b) => a[0] - b[0])) {
    let record = metrics.get(step);
    if (!record) metrics.set(step, (record = {}));
    if (!Object.hasOwn(record, name)) record[name] = value;
  }
  for (const record of metrics.values()) Object.freeze(record);
  return metrics;
}
