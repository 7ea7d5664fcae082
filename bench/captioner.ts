/**
 * `npm run bench -- captioner [--backends wasm,cpu] [--steps 30] [--warmup 5]
 *   [--cpu-steps 3] [--only default|reference|workers|hf]`
 *
 * Measures the captioner in TensorFlow.js, each measurement in a fresh child process (one
 * backend per process, its own peak memory):
 *   1. default sizes, per available backend: training images/s (batch 32, real synthetic
 *      batches, AdamW), evaluation captions/s (greedy, batch 64, stopping at <eos>), peak RSS;
 *   2. the fixed reference configuration (ViT 64×64 RGB, patch 8, d 96, 2 layers, 4 heads,
 *      MLP 384; decoder vocabulary 40, 16 tokens, d 96, 2 layers, 4 heads, cross-attention,
 *      tied output embedding; 552,672 parameters), per backend: median ms per training step
 *      (batch 32, AdamW, no clipping — as the PyTorch side) over --steps after --warmup, and
 *      greedy captions/s (batch 64 × 16 tokens, no early stop; median of 3 runs) — side by
 *      side with PyTorch's step for the same configuration, run in this invocation before
 *      and after (../shared/bench/torch/captioner_step.py's own model, read from ../shared;
 *      Debian python3-torch on one thread with OpenBLAS), as CPU-time ratios;
 *   3. two worker processes training the reference configuration at the same time;
 *   4. a tiny random Hugging Face-layout ViT + GPT-2 (written by
 *      scripts/captioner/make_hf_fixture.py: ViT 64×64, patch 8, 96 wide, 2 layers; GPT-2
 *      96 wide, 2 layers), loaded by loadPretrainedCaptioner: full training step and
 *      frozen-encoder step (encoder outputs computed once) against PyTorch running the same
 *      checkpoint through scripts/captioner/hf_modules.py; and an epoch (128 images) with
 *      the encoder frozen and cached against one training it.
 * Target: tfjs-wasm within 1.5× PyTorch's one-thread CPU time per step. Wall time and the
 * load average are printed beside every ratio: other work on the machine skews wall time.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import {
  AdamW,
  type BackendChoice,
  CaptionerModel,
  DEFAULT_DECODER,
  DEFAULT_ENCODER,
  dropoutSeeds,
  foodPlateVocabularyText,
  captionerObjectiveOptionsSchema,
  generateFoodPlates,
  generateCaptions,
  greedyDecode,
  loadPretrainedCaptioner,
  patchTensorOf,
  pretrainedTunable,
  prepareExamples,
  REFERENCE_CONFIG,
  selectBackend,
  tokenBatch,
  trainStep,
  WordTokenizer,
} from "../objectives/captioner/index.ts";
import { SeededRandom } from "../src/random/seeded-random.ts";
import { runPython, SCRIPTS, type TorchStep, torchPython } from "./_torch-peer.ts";

/** Stored figures of ../shared/bench/README.md: a reference, not a comparison (two-thread and captions only). */
const PYTORCH_STORED = { twoThreadMs: 187, captionsPerSecond: 98 };

interface DefaultResult {
  backend: string;
  parameters: number;
  trainImagesPerSecond: number;
  evalCaptionsPerSecond: number;
  peakRssMiB: number;
}

interface ReferenceResult {
  backend: string;
  parameters: number;
  medianMsPerStep: number;
  /** CPU time per step (user + system): less sensitive to other processes than wall time. */
  medianCpuMsPerStep: number;
  p10: number;
  p90: number;
  steps: number;
  captionsPerSecond: number;
  peakRssMiB: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function activate(backend: BackendChoice): Promise<void> {
  await selectBackend({ env: { HPO_TF_BACKEND: backend }, log: () => {} });
}

/** Child: default model sizes on real synthetic batches. */
async function measureDefault(backend: BackendChoice, steps: number, warmup: number): Promise<DefaultResult> {
  await activate(backend);
  const plates = generateFoodPlates({ count: 32 * 4, seed: 1, imageSize: DEFAULT_ENCODER.imageSize });
  const tokenizer = WordTokenizer.build([...plates.map((p) => p.description ?? ""), ...foodPlateVocabularyText()]);
  const model = CaptionerModel.create({ encoder: DEFAULT_ENCODER, decoder: { ...DEFAULT_DECODER, vocabSize: tokenizer.size } }, 1);
  const examples = prepareExamples(plates, "description", tokenizer, DEFAULT_ENCODER, DEFAULT_DECODER.maxTokens);
  const trainable = model.params.names().map((n) => model.params.get(n));
  const optimizer = new AdamW(trainable);
  const batches = [0, 1, 2, 3].map((i) => tokenBatch(examples.slice(i * 32, i * 32 + 32), DEFAULT_ENCODER, DEFAULT_DECODER.maxTokens));
  const times: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    const loss = trainStep(model, batches[s % 4], trainable, optimizer, { learningRate: 1e-3, seeds: dropoutSeeds(s) });
    loss.dataSync();
    loss.dispose();
    if (s >= warmup) times.push(performance.now() - t0);
  }
  const evalSet = examples.slice(0, 64);
  generateCaptions(model, tokenizer, evalSet.slice(0, 8));
  const evalRuns: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    generateCaptions(model, tokenizer, evalSet, { batchSize: 64 });
    evalRuns.push((performance.now() - t0) / 1000);
  }
  const evalSeconds = median(evalRuns);
  return {
    backend,
    parameters: model.parameterCount(),
    trainImagesPerSecond: 32 / (median(times) / 1000),
    evalCaptionsPerSecond: evalSet.length / evalSeconds,
    peakRssMiB: peakRssMiB(),
  };
}

interface StepResult {
  parameters: number;
  medianMsPerStep: number;
  medianCpuMsPerStep: number;
  p10: number;
  p90: number;
  peakRssMiB: number;
}

/** Times `step` (which returns the loss tensor) over warmup + steps calls. */
function timeSteps(step: () => tf.Scalar, steps: number, warmup: number): Omit<StepResult, "parameters" | "peakRssMiB"> {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const loss = step();
    loss.dataSync();
    loss.dispose();
    const c = process.cpuUsage(c0);
    if (s >= warmup) {
      times.push(performance.now() - t0);
      cpuTimes.push((c.user + c.system) / 1000);
    }
  }
  return { medianMsPerStep: median(times), medianCpuMsPerStep: median(cpuTimes), p10: quantile(times, 0.1), p90: quantile(times, 0.9) };
}

/** Child: the reference configuration on deterministic random data. */
async function measureReference(backend: BackendChoice, steps: number, warmup: number, withCaptions: boolean): Promise<ReferenceResult> {
  await activate(backend);
  const { encoder: e, decoder: d } = REFERENCE_CONFIG;
  const model = CaptionerModel.create(REFERENCE_CONFIG, 1);
  const rng = new SeededRandom(5);
  const patchValues = Float32Array.from({ length: 32 * 64 * 192 }, () => rng.uniform(-1, 1));
  const tokens = Int32Array.from({ length: 32 * d.maxTokens }, () => rng.int(3, d.vocabSize - 1));
  const targets = Int32Array.from({ length: 32 * d.maxTokens }, () => rng.int(2, d.vocabSize - 1));
  const batch = {
    patches: tf.tensor3d(patchValues, [32, (e.imageSize / e.patchSize) ** 2, e.patchSize * e.patchSize * e.channels]),
    inputs: tf.tensor2d(tokens, [32, d.maxTokens], "int32"),
    targets: tf.tensor1d(targets, "int32"),
    mask: tf.ones([32 * d.maxTokens]) as tf.Tensor1D,
  };
  const trainable = model.params.names().map((n) => model.params.get(n));
  const optimizer = new AdamW(trainable);
  const timing = timeSteps(() => trainStep(model, batch, trainable, optimizer, { learningRate: 1e-3, clipNorm: 0 }), steps, warmup);
  let captionsPerSecond = NaN;
  if (withCaptions) {
    const images = tf.tensor3d(Float32Array.from({ length: 64 * 64 * 192 }, () => rng.uniform(-1, 1)), [64, 64, 192]);
    greedyDecode(model, tf.slice(images, [0, 0, 0], [8, 64, 192]) as tf.Tensor3D, { stopAtEos: false });
    const runs: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      greedyDecode(model, images, { stopAtEos: false });
      runs.push(64 / ((performance.now() - t0) / 1000));
    }
    captionsPerSecond = median(runs);
  }
  return { backend, parameters: model.parameterCount(), ...timing, steps, captionsPerSecond, peakRssMiB: peakRssMiB() };
}

/** Child: a Hugging Face-layout checkpoint's training step, every weight trained or the decoder only on encoder outputs computed once. */
async function measureHfStep(backend: BackendChoice, checkpoint: string, freeze: "none" | "encoder", steps: number, warmup: number): Promise<StepResult> {
  await activate(backend);
  const captioner = await loadPretrainedCaptioner(checkpoint, { selectBackend: false });
  const { model, config } = captioner;
  const e = config.encoder;
  const rng = new SeededRandom(5);
  const pixels = Float32Array.from({ length: 32 * 3 * e.imageSize * e.imageSize }, () => rng.normal());
  const ids = Int32Array.from({ length: 32 * 16 }, () => rng.int(0, config.decoder.vocabSize - 1));
  const targets = Int32Array.from({ length: 32 * 16 }, () => rng.int(0, config.decoder.vocabSize - 1));
  const patches = patchTensorOf(pixels, config, 32);
  const trainable = [...model.prepareRun({ freeze, lora: { r: 0, alpha: 1, dropout: 0, targets: ["q"] }, seed: 1 }).values()];
  const encoderStates = freeze === "encoder" ? model.encode(patches) : undefined;
  const batch = {
    ...(encoderStates ? { encoderStates } : { patches }),
    inputs: tf.tensor2d(ids, [32, 16], "int32"),
    targets: tf.tensor1d(targets, "int32"),
    mask: tf.ones([32 * 16]) as tf.Tensor1D,
  };
  const optimizer = new AdamW(trainable);
  const timing = timeSteps(() => trainStep(model, batch, trainable, optimizer, { learningRate: 1e-3, clipNorm: 0 }), steps, warmup);
  return { parameters: model.parameterCount(), ...timing, peakRssMiB: peakRssMiB() };
}

interface EpochTiming {
  images: number;
  unfrozen: { seconds: number; cpuSeconds: number };
  frozen: { seconds: number; cpuSeconds: number };
  encoderPass: { seconds: number; cpuSeconds: number };
}

/** Child: one epoch with the encoder trained, and one with it frozen and its outputs cached (the objective's runs). */
async function measureHfEpochs(backend: BackendChoice, checkpoint: string): Promise<EpochTiming> {
  await activate(backend);
  const o = captionerObjectiveOptionsSchema.parse({
    model: { pretrained: checkpoint, encoderCache: "memory", maxCaptionTokens: 16 },
    data: { kind: "synthetic", images: 160, seed: 7 },
    batchSize: 32,
    cacheDir: join(tmpdir(), "hpo-bench-captioner"),
  });
  const tunable = await pretrainedTunable(o, () => {});
  const timed = <T>(f: () => T): { value: T; seconds: number; cpuSeconds: number } => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const value = f();
    const c = process.cpuUsage(c0);
    return { value, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
  };
  const hp = { lr: 1e-3, loraR: 0, loraAlpha: 1, loraDropout: 0, epochs: 2 } as const;
  const unfrozenRun = tunable.startRun({ ...hp, freeze: "none" }, 1);
  unfrozenRun.trainer.trainEpoch(1);
  const unfrozen = timed(() => unfrozenRun.trainer.trainEpoch(2));
  unfrozenRun.dispose();
  // Starting a frozen-encoder run computes the encoder outputs once (the one-off pass).
  const start = timed(() => tunable.startRun({ ...hp, freeze: "encoder" }, 1));
  const frozenRun = start.value;
  frozenRun.trainer.trainEpoch(1);
  const frozen = timed(() => frozenRun.trainer.trainEpoch(2));
  frozenRun.dispose();
  tunable.dispose();
  const strip = (t: { seconds: number; cpuSeconds: number }) => ({ seconds: t.seconds, cpuSeconds: t.cpuSeconds });
  return { images: tunable.trainSize, unfrozen: strip(unfrozen), frozen: strip(frozen), encoderPass: strip(start) };
}

async function child(args: string[]): Promise<void> {
  const [task, backend, steps, warmup, checkpoint] = args;
  const n = Number(steps);
  const w = Number(warmup);
  const b = backend as BackendChoice;
  const result =
    task === "default"
      ? await measureDefault(b, n, w)
      : task === "hf-step-none" || task === "hf-step-encoder"
        ? await measureHfStep(b, checkpoint, task === "hf-step-none" ? "none" : "encoder", n, w)
        : task === "hf-epochs"
          ? await measureHfEpochs(b, checkpoint)
          : await measureReference(b, n, w, task === "reference");
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

/** Runs this benchmark in a child process (tsx's loader flags carried over) and parses its result. */
function runChild<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, process.argv[1], "captioner", "--child", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.on("error", reject);
    proc.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`benchmark child ${args.join(" ")} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`benchmark child ${args.join(" ")} printed no result: ${last}`));
      }
    });
  });
}

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(" / ");

export default async function captionerBenchmark(args: string[]): Promise<void> {
  if (args[0] === "--child") return child(args.slice(1));
  const available: BackendChoice[] = [...(installed("@tensorflow/tfjs-node-gpu") ? (["node-gpu"] as const) : []), ...(installed("@tensorflow/tfjs-node") ? (["node"] as const) : []), "wasm", "cpu"];
  const backends = flag(args, "backends", available.join(",")).split(",") as BackendChoice[];
  const steps = Number(flag(args, "steps", "30"));
  const warmup = Number(flag(args, "warmup", "5"));
  const cpuSteps = Number(flag(args, "cpu-steps", "3"));
  const only = flag(args, "only", "default,reference,workers,hf").split(",");
  const stepsFor = (b: BackendChoice) => (b === "cpu" ? [cpuSteps, 1] : [steps, warmup]);

  console.log(`captioner benchmark: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, tfjs ${tf.version_core}`);
  console.log(`load average (1/5/15 min) at start: ${load()}`);

  if (only.includes("default")) {
    console.log("\n1. default sizes (batch 32 training, greedy batch 64 evaluation)");
    console.log("backend  | params  | train images/s | eval captions/s | peak RSS");
    for (const b of backends) {
      const [n, w] = stepsFor(b);
      const r = await runChild<DefaultResult>(["default", b, String(n), String(w)]);
      console.log(`${b.padEnd(8)} | ${String(r.parameters).padEnd(7)} | ${r.trainImagesPerSecond.toFixed(1).padStart(14)} | ${r.evalCaptionsPerSecond.toFixed(1).padStart(15)} | ${r.peakRssMiB} MiB`);
    }
  }

  const python = torchPython();
  const torchStep = async (args: string[], label: string): Promise<(TorchStep & { load: string }) | null> => {
    if (!("python" in python)) return null;
    const load0 = load();
    const r = await runPython<TorchStep>(python.python, "torch_captioner_step.py", [...args, "--steps", String(steps), "--warmup", String(warmup)]);
    console.log(`pytorch ${label.padEnd(10)} | ${r.medianMsPerStep.toFixed(1).padStart(8)} (${r.p10.toFixed(0)}–${r.p90.toFixed(0)}) | CPU ${r.medianCpuMsPerStep.toFixed(1).padStart(7)} ms/step | loss ${r.lossFirst.toFixed(2)} → ${r.lossLast.toFixed(2)} | load ${load0}`);
    return { ...r, load: load0 };
  };
  const compare = (what: string, mine: { medianMsPerStep: number; medianCpuMsPerStep: number }, peers: (TorchStep | null)[]) => {
    const got = peers.filter((p): p is TorchStep => p !== null);
    if (got.length === 0) {
      console.log(`${what}: no PyTorch run (${"reason" in python ? python.reason : "failed"}); no ratio`);
      return;
    }
    const cpu = got.reduce((x, p) => x + p.medianCpuMsPerStep, 0) / got.length;
    const wall = got.reduce((x, p) => x + p.medianMsPerStep, 0) / got.length;
    const ratio = mine.medianCpuMsPerStep / cpu;
    console.log(
      `${what}: CPU ${mine.medianCpuMsPerStep.toFixed(1)} ms vs PyTorch ${cpu.toFixed(1)} ms = ${ratio.toFixed(2)}× (wall ${mine.medianMsPerStep.toFixed(1)} vs ${wall.toFixed(1)} ms = ${(mine.medianMsPerStep / wall).toFixed(2)}×); target ≤ 1.5× → ${ratio <= 1.5 ? "met" : "NOT met"}`,
    );
  };

  let single: ReferenceResult | null = null;
  if (only.includes("reference")) {
    console.log(`\n2. reference configuration (552,672 parameters; batch 32; median of ${steps} steps after ${warmup} warm-up; cpu: ${cpuSteps} after 1)`);
    console.log(`PyTorch runs ../shared/bench/torch/captioner_step.py's captioner-small (read from ../shared), one thread, before and after tfjs`);
    const shared = fileURLToPath(new URL("../../shared/bench/torch/captioner_step.py", import.meta.url));
    const peerArgs = ["--model", "reference", "--shared", shared];
    const before = existsSync(shared) ? await torchStep(peerArgs, "before") : null;
    if (!existsSync(shared)) console.log(`${shared} not found: no PyTorch reference`);
    console.log("backend  | ms/step median (p10–p90) | CPU ms/step | greedy captions/s (64 × 16 tokens) | peak RSS | load");
    for (const b of backends) {
      const [n, w] = stepsFor(b);
      const load0 = load();
      const r = await runChild<ReferenceResult>(["reference", b, String(n), String(w)]);
      if (b === "wasm" || (!single && b !== "cpu")) single = r;
      console.log(`${b.padEnd(8)} | ${r.medianMsPerStep.toFixed(1).padStart(8)} (${r.p10.toFixed(0)}–${r.p90.toFixed(0)})`.padEnd(36) + `| ${r.medianCpuMsPerStep.toFixed(1).padStart(11)} ` + `| ${r.captionsPerSecond.toFixed(1).padStart(10)}`.padEnd(38) + `| ${r.peakRssMiB} MiB | ${load0}`);
    }
    const after = existsSync(shared) ? await torchStep(peerArgs, "after") : null;
    if (single) {
      compare(`reference step, ${single.backend} vs PyTorch (mean of before/after)`, single, [before, after]);
      console.log(`captions: PyTorch stored ${PYTORCH_STORED.captionsPerSecond}/s (one thread; a reference, not run here); ${single.backend}: ${single.captionsPerSecond.toFixed(1)}/s`);
    }
  }

  if (only.includes("workers")) {
    const b = backends.includes("wasm") ? "wasm" : backends[0];
    const [n, w] = stepsFor(b);
    console.log(`\n3. two worker processes training the reference configuration at once (${b})`);
    const results = await Promise.all([0, 1].map(() => runChild<ReferenceResult>(["reference-train", b, String(n), String(w)])));
    const stepsPerSecond = results.reduce((s, r) => s + 1000 / r.medianMsPerStep, 0);
    const effective = 1000 / stepsPerSecond;
    console.log(`per process: ${results.map((r) => `${r.medianMsPerStep.toFixed(1)} ms/step (CPU ${r.medianCpuMsPerStep.toFixed(1)} ms)`).join(", ")}; together ${stepsPerSecond.toFixed(2)} steps/s = ${effective.toFixed(1)} ms/step`);
    console.log(`target: at least PyTorch two threads, stored ${(1000 / PYTORCH_STORED.twoThreadMs).toFixed(2)} steps/s (${PYTORCH_STORED.twoThreadMs} ms/step; a reference, not run here) → ${effective <= PYTORCH_STORED.twoThreadMs ? "met" : "NOT met"}`);
  }

  if (only.includes("hf")) {
    const b = backends.includes("wasm") ? "wasm" : backends[0];
    console.log(`\n4. tiny random Hugging Face-layout ViT + GPT-2 (${b}; batch 32, 16-token captions, AdamW, no clipping)`);
    if (!("python" in python)) {
      console.log(`skipped: ${python.reason} (the checkpoint is written by PyTorch)`);
    } else {
      const checkpoint = join(tmpdir(), "hpo-bench-hf-captioner-v1");
      if (!existsSync(join(checkpoint, "config.json"))) {
        const args = ["--out", checkpoint, "--quick", "--vit-hidden", "96", "--vit-layers", "2", "--vit-heads", "4", "--vit-intermediate", "384", "--image-size", "64", "--patch-size", "8", "--gpt2-hidden", "96", "--gpt2-layers", "2", "--gpt2-heads", "4", "--gpt2-inner", "384", "--positions", "32", "--merges", "120"];
        await new Promise<void>((resolve, reject) => {
          const proc = spawn(python.python, [`${SCRIPTS}make_hf_fixture.py`, ...args], { stdio: ["ignore", "ignore", "inherit"] });
          proc.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`make_hf_fixture.py exited with ${code}`))));
        });
      }
      console.log(`checkpoint ${checkpoint} (scripts/captioner/make_hf_fixture.py)`);
      const [n, w] = stepsFor(b);
      for (const freeze of ["none", "encoder"] as const) {
        const label = freeze === "none" ? "full step" : "frozen-encoder step";
        const peerArgs = ["--model", "hf", "--checkpoint", checkpoint, ...(freeze === "encoder" ? ["--freeze-encoder"] : [])];
        const before = await torchStep(peerArgs, `${freeze === "none" ? "full" : "frozen"} ·1`);
        const load0 = load();
        const r = await runChild<StepResult>([`hf-step-${freeze}`, b, String(n), String(w), checkpoint]);
        console.log(`${b.padEnd(8)} ${(freeze === "none" ? "full" : "frozen").padEnd(10)} | ${r.medianMsPerStep.toFixed(1).padStart(8)} (${r.p10.toFixed(0)}–${r.p90.toFixed(0)}) | CPU ${r.medianCpuMsPerStep.toFixed(1).padStart(7)} ms/step | ${r.parameters} parameters, peak RSS ${r.peakRssMiB} MiB | load ${load0}`);
        const after = await torchStep(peerArgs, `${freeze === "none" ? "full" : "frozen"} ·2`);
        compare(`HF ${label}, ${b} vs PyTorch`, r, [before, after]);
      }
      const load0 = load();
      const epochs = await runChild<EpochTiming>(["hf-epochs", b, "0", "0", checkpoint]);
      console.log(
        `epoch of ${epochs.images} images: encoder trained ${epochs.unfrozen.seconds.toFixed(2)} s (CPU ${epochs.unfrozen.cpuSeconds.toFixed(2)} s); encoder frozen, outputs cached ${epochs.frozen.seconds.toFixed(2)} s (CPU ${epochs.frozen.cpuSeconds.toFixed(2)} s) = ${(epochs.unfrozen.cpuSeconds / epochs.frozen.cpuSeconds).toFixed(2)}× less CPU; the one-off encoder pass over ${epochs.images} + validation/test images took ${epochs.encoderPass.seconds.toFixed(2)} s (CPU ${epochs.encoderPass.cpuSeconds.toFixed(2)} s) | load ${load0}`,
      );
    }
  }
  console.log(`\nload average (1/5/15 min) at end: ${load()}`);
}
