// Checks a finished captioner-gpu study as hpo stored it and prints what gpu-check.sh shows:
// per trial its pinned GPU, the GPU's name, step time and images/s (from the trial's log),
// and every epoch's named metrics. Mismatches (a trial not COMPLETE, a metric missing, a
// stored score that differs from hpo/metrics on the captions file, a GPU outside the list
// or shared) are listed and the exit code is 1.
//
//   node scripts/gpu-check/check-study.mjs <storage> <study> <trials folder> <gpus, e.g. 0,1>
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { computeCaptionMetrics } from "hpo/metrics";

const [storage, studyName, trialsRoot, gpuList] = process.argv.slice(2);
if (!gpuList) {
  console.error("usage: check-study.mjs <storage> <study> <trials folder> <gpus>");
  process.exit(2);
}
const hpoBin = fileURLToPath(new URL("../../bin/hpo.js", import.meta.url));
const SCORES = ["bleu1", "bleu2", "rougeL", "meteor"];
const TOL = 1e-12;
const problems = [];
const fail = (message) => problems.push(message);

const trials = JSON.parse(execFileSync(process.execPath, [hpoBin, "trials", studyName, "--storage", storage, "--json"], { encoding: "utf8" }));
const gpus = gpuList.split(",");
if (trials.length !== 2) fail(`expected 2 trials, found ${trials.length}`);

// Losses first, then validation scores, then test scores.
const rank = (name) => (name.endsWith("_loss") ? 0 : name.startsWith("val_") ? 1 : 2);
const fmt = (v) => (typeof v === "number" ? v.toFixed(4) : String(v));
const usedGpus = [];
for (const t of trials) {
  const label = `trial ${t.number}`;
  if (t.state !== "COMPLETE") fail(`${label}: ${t.state} (${t.systemAttrs?.fail_reason ?? "no reason"})`);
  const gpu = t.userAttrs.gpu;
  if (!gpus.includes(String(gpu))) fail(`${label}: pinned to GPU ${gpu}, not one of ${gpuList}`);
  usedGpus.push(String(gpu));
  const folder = join(trialsRoot, studyName, `trial-${t.number}`);
  const log = existsSync(join(folder, "output.log")) ? readFileSync(join(folder, "output.log"), "utf8") : "";
  const device = /^trial \d+ on (\S+) \(([^)]*)\)/m.exec(log);
  const speed = [...log.matchAll(/^epoch (\d+)\/\d+: (\d+) images in ([\d.]+)s, ([\d.]+) images\/s, ([\d.]+) ms\/step$/gm)];
  console.log(`${label}: pinned GPU ${gpu} (CUDA_VISIBLE_DEVICES), device ${device ? `${device[1]} "${device[2]}"` : "not logged"}, value ${fmt(t.values?.[0] ?? t.value)}`);
  if (!device) fail(`${label}: the log does not say which device it used`);
  if (speed.length === 0) fail(`${label}: no step time in the log`);
  for (const s of speed) console.log(`  epoch ${s[1]}: ${s[2]} images in ${s[3]} s, ${s[4]} images/s, ${s[5]} ms/step`);

  const steps = Object.keys(t.metrics ?? {}).map(Number).sort((a, b) => a - b);
  for (const step of steps) {
    const m = t.metrics[String(step)];
    const names = Object.keys(m).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    console.log(`  step ${step}: ${names.map((k) => `${k}=${fmt(m[k])}`).join(" ")}`);
  }
  for (const step of [0, 1]) {
    const m = t.metrics?.[String(step)] ?? {};
    const expected = ["val_loss", ...SCORES.map((s) => `val_${s}`), ...(step > 0 ? ["train_loss"] : [])];
    const missing = expected.filter((k) => typeof m[k] !== "number");
    if (missing.length) fail(`${label}: step ${step} lacks ${missing.join(", ")}`);
  }
  const testStep = steps.find((s) => typeof t.metrics[String(s)].test_meteor === "number");
  if (testStep === undefined) fail(`${label}: the test split was never scored`);
  const best = steps.filter((s) => s > 0 || steps.length === 1).reduce((a, s) => (t.metrics[String(s)].val_meteor > (t.metrics[String(a)]?.val_meteor ?? -Infinity) ? s : a), steps[0]);
  if (testStep !== undefined && t.metrics[String(testStep)].val_meteor !== Math.max(...steps.map((s) => t.metrics[String(s)].val_meteor))) {
    fail(`${label}: the test split was scored at step ${testStep}, not at the best validation epoch (${best})`);
  }

  // Every stored score equals hpo/metrics on the captions the program handed over.
  const captions = join(folder, "captions");
  for (const file of existsSync(captions) ? readdirSync(captions).filter((f) => f.endsWith(".jsonl")) : []) {
    const [, split, step] = /^(.+)-step(\d+)\.jsonl$/.exec(file) ?? [];
    if (!split) continue;
    const cases = readFileSync(join(captions, file), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const scores = computeCaptionMetrics(cases.map((c) => c.prediction), cases.map((c) => c.references));
    for (const s of SCORES) {
      const stored = t.metrics?.[step]?.[`${split}_${s}`];
      if (typeof stored !== "number" || Math.abs(stored - scores[s]) > TOL) fail(`${label}: ${split}_${s} at step ${step} is ${stored}, hpo/metrics gives ${scores[s]}`);
    }
  }
}
if (gpus.length >= 2 && new Set(usedGpus).size !== usedGpus.length) fail(`two trials ran on one GPU (${usedGpus.join(", ")}) although ${gpuList} were given`);

if (problems.length) {
  console.log(`\nMISMATCH (${problems.length}):`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log("\nOK: every trial complete, pinned to its own GPU, every epoch's metrics stored and equal to hpo/metrics");
