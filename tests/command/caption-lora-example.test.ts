// examples/python/caption_lora.py through hpo, on the CPU: Debian's PyTorch with test
// doubles of transformers and peft (tests/command/python/hf-stubs). What runs for real: the
// example's data, schedule, freeze modes, checkpoints and resume, the command objective,
// hpo's scoring of the captions (hpo:captions) and the named metrics it stores.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, type FrozenTrial } from "hpo";
import { command } from "hpo/command";
import { computeCaptionMetrics } from "hpo/metrics";
import { waitFor } from "./child-programs.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = "/usr/bin/python3"; // Debian's, with python3-torch (a pyenv python3 on PATH may lack torch)
const STUBS = join(root, "tests/command/python/hf-stubs");
const SCRIPT = join(root, "examples/python/caption_lora.py");
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"]).status === 0;
const PYTHONPATH = `${STUBS}:${join(root, "examples/python")}`;



let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "hpo-caption-lora-"));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const SPLITS = ["bleu1", "bleu2", "rougeL", "meteor"];
const ARGS = ["--tiny-random", "--synthetic", "160", "--num-workers", "0", "--batch-size", "16", "--lr", "0.01", "--device", "cpu"];

/** A study (PGlite-free: memory) running the example with fixed params. */
async function runExample(studyName: string, params: Record<string, string | number>, extra: string[] = []) {
  const study = await createStudy({ storage: "memory", direction: "maximize", studyName, metric: "val_meteor" });
  const objective = command({
    cmd: [PYTHON, SCRIPT, ...ARGS, "--lora-r", "{lora_r}", "--freeze", "{freeze}", "--epochs", "{epochs}", ...extra],
    env: { PYTHONPATH },
    logDir: join(workDir, "trials"),
  });
  await study.optimize(
    (trial) => {
      for (const [name, value] of Object.entries(params)) trial.suggestCategorical(name, [value]);
      return objective(trial);
    },
    { nTrials: 1, catch: true },
  );
  const trials = await study.trials();
  await study.close();
  return trials[0] as FrozenTrial;
}

const trialDir = (studyName: string, n = 0) => join(workDir, "trials", studyName, `trial-${n}`);
const metricsAt = (trial: FrozenTrial, step: number): Readonly<Record<string, number>> => trial.metrics.get(step) ?? {};

/** The scores hpo/metrics gives for a captions file the example wrote. */
function scoresOfFile(file: string) {
  const cases = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { prediction: string; references: string[] });
  return computeCaptionMetrics(cases.map((c) => c.prediction), cases.map((c) => c.references));
}

describe.skipIf(!hasTorch)("examples/python/caption_lora.py (PyTorch, Hugging Face test doubles)", { timeout: 300_000 }, () => {
  it("reports epoch 0 (zero-shot) to the last epoch: losses and hpo's caption scores; test scored at the best epoch", async () => {
    const trial = await runExample("example-epochs", { lora_r: 4, freeze: "encoder", epochs: 3 });
    expect(trial.state).toBe("COMPLETE");
    expect([...trial.metrics.keys()]).toEqual([0, 1, 2, 3]);
    expect(Object.keys(metricsAt(trial, 0)).sort()).toEqual(["val_bleu1", "val_bleu2", "val_loss", "val_meteor", "val_rougeL"]);
    for (const step of [1, 2, 3]) {
      expect(Object.keys(metricsAt(trial, step))).toEqual(expect.arrayContaining(["train_loss", "val_loss", ...SPLITS.map((s) => `val_${s}`)]));
    }
    // Every stored score is hpo/metrics on the captions the program handed over.
    const folder = join(trialDir("example-epochs"), "captions");
    for (const file of readdirSync(folder).filter((f) => f.endsWith(".jsonl"))) {
      const [, split, step] = /^(val|test)-step(\d+)\.jsonl$/.exec(file)!;
      const expected = scoresOfFile(join(folder, file));
      for (const s of SPLITS) expect(metricsAt(trial, Number(step))[`${split}_${s}`]).toBe(expected[s as "meteor"]);
    }
    // The best validation epoch (by hpo's val_meteor; the first of equals) gives the value and the test step.
    const steps = [0, 1, 2, 3];
    const meteors = steps.map((s) => metricsAt(trial, s).val_meteor);
    const best = steps[meteors.indexOf(Math.max(...meteors))];
    expect(trial.value).toBe(Math.max(...meteors));
    const testSteps = steps.filter((s) => "test_meteor" in metricsAt(trial, s));
    expect(testSteps).toEqual([best]);
    expect(trial.intermediateValues.get(best)).toBe(Math.max(...meteors)); // the pruner watches val_meteor
  });

  it("--lora-r 0 fine-tunes fully; freeze encoder trains no encoder weight either way (from the log's counts)", async () => {
    const full = await runExample("example-full", { lora_r: 0, freeze: "encoder", epochs: 1 });
    const lora = await runExample("example-lora", { lora_r: 4, freeze: "encoder", epochs: 1 });
    const none = await runExample("example-none", { lora_r: 0, freeze: "none", epochs: 1 });
    const counts = (t: FrozenTrial) => {
      const m = /([\d,]+) of ([\d,]+) params train \(freeze=(\w+), ([^)]*)\)/.exec(readFileSync(t.userAttrs.log_path as string, "utf8"))!;
      return { trainable: Number(m[1].replace(/,/g, "")), total: Number(m[2].replace(/,/g, "")), how: m[4] };
    };
    for (const t of [full, lora, none]) expect(t.state).toBe("COMPLETE");
    expect(counts(full).how).toBe("full fine-tuning");
    expect(counts(lora).how).toMatch(/^LoRA r=4/);
    expect(counts(none).trainable).toBe(counts(none).total);
    expect(counts(full).trainable).toBeLessThan(counts(none).trainable); // the encoder is out
    expect(counts(lora).trainable).toBeLessThan(counts(full).trainable); // adapters only
  });

  it("resumes after kill -9: a new trial with the same params continues the checkpoint and ends as an uninterrupted run", async () => {
    const params = { lora_r: 4, freeze: "none", epochs: 3 };
    // A value no other test passes, so pgrep finds this run's program only.
    const marker = ["--val-limit", "499"];
    const reference = await runExample("example-reference", params, marker);
    expect(reference.state).toBe("COMPLETE");

    // The same run in a study of its own, killed (SIGKILL) once its epoch-1 checkpoint exists.
    const studyName = "example-resume";
    const meta = join(trialDir(studyName, 0), "checkpoint.pt.json");
    const study = await createStudy({ storage: "memory", direction: "maximize", studyName, metric: "val_meteor" });
    const objective = command({
      cmd: [PYTHON, SCRIPT, ...ARGS, "--lora-r", "{lora_r}", "--freeze", "{freeze}", "--epochs", "{epochs}", ...marker],
      env: { PYTHONPATH },
      logDir: join(workDir, "trials"),
    });
    const runTrial = () =>
      study.optimize(
        (trial) => {
          for (const [name, value] of Object.entries(params)) trial.suggestCategorical(name, [value]);
          return objective(trial);
        },
        { nTrials: 1, catch: true },
      );
    const first = runTrial();
    const reached = await waitFor(() => existsSync(meta) && JSON.parse(readFileSync(meta, "utf8")).epoch >= 1, 120_000);
    expect(reached).toBe(true);
    const pid = Number(spawnSync("pgrep", ["-f", `${SCRIPT}.*--val-limit 499`], { encoding: "utf8" }).stdout.trim().split("\n")[0]);
    process.kill(pid, "SIGKILL");
    await first;
    const killed = (await study.trials())[0];
    expect(killed.state).toBe("FAIL");
    expect(String(killed.systemAttrs.fail_reason)).toMatch(/killed by SIGKILL/);

    await runTrial();
    const resumed = (await study.trials())[1];
    await study.close();
    expect(resumed.state).toBe("COMPLETE");
    expect(readFileSync(resumed.userAttrs.log_path as string, "utf8")).toMatch(/resuming from .*trial-0\/checkpoint\.pt: epochs 0-[12] done/);
    // Its curves are whole (earlier epochs re-reported) and equal the uninterrupted run's.
    expect([...resumed.metrics.keys()]).toEqual([0, 1, 2, 3]);
    for (const step of [0, 1, 2, 3]) {
      for (const [name, value] of Object.entries(metricsAt(reference, step))) expect(metricsAt(resumed, step)[name]).toBeCloseTo(value, 5);
    }
    expect(resumed.value).toBeCloseTo(reference.value!, 6);
  });
});

describe.skipIf(!hasTorch)("scripts/gpu-check.sh, dry run on the CPU (fake GPU list)", { timeout: 300_000 }, () => {
  it("runs the 2-trial study, prints each trial's pinned GPU, speed and stored metrics, and exits 0; a mismatch exits 1", () => {
    const env = { ...process.env, GPU_CHECK_DRY_RUN: "1", GPU_CHECK_GPUS: "5,7", PYTHON, PYTHONPATH: STUBS, TMPDIR: workDir };
    const run = spawnSync("bash", [join(root, "scripts/gpu-check.sh")], { env, encoding: "utf8" });
    expect(run.stdout).toMatch(/^trial 0: pinned GPU [57] \(CUDA_VISIBLE_DEVICES\), device cpu "cpu", value 0\.\d{4}$/m);
    expect(run.stdout).toMatch(/^trial 1: pinned GPU [57] /m);
    expect(run.stdout).toMatch(/^ {2}epoch 1: 128 images in [\d.]+ s, [\d.]+ images\/s, [\d.]+ ms\/step$/m);
    expect(run.stdout).toMatch(/^ {2}step 1: train_loss=\d\.\d{4} val_loss=\d\.\d{4} val_bleu1=/m);
    expect(run.stdout).toMatch(/\nOK: every trial complete, pinned to its own GPU/);
    expect(new Set([...run.stdout.matchAll(/pinned GPU (\d)/g)].map((m) => m[1]))).toEqual(new Set(["5", "7"]));
    expect(run.status).toBe(0);
  });
});

describe.skipIf(!hasTorch)("scripts/gpu-check/check-study.mjs", { timeout: 300_000 }, () => {
  it("names every mismatch and exits 1: a GPU outside the list, a stored score that differs", () => {
    const dir = mkdtempSync(join(workDir, "check-"));
    const env = { ...process.env, PYTHON, PYTHONPATH: STUBS, CAPTION_MODEL: "tiny", CAPTION_SYNTHETIC: "160", CAPTION_TRIALS: "2", CAPTION_STUDY: "gpu-check", CAPTION_EXTRA: "--epochs 1 --num-workers 0 --device cpu" };
    const run = spawnSync(process.execPath, [join(root, "bin/hpo.js"), "run", join(root, "examples/captioner-gpu-study.ts"), "--storage", join(dir, "store"), "--gpus", "4", "--quiet"], { cwd: dir, env, encoding: "utf8" });
    expect(run.status).toBe(0);
    const check = (gpus: string) =>
      spawnSync(process.execPath, [join(root, "scripts/gpu-check/check-study.mjs"), join(dir, "store"), "gpu-check", join(dir, "hpo-trials"), gpus], { encoding: "utf8" });
    const good = check("4");
    expect(good.stdout).toMatch(/\nOK: every trial complete/);
    expect(good.status).toBe(0);
    // Tamper with the captions trial 0 handed over: its stored scores no longer match them.
    const file = join(dir, "hpo-trials/gpu-check/trial-0/captions/val-step1.jsonl");
    const perfect = readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => {
      const c = JSON.parse(line) as { references: string[] };
      return JSON.stringify({ prediction: c.references[0], references: c.references });
    });
    writeFileSync(file, `${perfect.join("\n")}\n`);
    const bad = check("6,7");
    expect(bad.stdout).toMatch(/MISMATCH \(\d+\):/);
    expect(bad.stdout).toContain("trial 0: pinned to GPU 4, not one of 6,7");
    expect(bad.stdout).toMatch(/trial 0: val_meteor at step 1 is [\d.e-]+, hpo\/metrics gives [\d.e-]+/);
    expect(bad.status).toBe(1);
  });
});
