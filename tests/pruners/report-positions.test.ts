/**
 * The pruners read a trial's reports by position (bisection over its step log, prefix
 * minima, a queue per log for the patient window) instead of walking them on every check.
 * These tests hold those paths to the plain walks they replaced, on histories built to make
 * them diverge: out-of-order steps, NaN runs, skipped steps that jump past several rungs,
 * views asked about out of order, and two trials that share a number.
 */
import { describe, expect, it } from "vitest";
import { createStudy, MedianPruner, PatientPruner, SuccessiveHalvingPruner, type FrozenTrial, type StudyDirection } from "hpo";
import { StepLog, StepView } from "../../src/vocabulary/step-series.ts";
import { RungLadder, type RungContext } from "../../src/pruners/internal/rung-ladder.ts";
import { reportsByPosition } from "../../src/pruners/internal/reports-by-position.ts";
import { TrailingBest } from "../../src/pruners/internal/trailing-best.ts";
import { nanMax, nanMin } from "../../src/numpy/index.ts";
import { SeededRandom } from "../../src/random/seeded-random.ts";
import { running, trial, view } from "./history-builders.ts";

/** A seeded generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  const rng = new SeededRandom(seed);
  return () => rng.random();
}

/** Reports with gaps (some jump past several rungs), runs of NaN, ties and infinities. */
function randomReports(rand: () => number, count: number): [number, number][] {
  const out: [number, number][] = [];
  let step = Math.floor(rand() * 3);
  for (let i = 0; i < count; i++) {
    const r = rand();
    const value = r < 0.12 ? NaN : r < 0.14 ? Infinity : r < 0.16 ? -Infinity : Math.round(rand() * 8) / 8;
    out.push([step, value]);
    step += rand() < 0.2 ? 1 + Math.floor(rand() * 40) : 1;
  }
  return out;
}

function shuffled<T>(rand: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function viewOf(reports: readonly [number, number][]): StepView {
  const log = new StepLog();
  for (const [step, value] of reports) expect(log.append(step, value)).toBe(true);
  return log.view();
}

describe("StepView read by position", () => {
  it("answers as a walk over its reports would, at every prefix of the log", () => {
    const rand = random(7);
    for (let round = 0; round < 12; round++) {
      const reports = randomReports(rand, 1 + Math.floor(rand() * 40));
      const log = new StepLog();
      for (let size = 1; size <= reports.length; size++) {
        log.append(...reports[size - 1]);
        const v = log.view();
        const seen = reports.slice(0, size);
        expect([...v]).toEqual(seen);
        for (let i = 0; i < size; i++) {
          expect([v.stepAt(i), v.valueAt(i)]).toEqual(seen[i]);
          expect(v.nanMinOfFirst(i)).toEqual(nanMin(seen.slice(0, i).map((r) => r[1])));
          expect(v.nanMaxOfFirst(i)).toEqual(nanMax(seen.slice(0, i).map((r) => r[1])));
          const next = seen.findIndex((r, j) => j >= i && !Number.isNaN(r[1]));
          expect(v.nextNumberPosition(i)).toBe(next === -1 ? size : next);
        }
        for (let step = -1; step <= seen[size - 1][0] + 2; step++) {
          const at = seen.findIndex((r) => r[0] >= step);
          expect(v.positionAtOrAfter(step)).toBe(at === -1 ? size : at);
        }
        expect(v.positionAtOrAfter(Infinity)).toBe(size);
      }
    }
  });

  it("views of one log share their origin, and no other log's view does", () => {
    const log = new StepLog();
    log.append(0, 1);
    const short = log.view();
    log.append(1, 2);
    expect(log.view().origin).toBe(short.origin);
    expect(viewOf([[0, 1]]).origin).not.toBe(short.origin);
  });

  it("sorts a plain map (out-of-order steps) into a view once, and passes a view through", () => {
    const map = new Map([[5, 0.5], [1, NaN], [3, 0.3]]);
    const v = reportsByPosition(map);
    expect([...v]).toEqual([[1, NaN], [3, 0.3], [5, 0.5]]);
    expect(reportsByPosition(map)).toBe(v);
    expect(v.nextNumberPosition(0)).toBe(1);
    expect(reportsByPosition(v)).toBe(v);
  });
});

/** Optuna's promotability rule as written there: the value is within the best ⌊n/η⌋ (at least the best one). */
function promotable(value: number, competing: number[], eta: number, direction: StudyDirection): boolean {
  let index = Math.floor(competing.length / eta) - 1;
  if (index === -1) index = 0;
  const sorted = [...competing].sort((a, b) => (direction === "maximize" ? b - a : a - b));
  return direction === "maximize" ? value >= sorted[index] : value <= sorted[index];
}

function finishesBefore(a: FrozenTrial, b: FrozenTrial): boolean {
  const ta = a.datetimeComplete?.getTime() ?? Infinity;
  const tb = b.datetimeComplete?.getTime() ?? Infinity;
  return ta !== tb ? ta < tb : a.number < b.number;
}

/**
 * The rung values as the ladder computed them before it read by position: a pass over every
 * report in step order, judging a report that jumps past several rungs against the trials
 * that finished before it (their rung values computed the same way).
 */
function rungValuesByWalk(
  ladder: RungLadder,
  eta: number,
  target: FrozenTrial,
  untilStep: number,
  ctx: RungContext,
  memo = new Map<number, number[]>(),
): number[] {
  const values: number[] = [];
  for (const [step, value] of [...target.intermediateValues].sort((a, b) => a[0] - b[0])) {
    if (step >= untilStep) break;
    if (Number.isNaN(value)) continue;
    while (step >= ladder.promotionStep(values.length)) {
      const rung = values.length;
      values.push(value);
      if (step < ladder.promotionStep(rung + 1)) continue;
      const competing = [value];
      for (const other of ctx.population) {
        if (other.number === target.number || !ctx.participates(other) || !finishesBefore(other, target)) continue;
        let recorded = memo.get(other.number);
        if (!recorded) memo.set(other.number, (recorded = rungValuesByWalk(ladder, eta, other, Infinity, ctx, memo)));
        if (recorded.length > rung) competing.push(recorded[rung]);
      }
      if (!(competing.length > ctx.bootstrapCount && promotable(value, competing, eta, ctx.direction))) break;
    }
  }
  return values;
}

describe("successive halving by position agrees with the walk over every report", () => {
  it("on random histories: gaps past several rungs, NaN runs, out-of-order steps, bootstrap, both directions", () => {
    const rand = random(2026);
    for (let round = 0; round < 60; round++) {
      const eta = 2 + Math.floor(rand() * 3);
      const minResource = 1 + Math.floor(rand() * 3);
      const ladder = new RungLadder(minResource, eta, Math.floor(rand() * 2));
      const direction: StudyDirection = rand() < 0.5 ? "minimize" : "maximize";
      const population: FrozenTrial[] = [];
      const count = 2 + Math.floor(rand() * 6);
      for (let n = 0; n < count; n++) {
        const reports = randomReports(rand, 5 + Math.floor(rand() * 40));
        // The last trial runs; some finished ones kept their reports in arrival order (out of step order).
        const asMap = rand() < 0.3 ? new Map(shuffled(rand, reports)) : new Map(reports);
        const t = n === count - 1 ? running(n, {}) : trial(n, {}, rand() < 0.7 ? "COMPLETE" : "PRUNED");
        population.push({ ...t, intermediateValues: n === count - 1 && rand() < 0.5 ? viewOf(reports) : asMap });
      }
      const ctx: RungContext = { population, direction, bootstrapCount: Math.floor(rand() * 3), participates: () => true };
      for (const t of population) {
        expect(ladder.rungValues(t, ctx), `round ${round}, trial ${t.number}`).toEqual(rungValuesByWalk(ladder, eta, t, Infinity, ctx));
        for (const step of t.intermediateValues.keys()) {
          expect(ladder.rungBefore(t, step, ctx), `round ${round}, trial ${t.number}, step ${step}`).toBe(
            rungValuesByWalk(ladder, eta, t, step, ctx).length,
          );
        }
      }
    }
  });

  it("decides the same for a running trial's log as for the same reports in a plain map", () => {
    const rand = random(11);
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const finished = [0, 1, 2].map((n) => ({ ...trial(n, {}), intermediateValues: new Map(randomReports(rand, 60)) }));
    const reports = randomReports(rand, 200);
    const log = new StepLog();
    let answers = 0;
    for (const [step, value] of reports) {
      log.append(step, value);
      const live = running(3, {});
      const asLog = { ...live, intermediateValues: log.view() };
      const asMap = { ...live, intermediateValues: new Map(log.view()) };
      const got = pruner.prune(view([...finished, asLog]), asLog);
      expect(got, `step ${step}`).toBe(pruner.prune(view([...finished, asMap]), asMap));
      if (got) answers++;
    }
    // The histories are meant to exercise both answers.
    expect(answers).toBeGreaterThan(0);
    expect(answers).toBeLessThan(reports.length);
  });
});

describe("the patient window kept per log", () => {
  it("gives np.nanmin/nanmax of the window for views asked in any order, both directions, any window", () => {
    const rand = random(5);
    for (let round = 0; round < 30; round++) {
      const reports = randomReports(rand, 1 + Math.floor(rand() * 80));
      const log = new StepLog();
      const views: StepView[] = [];
      for (const r of reports) {
        log.append(...r);
        views.push(log.view());
      }
      const best = new TrailingBest();
      // Mostly growing views (as a trial reports), sometimes an older one or a wider window.
      const order = rand() < 0.5 ? views : shuffled(rand, views);
      for (const v of order) {
        const from = Math.max(0, v.size - 1 - Math.floor(rand() * 12));
        const maximize = rand() < 0.2 ? rand() < 0.5 : round % 2 === 0;
        const window = [...v.values()].slice(from);
        expect(best.of(v, from, maximize), `round ${round}, size ${v.size}, from ${from}`).toEqual(maximize ? nanMax(window) : nanMin(window));
      }
    }
  });

  it("keeps two trials apart that share a number (two studies, or a retry in another process)", () => {
    const pruner = new PatientPruner({ wrappedPruner: null, patience: 1 });
    const stalls = new StepLog();
    const improves = new StepLog();
    const ask = (log: StepLog) => pruner.prune(view([]), { ...running(0, {}), intermediateValues: log.view() });
    const curves = [
      [1, 1],
      [0.9, 0.9],
      [0.95, 0.8],
      [0.96, 0.7],
    ];
    const answers: boolean[][] = [];
    curves.forEach(([a, b], step) => {
      stalls.append(step, a);
      improves.append(step, b);
      answers.push([ask(stalls), ask(improves)]);
    });
    expect(answers).toEqual([
      [false, false],
      [false, false],
      [false, false],
      [true, false],
    ]);
  });

  it("asks the same of a live trial as of its reports copied into a plain map, through a real study", async () => {
    const patient = new PatientPruner({ wrappedPruner: new MedianPruner({ nStartupTrials: 1 }), patience: 3 });
    const study = await createStudy({ storage: "memory", pruner: patient });
    await study.optimize((t) => {
      for (let s = 0; s < 250; s++) t.report(0.1, s);
      return 0.1;
    }, { nTrials: 2 });
    const trial = await study.ask();
    const rand = random(3);
    const live: boolean[] = [];
    const copied: boolean[] = [];
    for (let s = 0; s < 120; s++) {
      // A repeated step is ignored; an out-of-order one turns the live log off (the trial copies from then on).
      const step = s === 70 ? 50 : s === 90 ? 101 : 2 * s;
      const value = rand() < 0.1 ? NaN : 0.6 + 0.3 * Math.sin(s / 7);
      trial.report(value, step);
      // The live log until the out-of-order step, a sorted copy after it.
      expect(trial.snapshot().intermediateValues instanceof StepView).toBe(s < 90);
      live.push(await trial.shouldPrune());
      const snapshot = trial.snapshot();
      copied.push(patient.prune(study.view, { ...snapshot, intermediateValues: new Map(snapshot.intermediateValues) }));
    }
    expect(live).toEqual(copied);
    expect(live.filter(Boolean).length).toBeGreaterThan(0);
    expect(live.filter((x) => !x).length).toBeGreaterThan(0);
    await study.close();
  });
});
