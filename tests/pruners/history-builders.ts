/** Small builders for hand-written histories in the pruner tests. */
import { type FrozenTrial, type Pruner, type StudyDirection, type StudyView, type TrialState } from "hpo";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";

/** Reports as a list (steps 0, 1, ...) or as explicit step → value pairs. */
export type Reports = readonly number[] | Readonly<Record<number, number>>;

function toMap(reports: Reports): Map<number, number> {
  const entries: [number, number][] = Array.isArray(reports)
    ? (reports as readonly number[]).map((v, i) => [i, v])
    : Object.entries(reports).map(([k, v]) => [Number(k), v as number]);
  return new Map(entries.sort((a, b) => a[0] - b[0]));
}

/** A finished or running trial; times follow the trial number (trial n runs from 10n to 10n + 5 s). */
export function trial(
  number: number,
  reports: Reports,
  state: TrialState = "COMPLETE",
  options: { value?: number; start?: number; complete?: number } = {},
): FrozenTrial {
  const intermediateValues = toMap(reports);
  const last = [...intermediateValues.values()].at(-1);
  const value = state === "COMPLETE" ? (options.value ?? last ?? 0) : state === "PRUNED" ? (last ?? null) : null;
  const finished = state === "COMPLETE" || state === "PRUNED" || state === "FAIL";
  return {
    trialId: 1000 + number,
    number,
    state,
    value,
    values: value === null ? null : [value],
    params: {},
    distributions: {},
    intermediateValues,
    metrics: new Map(),
    userAttrs: {},
    systemAttrs: {},
    datetimeStart: new Date((options.start ?? number * 10) * 1000),
    datetimeComplete: finished ? new Date((options.complete ?? number * 10 + 5) * 1000) : null,
  };
}

/** A RUNNING trial with these reports. */
export function running(number: number, reports: Reports, start?: number): FrozenTrial {
  return trial(number, reports, "RUNNING", { start });
}

/** A study view over `trials` (the running trial included, as the core's history has it). */
export function view(trials: readonly FrozenTrial[], direction: StudyDirection = "minimize", studyName = "study"): StudyView {
  return studyViewOf({ studyName, directions: [direction], trials });
}

/** Asks `pruner` about `current` in a study of `finished` plus `current`. */
export function ask(pruner: Pruner, finished: readonly FrozenTrial[], current: FrozenTrial, direction: StudyDirection = "minimize"): boolean {
  return pruner.prune(view([...finished, current], direction), current);
}
