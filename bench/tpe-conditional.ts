/**
 * `npm run bench -- tpe-conditional [--seeds 0..19] [--optuna live|none] [--optuna-src DIR]
 *   [--samplers default,default-no-group,tpe,tpe-mv-group-optuna]`
 *
 * TPE on a conditional search space (bench/_conditional-space.ts: a model choice, then that
 * model's own parameters), where multivariate TPE without groups sees only the parameters
 * every trial has and samples the rest one by one, and grouped TPE samples each branch
 * jointly. Final regret (median [p25, p75]) and median regret at 10/25/50/100 trials for
 * hpo's samplers and, run now on the same seeds, Optuna 3.1 and 4.9's TPE (univariate,
 * multivariate, multivariate with groups); "≤ best Optuna" compares with the best of those
 * six at each checkpoint.
 */
import { parseArgs } from "node:util";
import { createStudy, InMemoryStorage, TPESampler, type TPESamplerOptions } from "../src/index.ts";
import { CONDITIONAL_TRIALS, conditionalObjective } from "./_conditional-space.ts";
import { fmt, loadAverages, percentile, printTable } from "./_function-spec.ts";
import { runPython } from "./_optuna-curves.ts";
import { benchScript, optunaPeers } from "./_optuna-peer.ts";

const CHECKPOINTS = [10, 25, 50, 100];
const OPTUNA_SETTINGS = ["tpe", "tpe-mv", "tpe-mv-group"];

/** hpo's rows: hpo's defaults with and without groups, and Optuna 3.1.0's settings replayed. */
const HPO_SAMPLERS: Record<string, TPESamplerOptions> = {
  default: {},
  "default-no-group": { group: false },
  tpe: { replay: "optuna-3.1" },
  "tpe-mv-group-optuna": { replay: "optuna-3.1", multivariate: true, group: true },
};

interface Curve {
  finals: number[];
  at: Record<string, number[]>;
}

async function hpoCurve(options: TPESamplerOptions, seeds: readonly number[]): Promise<Curve> {
  const curve: Curve = { finals: [], at: Object.fromEntries(CHECKPOINTS.map((c) => [String(c), []])) };
  for (const seed of seeds) {
    const study = await createStudy({ storage: new InMemoryStorage(), sampler: new TPESampler({ ...options, seed }), direction: "minimize" });
    await study.optimize(
      (trial) =>
        conditionalObjective({
          float: (name, low, high, log) => trial.suggestFloat(name, low, high, { log: log ?? false }),
          int: (name, low, high) => trial.suggestInt(name, low, high),
          categorical: (name, choices) => trial.suggestCategorical(name, choices),
        }),
      { nTrials: CONDITIONAL_TRIALS },
    );
    let best = Infinity;
    for (const [i, t] of (await study.trials()).entries()) {
      best = Math.min(best, t.value ?? Infinity);
      curve.at[String(i + 1)]?.push(best);
    }
    curve.finals.push(best);
    await study.close?.();
  }
  return curve;
}

function seedsOf(text: string): number[] {
  if (!text.includes("..")) return text.split(",").map(Number);
  const [a, b] = text.split("..").map(Number);
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

export default async function tpeConditional(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: "string", default: "0..19" },
      optuna: { type: "string", default: "live" },
      "optuna-src": { type: "string" },
      samplers: { type: "string", default: Object.keys(HPO_SAMPLERS).join(",") },
    },
  });
  const seeds = seedsOf(values.seeds!);
  const rows: [string, Curve][] = [];
  for (const name of values.samplers!.split(",")) {
    const options = HPO_SAMPLERS[name];
    if (!options) throw new Error(`--samplers: unknown "${name}", expected ${Object.keys(HPO_SAMPLERS).join(", ")}`);
    const t0 = performance.now();
    rows.push([`hpo ${name}`, await hpoCurve(options, seeds)]);
    process.stderr.write(`  hpo ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const optunaRows: [string, Curve][] = [];
  const notes: string[] = [];
  if (values.optuna !== "none") {
    const { peers, missing } = optunaPeers(["3.1", "4.9"], values["optuna-src"]);
    notes.push(...missing);
    for (const peer of peers) {
      try {
        const out = await runPython([benchScript("optuna_conditional.py"), seeds.join(","), OPTUNA_SETTINGS.join(",")], peer.env);
        const parsed = JSON.parse(out) as { optuna: string; results: Record<string, Curve> };
        for (const s of OPTUNA_SETTINGS) optunaRows.push([`Optuna ${parsed.optuna} ${s}`, parsed.results[s]]);
      } catch (e) {
        notes.push(`Optuna ${peer.label} skipped: ${(e as Error).message}`);
      }
    }
  }
  const medians = (c: Curve) => [...CHECKPOINTS.map((k) => percentile(c.at[String(k)], 0.5))];
  const best = CHECKPOINTS.map((_, i) => Math.min(...optunaRows.map(([, c]) => medians(c)[i])));
  console.log(`\nConditional space, ${CONDITIONAL_TRIALS} trials, seeds ${seeds[0]}..${seeds.at(-1)} (${seeds.length}): final regret median [p25, p75]; median regret at ${CHECKPOINTS.join(" / ")}`);
  const table: string[][] = [["sampler", "final median [p25, p75]", `@${CHECKPOINTS.join(" / @")}`, optunaRows.length ? "≤ best Optuna at" : ""]];
  for (const [name, c] of [...rows, ...optunaRows]) {
    const m = medians(c);
    const met = name.startsWith("hpo") && optunaRows.length ? CHECKPOINTS.filter((_, i) => m[i] <= best[i] * (1 + 1e-9)).join(", ") || "none" : "";
    table.push([name, `${fmt(percentile(c.finals, 0.5))} [${fmt(percentile(c.finals, 0.25))}, ${fmt(percentile(c.finals, 0.75))}]`, m.map(fmt).join(" / "), met]);
  }
  if (optunaRows.length) table.push(["best Optuna TPE", "", best.map(fmt).join(" / "), ""]);
  printTable(table);
  for (const n of notes) console.log(`  ${n}`);
  console.log(`  load average ${loadAverages()}`);
}
