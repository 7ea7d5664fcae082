/**
 * Replays the scripted histories of tests/fixtures/pruners/*.json (written by
 * scripts/golden/pruner_fixtures.py from Optuna 3.1.0) through hpo's pruners: the same
 * asks, reports and tells, in the same order, with a pruning question after every report.
 */
import { StepLog } from "../../src/vocabulary/step-series.ts";
import { nextStudyViewVersion } from "../../src/vocabulary/study-view.ts";
import { readFileSync } from "node:fs";
import {
  HyperbandPruner,
  MedianPruner,
  PatientPruner,
  PercentilePruner,
  SuccessiveHalvingPruner,
  ThresholdPruner,
  type FrozenTrial,
  type HyperbandPrunerOptions,
  type MedianPrunerOptions,
  type PatientPrunerOptions,
  type PercentilePrunerOptions,
  type Pruner,
  type SuccessiveHalvingPrunerOptions,
  type ThresholdPrunerOptions,
  type StudyDirection,
  type StudyView,
  type TrialState,
} from "hpo";

export type Encoded = number | "NaN" | "Infinity" | "-Infinity";

export interface PrunerSpec {
  type: "median" | "percentile" | "successiveHalving" | "hyperband" | "threshold" | "patient";
  options?: Record<string, unknown> & { wrappedPruner?: PrunerSpec | null };
}

export type GoldenEvent =
  | ["ask", number]
  | ["report", number, number, Encoded, boolean]
  | ["tell", number, "COMPLETE", number]
  | ["tell", number, "PRUNED" | "FAIL"];

export interface GoldenScenario {
  name: string;
  studyName: string;
  direction: StudyDirection;
  workers: number;
  pruner: PrunerSpec;
  events: GoldenEvent[];
  nPruned: number;
  nPrunes: number;
  rungs?: Encoded[][];
  minResource?: number | null;
  brackets?: (number | null)[];
  nBrackets?: number | null;
}

export interface GoldenFile {
  meta: { optuna: string };
  scenarios: GoldenScenario[];
  bracketTables?: { studyName: string; options: Record<string, number>; nBrackets: number; brackets: number[] }[];
}

/** Reads one fixture file. */
export function loadGolden(name: string): GoldenFile {
  const url = new URL(`../fixtures/pruners/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as GoldenFile;
}

/** A fixture value as a number (JSON has no NaN or infinities). */
export function decode(v: Encoded): number {
  return v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v;
}

/** hpo's pruner for a fixture's spec (the spec uses hpo's option names). */
export function buildPruner(spec: PrunerSpec): Pruner {
  // Fixture options are plain JSON in hpo's option names; the pruners validate them with zod.
  const options = { ...(spec.options ?? {}) };
  switch (spec.type) {
    case "median":
      return new MedianPruner(options as MedianPrunerOptions);
    case "percentile":
      return new PercentilePruner(options as unknown as PercentilePrunerOptions);
    case "successiveHalving":
      return new SuccessiveHalvingPruner(options as SuccessiveHalvingPrunerOptions);
    case "hyperband":
      return new HyperbandPruner(options as HyperbandPrunerOptions);
    case "threshold":
      return new ThresholdPruner(options as ThresholdPrunerOptions);
    case "patient": {
      const wrapped = options.wrappedPruner ? buildPruner(options.wrappedPruner) : null;
      return new PatientPruner({ ...(options as unknown as PatientPrunerOptions), wrappedPruner: wrapped });
    }
  }
}

/** One disagreement between hpo and Optuna. */
export interface Mismatch {
  event: number;
  trial: number;
  step: number;
  optuna: boolean;
  hpo: boolean;
}

/** The result of a replay: disagreements, and the final history for further checks. */
export interface Replay {
  mismatches: Mismatch[];
  decisions: number;
  study: StudyView;
  pruner: Pruner;
}

/** Runs a scenario's events through `pruner` (built from the spec unless given). */
export function replay(scenario: GoldenScenario, pruner: Pruner = buildPruner(scenario.pruner)): Replay {
  const trials: FrozenTrial[] = [];
  // As a running Trial keeps them: reports in ascending step order are viewed (StepView,
  // whose O(1) answers the pruners use), out-of-order ones copied into a plain Map.
  const logs = new Map<number, StepLog | null>();
  let clock = Date.UTC(2026, 0, 1);
  const tick = () => new Date((clock += 1000));
  // A new version after every event (StudyView's promise: it changes whenever the trials do).
  let version = nextStudyViewVersion();
  const study: StudyView = {
    studyName: scenario.studyName,
    directions: [scenario.direction],
    get version() {
      return version;
    },
    getTrials: (states?: readonly TrialState[]) => (states ? trials.filter((t) => states.includes(t.state)) : trials),
  };
  const mismatches: Mismatch[] = [];
  let decisions = 0;

  scenario.events.forEach((event, i) => {
    version = nextStudyViewVersion();
    if (event[0] === "ask") {
      trials[event[1]] = runningTrial(event[1], tick());
    } else if (event[0] === "report") {
      const [, number, step, value, expected] = event;
      const prev = trials[number];
      if (!logs.has(number)) logs.set(number, new StepLog());
      const log = logs.get(number)!;
      const decoded = decode(value);
      if (log && !log.append(step, decoded)) logs.set(number, null);
      const intermediateValues = logs.get(number)?.view() ?? new Map(prev.intermediateValues).set(step, decoded);
      const current: FrozenTrial = { ...prev, intermediateValues };
      trials[number] = current;
      const got = pruner.prune(study, current);
      decisions++;
      if (got !== expected) mismatches.push({ event: i, trial: number, step, optuna: expected, hpo: got });
    } else {
      const [, number, state] = event;
      const prev = trials[number];
      const value = event[2] === "COMPLETE" ? event[3] : lastFinite(prev);
      trials[number] = { ...prev, state, value, values: value === null ? null : [value], datetimeComplete: tick() };
    }
  });
  return { mismatches, decisions, study, pruner };
}

function runningTrial(number: number, start: Date): FrozenTrial {
  return {
    trialId: number + 1,
    number,
    state: "RUNNING",
    value: null,
    values: null,
    params: {},
    distributions: {},
    intermediateValues: new Map(),
    metrics: new Map(),
    userAttrs: {},
    systemAttrs: {},
    datetimeStart: start,
    datetimeComplete: null,
  };
}

function lastFinite(t: FrozenTrial): number | null {
  let last: number | null = null;
  for (const v of t.intermediateValues.values()) last = v;
  return last !== null && Number.isFinite(last) ? last : null;
}
