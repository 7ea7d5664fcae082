/**
 * `npm run bench -- pruners [--seeds 0..19] [--trials 60] [--sampler tpe|random]
 *   [--normalized-kernels] [--tpe-options '{"multivariate":true}'] [--only nop,median,...] [--no-candidates] [--latency]`
 *
 * Pruners on captioner-curves (../shared/bench/curves.json): per seed s, a study named
 * captioner-curves-seed<s> (Hyperband hashes the name) on in-memory storage with
 * TPESampler({ seed: s }), 60 trials, each reporting loss(e, instanceSeed = s) for epochs
 * 1..20 and asking its pruner after each. Epochs = sum over trials of the last epoch
 * reached; regret = best COMPLETE final value - optimum. Medians (NumPy linear
 * percentiles) over seeds, beside Optuna 3.1.0's numbers from
 * ../shared/bench/optuna-pruning-baseline.json, then candidates for a smarter default.
 * `--latency` times prune() alone on synthetic histories of a few thousand trials.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { lastStep } from "../src/vocabulary/frozen-trial.ts";
import {
  CatchUpPruner,
  createStudy,
  HyperbandPruner,
  InMemoryStorage,
  MedianPruner,
  NopPruner,
  PatientPruner,
  PercentilePruner,
  RandomSampler,
  SuccessiveHalvingPruner,
  TPESampler,
  TrialPruned,
  type FrozenTrial,
  type Pruner,
  type Sampler,
  type StudyDirection,
  type TPESamplerOptions,
  type Trial,
} from "../src/index.ts";
import { SeededRandom } from "../src/random/seeded-random.ts";
import { studyViewOf } from "../src/vocabulary/study-view.ts";
import { loss, toCurveParams } from "../../shared/bench/curves.ts";

const SHARED = new URL("../../shared/bench/", import.meta.url);

interface CurvesSpec {
  params: (
    | { name: string; type: "float"; low: number; high: number; log: boolean }
    | { name: string; type: "categorical"; choices: (number | string)[] }
  )[];
  resource: { min_resource: number; max_resource: number };
  optimum: { value: number };
}

interface Quantiles {
  median: number;
  p25: number;
  p75: number;
}

interface BaselineEntry {
  pruner: string;
  epochs: Quantiles;
  regret: Quantiles;
  n_pruned: Quantiles;
}

interface Baseline {
  meta: { seeds: number[]; n_trials: number };
  pruners: Record<string, BaselineEntry>;
}

/** One pruner configuration under test. */
interface Contender {
  key: string;
  label: string;
  make: () => Pruner;
  /** The Optuna baseline entry it is compared with, if any. */
  baseline?: string;
}

const CONTENDERS: Contender[] = [
  { key: "nop", label: "no pruning", make: () => new NopPruner(), baseline: "nop" },
  {
    key: "median",
    label: "median (5 startup, 2 warm-up)",
    make: () => new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 }),
    baseline: "median",
  },
  { key: "sha", label: "successive halving (defaults)", make: () => new SuccessiveHalvingPruner(), baseline: "sha" },
  {
    key: "hyperband",
    label: "Hyperband (1, 20, 3)",
    make: () => new HyperbandPruner({ minResource: 1, maxResource: 20, reductionFactor: 3 }),
    baseline: "hyperband",
  },
];

/** Candidates for a smarter default: fewer epochs at the regret of the stock pruners. */
const CANDIDATES: Contender[] = [
  { key: "catch-up", label: "catch-up (hpo; percentile 50, 5 startup)", make: () => new CatchUpPruner() },
  {
    key: "median-w4",
    label: "median (5 startup, 4 warm-up)",
    make: () => new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 4 }),
  },
  {
    key: "p40-w4",
    label: "percentile 40 (5 startup, 4 warm-up)",
    make: () => new PercentilePruner({ percentile: 40, nStartupTrials: 5, nWarmupSteps: 4 }),
  },
  {
    key: "patient-median",
    label: "patient(2) + median (5, 2)",
    make: () => new PatientPruner({ wrappedPruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 }), patience: 2 }),
  },
  {
    key: "sha-2-3-1",
    label: "successive halving (min 2, η 3, rate 1)",
    make: () => new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1 }),
  },
  {
    key: "hyperband-2-20-3",
    label: "Hyperband (2, 20, 3)",
    make: () => new HyperbandPruner({ minResource: 2, maxResource: 20, reductionFactor: 3 }),
  },
];

interface Args {
  seeds: number[];
  trials: number;
  sampler: "tpe" | "random";
  only: Set<string> | null;
  latency: boolean;
  candidates: boolean;
  /** TPE with Optuna >= 3.5's normalised kernels instead of hpo's default (3.1.0's). */
  normalizedKernels: boolean;
  /** Extra TPESampler options (JSON), e.g. to compare a non-default setting. */
  tpeOptions: Record<string, unknown>;
}

type SamplerFactory = (seed: number) => Sampler;

/** hpo's TPESampler with the given options, seeded per run. */
async function tpeFactory(normalizedKernels: boolean, extra: Record<string, unknown>): Promise<{ make: SamplerFactory; from: string } | null> {
  // Optuna's baseline ran TPESampler(seed=s): the replay of Optuna 3.1.0's defaults is the
  // same sampler, so the pruners are compared on equal terms.
  const base = { replay: "optuna-3.1", ...extra, ...(normalizedKernels ? { optuna31Kernels: false } : {}) } as TPESamplerOptions;
  return { make: (seed) => new TPESampler({ ...base, seed }), from: "hpo" };
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seeds: range(0, 19), trials: 60, sampler: "tpe", only: null, latency: false, candidates: true, normalizedKernels: false, tpeOptions: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench pruners: ${a} needs a value`);
      return v;
    };
    if (a === "--seeds") {
      const v = value();
      const m = /^(\d+)\.\.(\d+)$/.exec(v);
      args.seeds = m ? range(Number(m[1]), Number(m[2])) : v.split(",").map(Number);
    } else if (a === "--trials") args.trials = Number(value());
    else if (a === "--sampler") {
      const v = value();
      if (v !== "tpe" && v !== "random") throw new Error(`bench pruners: --sampler is tpe or random, got ${v}`);
      args.sampler = v;
    } else if (a === "--only") args.only = new Set(value().split(","));
    else if (a === "--latency") args.latency = true;
    else if (a === "--no-candidates") args.candidates = false;
    else if (a === "--normalized-kernels") args.normalizedKernels = true;
    else if (a === "--tpe-options") args.tpeOptions = JSON.parse(value()) as Record<string, unknown>;
    else throw new Error(`bench pruners: unknown argument ${a}`);
  }
  return args;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** One study: 60 trials of captioner-curves under `pruner`; epochs spent and final regret. */
async function runStudy(spec: CurvesSpec, seed: number, nTrials: number, sampler: Sampler, pruner: Pruner) {
  const study = await createStudy({
    studyName: `captioner-curves-seed${seed}`,
    // A fresh in-memory storage per study: "memory" is shared within a process, and every
    // pruner reuses the study names Optuna's baseline used (Hyperband hashes them).
    storage: new InMemoryStorage(),
    direction: "minimize",
    sampler,
    pruner,
  });
  const { min_resource: first, max_resource: last } = spec.resource;
  await study.optimize(
    async (trial: Trial) => {
      const raw: Record<string, unknown> = {};
      for (const p of spec.params) {
        raw[p.name] =
          p.type === "float" ? trial.suggestFloat(p.name, p.low, p.high, { log: p.log }) : trial.suggestCategorical(p.name, p.choices);
      }
      const params = toCurveParams(raw);
      let value = NaN;
      for (let epoch = first; epoch <= last; epoch++) {
        value = loss(params, epoch, seed);
        trial.report(value, epoch);
        if (await trial.shouldPrune()) throw new TrialPruned();
      }
      return value;
    },
    { nTrials },
  );
  const trials = await study.trials();
  let epochs = 0;
  let best = Infinity;
  let pruned = 0;
  for (const t of trials) epochs += lastStep(t) ?? 0;
  for (const t of trials) {
    if (t.state === "PRUNED") pruned++;
    if (t.state === "COMPLETE" && t.value !== null && t.value < best) best = t.value;
  }
  return { epochs, regret: best - spec.optimum.value, pruned };
}

/** NumPy's linear-interpolation percentile. */
function percentile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const idx = (s.length - 1) * (q / 100);
  const lo = Math.floor(idx);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (idx - lo);
}

function quantiles(values: readonly number[]): Quantiles {
  return { median: percentile(values, 50), p25: percentile(values, 25), p75: percentile(values, 75) };
}

/**
 * A 90% bootstrap interval of the median over seeds (2000 resamples, fixed generator), so
 * a table reader can tell a real difference from seed noise.
 */
function medianInterval(values: readonly number[]): [number, number] {
  const rng = new SeededRandom(20240601);
  const medians: number[] = [];
  const sample = new Array<number>(values.length);
  for (let b = 0; b < 2000; b++) {
    for (let i = 0; i < values.length; i++) sample[i] = values[rng.int(0, values.length - 1)];
    medians.push(percentile(sample, 50));
  }
  return [percentile(medians, 5), percentile(medians, 95)];
}

interface Row {
  contender: Contender;
  epochs: Quantiles;
  epochsCi: [number, number];
  regret: Quantiles;
  regretCi: [number, number];
  pruned: Quantiles;
  seconds: number;
}

async function evaluate(c: Contender, args: Args, spec: CurvesSpec, makeSampler: SamplerFactory): Promise<Row> {
  const epochs: number[] = [];
  const regrets: number[] = [];
  const pruned: number[] = [];
  const t0 = performance.now();
  for (const seed of args.seeds) {
    const r = await runStudy(spec, seed, args.trials, makeSampler(seed), c.make());
    epochs.push(r.epochs);
    regrets.push(r.regret);
    pruned.push(r.pruned);
  }
  return {
    contender: c,
    epochs: quantiles(epochs),
    epochsCi: medianInterval(epochs),
    regret: quantiles(regrets),
    regretCi: medianInterval(regrets),
    pruned: quantiles(pruned),
    seconds: (performance.now() - t0) / 1000,
  };
}

function fmtRegret(q: Quantiles): string {
  return `${q.median.toFixed(4)} [${q.p25.toFixed(4)}, ${q.p75.toFixed(4)}]`;
}

function fmtCi([lo, hi]: [number, number], digits: number): string {
  return `${lo.toFixed(digits)}..${hi.toFixed(digits)}`;
}

/**
 * Against Optuna's medians: "meets" when ours are no worse on both; "within noise" when a
 * worse median still has Optuna's inside its 90% interval; otherwise "misses".
 */
function verdict(r: Row, b: BaselineEntry): string {
  const epochsOk = r.epochs.median <= b.epochs.median;
  const regretOk = r.regret.median <= b.regret.median;
  if (epochsOk && regretOk) return "meets target";
  const epochsNoise = epochsOk || b.epochs.median >= r.epochsCi[0];
  const regretNoise = regretOk || b.regret.median >= r.regretCi[0];
  return epochsNoise && regretNoise ? "within noise" : "misses target";
}

function printTable(rows: Row[], baseline: Baseline, withBaseline: boolean): void {
  const header = ["pruner", "epochs median (90% CI)", "regret median [p25, p75]", "regret median 90% CI", "pruned", "s"];
  if (withBaseline) header.push("Optuna 3.1 epochs", "Optuna 3.1 regret [p25, p75]", "verdict");
  const lines = [header];
  for (const r of rows) {
    const line = [
      r.contender.label,
      `${r.epochs.median.toFixed(1)} (${fmtCi(r.epochsCi, 0)})`,
      fmtRegret(r.regret),
      fmtCi(r.regretCi, 4),
      r.pruned.median.toFixed(1),
      r.seconds.toFixed(1),
    ];
    if (withBaseline) {
      const b = r.contender.baseline ? baseline.pruners[r.contender.baseline] : undefined;
      if (b) line.push(b.epochs.median.toFixed(1), fmtRegret(b.regret), verdict(r, b));
      else line.push("", "", "");
    }
    lines.push(line);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const [i, l] of lines.entries()) {
    console.log("| " + l.map((c, j) => c.padEnd(widths[j])).join(" | ") + " |");
    if (i === 0) console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  }
}

/** prune() latency on synthetic studies of `n` finished trials (20 steps each) plus one running. */
function latency(): void {
  const cases: { label: string; make: () => Pruner }[] = [
    { label: "median (5, 2)", make: () => new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 2 }) },
    { label: "successive halving", make: () => new SuccessiveHalvingPruner() },
    { label: "Hyperband (1, 20, 3)", make: () => new HyperbandPruner({ minResource: 1, maxResource: 20, reductionFactor: 3 }) },
  ];
  console.log("\nprune() latency (one call = one shouldPrune's pruner work; history already loaded)");
  console.log("| pruner | trials | first call ms | next calls µs (median of 200, new report each) |");
  console.log("|---|---|---|---|");
  for (const n of [1000, 3000]) {
    const finished = syntheticHistory(n, 20);
    for (const c of cases) {
      const pruner = c.make();
      const direction: StudyDirection = "minimize";
      const times: number[] = [];
      let first = 0;
      for (let i = 0; i <= 200; i++) {
        // A fresh history array and trial snapshot per call, as the core's cache hands out after a report.
        const running = runningSnapshot(n + (i % 8), 1 + (i % 20), i);
        const study = studyViewOf({ studyName: "latency", directions: [direction], trials: [...finished, running] });
        const t0 = performance.now();
        pruner.prune(study, running);
        const dt = performance.now() - t0;
        if (i === 0) first = dt;
        else times.push(dt * 1000);
      }
      console.log(`| ${c.label} | ${n} | ${first.toFixed(2)} | ${percentile(times, 50).toFixed(1)} |`);
    }
  }
}

function syntheticHistory(n: number, steps: number): FrozenTrial[] {
  const out: FrozenTrial[] = [];
  let x = 12345;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    const asym = 0.2 + 0.7 * rnd();
    const tau = 1 + 6 * rnd();
    const last = rnd() < 0.6 ? 1 + Math.floor(rnd() * steps) : steps;
    const iv = new Map<number, number>();
    for (let e = 1; e <= last; e++) iv.set(e, asym + (1 - asym) * Math.exp(-e / tau) + 0.01 * rnd());
    out.push(frozen(i, last === steps ? "COMPLETE" : "PRUNED", iv));
  }
  return out;
}

function runningSnapshot(number: number, step: number, salt: number): FrozenTrial {
  const iv = new Map<number, number>();
  for (let e = 1; e <= step; e++) iv.set(e, 0.5 + 0.5 * Math.exp(-e / 3) + 0.001 * ((salt * 7919 + e) % 13));
  return frozen(number, "RUNNING", iv);
}

function frozen(number: number, state: FrozenTrial["state"], iv: Map<number, number>): FrozenTrial {
  const last = [...iv.values()].at(-1) ?? null;
  return {
    trialId: number + 1,
    number,
    state,
    value: state === "RUNNING" ? null : last,
    values: state === "RUNNING" || last === null ? null : [last],
    params: {},
    distributions: {},
    intermediateValues: iv,
    metrics: new Map([...iv].map(([step, value]) => [step, { value }])),
    userAttrs: {},
    systemAttrs: {},
    datetimeStart: new Date(1_700_000_000_000 + number * 1000),
    datetimeComplete: state === "RUNNING" ? null : new Date(1_700_000_000_000 + number * 1000 + 500),
  };
}

export default async function pruners(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const spec = JSON.parse(readFileSync(new URL("curves.json", SHARED), "utf8")) as CurvesSpec;
  const baseline = JSON.parse(readFileSync(new URL("optuna-pruning-baseline.json", SHARED), "utf8")) as Baseline;

  if (args.latency) return latency();

  const tpe = args.sampler === "tpe" ? await tpeFactory(args.normalizedKernels, args.tpeOptions) : null;
  let makeSampler: SamplerFactory;
  let samplerLabel: string;
  if (tpe) {
    makeSampler = tpe.make;
    const extra = Object.entries(args.tpeOptions).map(([k, v]) => `, ${k}: ${JSON.stringify(v)}`).join("");
    const kernels = extra + (args.normalizedKernels ? ", optuna31Kernels: false" : "");
    samplerLabel = `TPESampler({ seed, replay: "optuna-3.1"${kernels} }) from ${tpe.from}`;
  } else {
    if (args.sampler === "tpe") console.log("note: no TPESampler found; using RandomSampler");
    makeSampler = (seed) => new RandomSampler({ seed });
    samplerLabel = "RandomSampler({ seed })";
  }
  const seeds = args.seeds.length > 1 ? `${args.seeds[0]}..${args.seeds.at(-1)}` : String(args.seeds[0]);
  console.log(`captioner-curves: ${args.trials} trials per study, ${samplerLabel}, seeds ${seeds}, in-memory storage`);
  console.log("epochs: sum of the last epoch each trial reached (median over seeds); regret: best COMPLETE final loss - optimum\n");

  const pick = (list: Contender[]) => list.filter((c) => !args.only || args.only.has(c.key));
  const rows: Row[] = [];
  for (const c of pick(CONTENDERS)) rows.push(await evaluate(c, args, spec, makeSampler));
  // Optuna's medians are over its seeds and trial count: compare only like with like.
  const comparable =
    tpe !== null && args.trials === baseline.meta.n_trials && args.seeds.join() === baseline.meta.seeds.join();
  if (!comparable) console.log("(Optuna's baseline is TPE, seeds 0..19, 60 trials: not shown for this run)\n");
  printTable(rows, baseline, comparable);

  if (args.candidates) {
    const extra: Row[] = [];
    for (const c of pick(CANDIDATES)) extra.push(await evaluate(c, args, spec, makeSampler));
    if (extra.length > 0) {
      console.log("\nCandidates for a smarter default (same protocol):");
      printTable(extra, baseline, false);
    }
  }
}
