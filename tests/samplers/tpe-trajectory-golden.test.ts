/**
 * A seeded hpo study makes Optuna 3.1.0's proposals, trial after trial: the same seed drives
 * the same random streams (MT19937 as NumPy's RandomState, the start-up sampler's transform,
 * NumPy's argsort and sums where ties are decided), so whole studies (fixtures from
 * scripts/golden/tpe_trajectory_fixtures.py: univariate, multivariate, group over a
 * conditional space, custom options, median pruning) replay to the last digits.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createStudy, InMemoryStorage, MedianPruner, TPESampler, type Trial, TrialPruned } from "hpo";

type ParamSpec =
  | { name: string; type: "float" | "int"; low: number; high: number; log?: boolean; step?: number | null }
  | { name: string; type: "categorical"; choices: string[] };

interface FixtureTrial {
  state: "COMPLETE" | "PRUNED";
  params: Record<string, number | string>;
  value: number | null;
  intermediate: [number, number][];
}

interface TrajectoryCase {
  name: string;
  space: ParamSpec[] | null;
  objective: "branin" | "mixed" | "branin-curve" | "conditional";
  seed: number;
  n_trials: number;
  sampler: { multivariate?: boolean; group?: boolean; n_startup_trials?: number; n_ei_candidates?: number; consider_endpoints?: boolean; prior_weight?: number };
  pruner?: { kind: "median"; n_startup_trials: number; n_warmup_steps: number };
  trials: FixtureTrial[];
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/tpe/trajectories.json", import.meta.url), "utf8")) as { cases: TrajectoryCase[] };

const ACT_PENALTY: Record<string, number> = { relu: 0.1, gelu: 0.0, tanh: 0.3 };

function suggest(trial: Trial, spec: ParamSpec): number | string {
  if (spec.type === "categorical") return trial.suggestCategorical(spec.name, spec.choices);
  const options = { log: spec.log ?? false, ...(spec.step != null ? { step: spec.step } : {}) };
  return spec.type === "float" ? trial.suggestFloat(spec.name, spec.low, spec.high, options) : trial.suggestInt(spec.name, spec.low, spec.high, options);
}

function branin(p: Record<string, number | string>): number {
  const x1 = p.x1 as number;
  const x2 = p.x2 as number;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

function mixed(p: Record<string, number | string>): number {
  const n = (k: string) => p[k] as number;
  return (
    (Math.log10(n("lr")) + 3) ** 2 +
    ((n("units") - 128) / 64) ** 2 +
    (Math.log2(n("depth")) - 3) ** 2 / 4 +
    (n("dropout") - 0.2) ** 2 * 10 +
    ACT_PENALTY[p.act as string] +
    (n("momentum") - 0.9) ** 2 * 5
  );
}

function conditional(trial: Trial): number {
  const kind = trial.suggestCategorical("kind", ["a", "b"]);
  if (kind === "a") return (trial.suggestFloat("x", -5, 5) - 1.5) ** 2;
  const y = trial.suggestInt("y", 0, 10);
  const z = trial.suggestFloat("z", 0.01, 1, { log: true });
  return 0.5 + (y - 7) ** 2 / 10 + (Math.log10(z) + 1) ** 2;
}

async function objective(c: TrajectoryCase, trial: Trial): Promise<number> {
  if (c.objective === "conditional") return conditional(trial);
  const p = Object.fromEntries((c.space ?? []).map((s) => [s.name, suggest(trial, s)]));
  if (c.objective === "mixed") return mixed(p);
  const base = branin(p);
  if (c.objective === "branin") return base;
  for (let step = 0; step < 8; step++) {
    trial.report(base * (1 + 2 / (step + 1)), step);
    if (await trial.shouldPrune()) throw new TrialPruned();
  }
  return base;
}

function expectClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === "number" && typeof actual === "number") {
    expect(Math.abs(actual - expected), `${where}: ${actual} vs Optuna's ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else {
    expect(actual, where).toBe(expected);
  }
}

describe("seeded TPE replays Optuna 3.1.0's studies", () => {
  for (const c of fixture.cases) {
    it(`${c.name}: ${c.n_trials} trials, seed ${c.seed}`, async () => {
      const s = c.sampler;
      const study = await createStudy({
        storage: new InMemoryStorage(),
        sampler: new TPESampler({
          replay: "optuna-3.1",
          seed: c.seed,
          multivariate: s.multivariate ?? false,
          group: s.group ?? false,
          // Optuna's own multivariate widths (the replay's default; hpo's "spread" proposes elsewhere).
          multivariateBandwidth: "range",
          nStartupTrials: s.n_startup_trials ?? 10,
          nEiCandidates: s.n_ei_candidates ?? 24,
          considerEndpoints: s.consider_endpoints ?? false,
          priorWeight: s.prior_weight ?? 1,
        }),
        pruner: c.pruner ? new MedianPruner({ nStartupTrials: c.pruner.n_startup_trials, nWarmupSteps: c.pruner.n_warmup_steps }) : undefined,
      });
      await study.optimize((trial) => objective(c, trial), { nTrials: c.n_trials });
      const ours = await study.trials();
      expect(ours).toHaveLength(c.trials.length);
      c.trials.forEach((expected, i) => {
        const got = ours[i];
        expect(got.state, `trial ${i} state`).toBe(expected.state);
        expect(Object.keys(got.params).sort(), `trial ${i} params`).toEqual(Object.keys(expected.params).sort());
        for (const [name, v] of Object.entries(expected.params)) expectClose(got.params[name], v, `trial ${i} ${name}`);
        if (expected.value !== null) expectClose(got.value, expected.value, `trial ${i} value`);
        expect(got.intermediateValues.size, `trial ${i} reports`).toBe(expected.intermediate.length);
      });
    }, 60_000);
  }
});
