import type { Distribution, FrozenTrial, ParamValue, TrialState } from "hpo";

/** A FrozenTrial as storage hands it out, built from the parts a test cares about. */
export function frozenTrial(t: {
  number: number;
  state: TrialState;
  params?: Record<string, ParamValue>;
  value?: number | null;
  values?: number[] | null;
  intermediate?: [number, number][];
  metrics?: [number, Record<string, number>][];
  userAttrs?: FrozenTrial["userAttrs"];
  start?: Date;
  complete?: Date | null;
}): FrozenTrial {
  const params = t.params ?? {};
  const distributions: Record<string, Distribution> = Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      k,
      typeof v === "number"
        ? ({ type: "float", low: -1e9, high: 1e9, log: false, step: null } as const)
        : ({ type: "categorical", choices: [v] } as const),
    ]),
  );
  const value = t.value ?? null;
  return {
    trialId: 1000 + t.number,
    number: t.number,
    state: t.state,
    value,
    values: t.values ?? (value === null ? null : [value]),
    params,
    distributions,
    intermediateValues: new Map(t.intermediate ?? []),
    metrics: new Map(t.metrics ?? []),
    userAttrs: t.userAttrs ?? {},
    systemAttrs: {},
    datetimeStart: t.start ?? new Date(),
    datetimeComplete: t.state === "RUNNING" ? null : (t.complete ?? new Date()),
  };
}
