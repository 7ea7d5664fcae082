/**
 * `npm run bench -- tpe-conditional [--seeds 0..19] [--optuna live|none] [--optuna-src DIR]
 *   [--optuna-jobs 1] [--samplers default,default-48,default-no-group,tpe,tpe-mv-group-optuna]`
 *
 * TPE on a conditional search space (bench/_conditional-space.ts: a model choice, then that
 * model's own parameters), where multivariate TPE without groups sees only the parameters
 * every trial has and samples the rest one by one, and grouped TPE samples each branch
 * jointly. Final regret (median [p25, p75]) and median regret at 10/25/50/100 trials for
 * hpo's samplers and, run now on the same seeds, Optuna 3.1 and 4.9's TPE (univariate,
 * multivariate, multivariate with groups); "≤ best Optuna" compares with the best of those
 * six at each checkpoint. Means are printed beside the medians: the finals are bimodal (the
 * right branch at the right batch size, or the right branch at a neighbouring one, 0.005
 * worse), so a 20-seed median can jump between the modes. `--optuna-jobs N` runs Optuna's
 * seeds in N chunks at once (held-out seed ranges take about 4 s of CPU per seed and setting).
 */
import { parseArgs } from "node:util";
import { createStudy, InMemoryStorage, TPESampler, type TPESamplerOptions } from "../src/index.ts";
import { CONDITIONAL_TRIALS, conditionalObjective } from "./_conditional-space.ts";
import { fmt, loadAverages, percentile, printTable } from "./_function-spec.ts";
import { runPython } from "./_optuna-curves.ts";
import { benchScript, optunaPeers } from "./_optuna-peer.ts";

const CHECKPOINTS = [10, 25, 50, 100];
const OPTUNA_SETTINGS = ["tpe", "tpe-mv", "tpe-mv-group"];

/** hpo's rows: hpo's defaults, with the flat spaces' 48 candidates per group, without groups, and Optuna 3.1.0's settings replayed. */
const HPO_SAMPLERS: Record<string, TPESamplerOptions> = {
  default: {},
  "default-48": { conditionalEiCandidates: 48 },
  "default-no-group": { group: false },
  tpe: { replay: "optuna-3.1" },
  "tpe-mv-group-optuna": { replay: "optuna-3.1", multivariate: true, group: true },
};

interface Curve {
  finals: number[];
  at: Record<string, number[]>;
}

/** Runs `optuna_conditional.py` on `seeds` in `jobs` chunks at once and joins their curves in seed order. */
async function optunaCurves(env: NodeJS.ProcessEnv, seeds: readonly number[], jobs: number): Promise<{ optuna: string; results: Record<string, Curve> }> {
  const size = Math.ceil(seeds.length / Math.max(1, jobs));
  const chunks = Array.from({ length: Math.ceil(seeds.length / size) }, (_, i) => seeds.slice(i * size, (i + 1) * size));
  const parts = await Promise.all(
    chunks.map(async (chunk) => JSON.parse(await runPython([benchScript("optuna_conditional.py"), chunk.join(","), OPTUNA_SETTINGS.join(",")], env)) as { optuna: string; results: Record<string, Curve> }),
  );
  const results: Record<string, Curve> = {};
  for (const s of OPTUNA_SETTINGS) {
    results[s] = { finals: parts.flatMap((p) => p.results[s].finals), at: Object.fromEntries(CHECKPOINTS.map((c) => [String(c), parts.flatMap((p) => p.results[s].at[String(c)])])) };
  }
  return { optuna: parts[0].optuna, results };
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
      "optuna-jobs": { type: "string", default: "1" },
      samplers: { type: "string", default: Object.keys(HPO_SAMPLERS).join(",") },
    },
  });
  const seeds = seedsOf(values.seeds!);
  const rows: [string, Curve][] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
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
        const parsed = await optunaCurves(peer.env, seeds, Number(values["optuna-jobs"]));
        for (const s of OPTUNA_SETTINGS) optunaRows.push([`Optuna ${parsed.optuna} ${s}`, parsed.results[s]]);
      } catch (e) {
        notes.push(`Optuna ${peer.label} skipped: ${(e as Error).message}`);
      }
    }
  }
  const medians = (c: Curve) => [...CHECKPOINTS.map((k) => percentile(c.at[String(k)], 0.5))];
  const best = CHECKPOINTS.map((_, i) => Math.min(...optunaRows.map(([, c]) => medians(c)[i])));
  console.log(`\nConditional space, ${CONDITIONAL_TRIALS} trials, seeds ${seeds[0]}..${seeds.at(-1)} (${seeds.length}): final regret median [p25, p75]; median regret at ${CHECKPOINTS.join(" / ")}`);
  const hpoCpu = process.cpuUsage(cpu0);
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const table: string[][] = [["sampler", "final median [p25, p75]", "mean", `@${CHECKPOINTS.join(" / @")}`, optunaRows.length ? "≤ best Optuna at" : ""]];
  for (const [name, c] of [...rows, ...optunaRows]) {
    const m = medians(c);
    const met = name.startsWith("hpo") && optunaRows.length ? CHECKPOINTS.filter((_, i) => m[i] <= best[i] * (1 + 1e-9)).join(", ") || "none" : "";
    table.push([name, `${fmt(percentile(c.finals, 0.5))} [${fmt(percentile(c.finals, 0.25))}, ${fmt(percentile(c.finals, 0.75))}]`, fmt(mean(c.finals)), m.map(fmt).join(" / "), met]);
  }
  if (optunaRows.length) table.push(["best Optuna TPE", "", "", best.map(fmt).join(" / "), ""]);
  printTable(table);
  for (const n of notes) console.log(`  ${n}`);
  const cpuS = (hpoCpu.user + hpoCpu.system) / 1e6;
  console.log(`  hpo + Optuna wall ${((performance.now() - wall0) / 1000).toFixed(0)} s, this process's CPU ${cpuS.toFixed(1)} s (hpo's samplers and the wait for Optuna); load average ${loadAverages()}`);
}
