/**
 * Loads a Hugging Face ViT + GPT-2 captioner from disk — a `vision-encoder-decoder`
 * folder (nlpconnect/vit-gpt2-image-captioning) or a ViT folder and a GPT-2 folder joined
 * with freshly initialised cross-attention — and offers what a user needs from it:
 * tokenizer, image preprocessing, logits, greedy captions.
 */
import * as tf from "@tensorflow/tfjs";
import { SeededRandom } from "../../../src/random/seeded-random.ts";
import { activeBackendSelection, selectBackend } from "../backend/select-backend.ts";
import { initialValues, ParameterStore } from "../model/parameter-store.ts";
import { readCheckpointWeights, readJsonFile, resolveCheckpointFolder } from "./checkpoint-folder.ts";
import type { Gpt2BpeTokenizer } from "./gpt2-bpe-tokenizer.ts";
import { greedyGenerate } from "./greedy-generation.ts";
import { pairedConfig, type PretrainedCaptionerConfig, visionEncoderDecoderConfig } from "./hf-config.ts";
import { patchTensorOf } from "./patch-tensor.ts";
import { canonicalName, toHeldLayout, type WeightSpec, weightSpecs } from "./hf-weight-layout.ts";
import type { RgbImage } from "./pil-resample.ts";
import { PretrainedCaptionerModel } from "./pretrained-captioner-model.ts";
import type { TensorRecord } from "./tensor-record.ts";
import { loadGpt2Tokenizer } from "./tokenizer-files.ts";
import { decodeRgb, type ImageProcessorSettings, imageProcessorSettings, preprocessRgb } from "./vit-image-processor.ts";

/** Where a captioner comes from: one vision-encoder-decoder folder, or a ViT and a GPT-2 folder. */
export type PretrainedSource = string | { readonly encoder: string; readonly decoder: string };

/** Options of {@link loadPretrainedCaptioner}. */
export interface LoadPretrainedOptions {
  /** Seed of freshly initialised weights (cross-attention of a pair). Default 0. */
  readonly seed?: number;
  /** Activate the best tfjs backend first unless one was already selected (default true). */
  readonly selectBackend?: boolean;
  /** Progress lines (default: none). */
  readonly log?: (message: string) => void;
}

/** Images as pixel values: N × 3 × H × W floats (what {@link PretrainedCaptioner.preprocess} returns, concatenated). */
export interface PixelInput {
  readonly pixelValues: Float32Array;
}

/** A loaded captioner. */
export interface PretrainedCaptioner {
  readonly config: PretrainedCaptionerConfig;
  readonly tokenizer: Gpt2BpeTokenizer;
  readonly processor: ImageProcessorSettings;
  readonly model: PretrainedCaptionerModel;
  /** The folder(s) it was read from. */
  readonly source: string;
  /** Weights the checkpoint lacked and that were initialised (a pair's cross-attention). */
  readonly freshWeights: readonly string[];
  /** Checkpoint tensors hpo does not use (heads, buffers). */
  readonly unusedWeights: readonly string[];
  /** Pixel values [3, H, W] of an encoded image (JPEG, PNG, WebP, ...), as the checkpoint's image processor computes them. */
  preprocess(imageBytes: Uint8Array): Promise<Float32Array>;
  /** Pixel values [3, H, W] of a decoded 8-bit RGB image. */
  preprocessRgb(image: RgbImage): Float32Array;
  /** Encoder last hidden states [N, P+1, hidden] (and the pooler output [N, hidden] when the checkpoint has one). */
  encode(input: PixelInput): { lastHiddenState: Float32Array; poolerOutput: Float32Array | null; shape: [number, number, number] };
  /** Decoder logits [N, T, vocab] for token ids (N rows of T) given the images. */
  logits(input: PixelInput & { readonly inputIds: readonly (readonly number[])[] }): Float32Array;
  /** Greedy captions as token ids (no start or end token), at most maxNewTokens each (default 20). */
  generate(input: PixelInput & { readonly maxNewTokens?: number }): number[][];
  /** Greedy captions as text. */
  caption(input: PixelInput & { readonly maxNewTokens?: number }): string[];
  /** Frees the weights. */
  dispose(): void;
}

interface Part {
  readonly dir: string;
  readonly kind: "vision-encoder-decoder" | "vit" | "gpt2";
}

function modelType(json: unknown): unknown {
  return json && typeof json === "object" ? (json as { model_type?: unknown }).model_type : undefined;
}

type FoundTensors = Map<string, { record: TensorRecord; file: string }>;

/** Reads every part's tensors once, under their vision-encoder-decoder names. */
function collectTensors(parts: readonly Part[]): { found: FoundTensors; hash: string } {
  const found: FoundTensors = new Map();
  const hashes: string[] = [];
  for (const part of parts) {
    const w = readCheckpointWeights(part.dir);
    hashes.push(w.hash);
    for (const [key, record] of w.tensors) {
      const name = canonicalName(key, part.kind);
      if (name === null || (part.kind === "gpt2" && !name.startsWith("decoder."))) continue;
      found.set(name, { record, file: w.fileOf.get(key) ?? part.dir });
    }
  }
  return { found, hash: hashes.join(":") };
}

/** Validates the tensors against `specs` and builds the store (initialising allowed fresh weights). */
function buildWeights(found: FoundTensors, specs: readonly WeightSpec[], seed: number, allowFresh: boolean, where: string) {
  const wanted = new Set(specs.map((s) => s.name));
  const unused = [...found.keys()].filter((name) => !wanted.has(name) && name !== "decoder.lm_head.weight");
  const store = new ParameterStore();
  const fresh: string[] = [];
  const rng = new SeededRandom(seed);
  for (const spec of specs) {
    const stream = rng.fork();
    const hit = found.get(spec.name);
    if (!hit) {
      if (!spec.fresh || !allowFresh) {
        store.dispose();
        throw new Error(`${where}: tensor ${spec.name} is missing (expected shape [${spec.checkpointShape.join(", ")}])`);
      }
      fresh.push(spec.name);
      store.add(spec.name, spec.tower, tf.tensor(initialValues(spec.shape, spec.fresh, stream), [...spec.shape], "float32"));
      continue;
    }
    const shape = hit.record.shape;
    if (shape.length !== spec.checkpointShape.length || shape.some((d, i) => d !== spec.checkpointShape[i])) {
      store.dispose();
      throw new Error(`${hit.file}: tensor ${spec.name} has shape [${shape.join(", ")}], expected [${spec.checkpointShape.join(", ")}] from config.json`);
    }
    store.add(spec.name, spec.tower, tf.tensor(toHeldLayout(spec, hit.record.values()), [...spec.shape], "float32"));
  }
  return { store, fresh, unused };
}

function checkPixels(input: PixelInput, config: PretrainedCaptionerConfig): number {
  const e = config.encoder;
  const per = e.channels * e.imageSize * e.imageSize;
  if (input.pixelValues.length === 0 || input.pixelValues.length % per !== 0) {
    throw new Error(`pixelValues holds ${input.pixelValues.length} numbers, not a multiple of ${e.channels}×${e.imageSize}×${e.imageSize}`);
  }
  return input.pixelValues.length / per;
}

/**
 * Loads a captioner. Nothing is downloaded: point it at what `huggingface-cli download`
 * or the hub cache left on disk.
 *
 * @example
 * const cap = await loadPretrainedCaptioner("models/vit-gpt2-image-captioning");
 * const pixels = await cap.preprocess(await readFile("dish.jpg"));
 * cap.caption({ pixelValues: pixels }); // ["a plate of food with ..."]
 */
export async function loadPretrainedCaptioner(source: PretrainedSource, options: LoadPretrainedOptions = {}): Promise<PretrainedCaptioner> {
  const log = options.log ?? (() => {});
  if (options.selectBackend !== false && !activeBackendSelection()) await selectBackend({ log });
  let config: PretrainedCaptionerConfig;
  let parts: Part[];
  let processorDir: string;
  let tokenizerDir: string;
  if (typeof source === "string") {
    const dir = resolveCheckpointFolder(source);
    const json = readJsonFile(dir, "config.json");
    const type = modelType(json);
    if (type === "vit" || type === "gpt2") {
      throw new Error(`${dir}: config.json is a "${type}" model; a captioner needs both towers: pass { encoder: <vit folder>, decoder: <gpt2 folder> } or a vision-encoder-decoder folder`);
    }
    config = visionEncoderDecoderConfig(json, `${dir}/config.json`);
    parts = [{ dir, kind: "vision-encoder-decoder" }];
    processorDir = tokenizerDir = dir;
  } else {
    const encoderDir = resolveCheckpointFolder(source.encoder);
    const decoderDir = resolveCheckpointFolder(source.decoder);
    config = pairedConfig(readJsonFile(encoderDir, "config.json"), readJsonFile(decoderDir, "config.json"), `${encoderDir}/config.json`, `${decoderDir}/config.json`);
    parts = [
      { dir: encoderDir, kind: "vit" },
      { dir: decoderDir, kind: "gpt2" },
    ];
    processorDir = encoderDir;
    tokenizerDir = decoderDir;
  }
  const processor = imageProcessorSettings(readJsonFile(processorDir, "preprocessor_config.json"), `${processorDir}/preprocessor_config.json`);
  if (processor.height !== config.encoder.imageSize || processor.width !== config.encoder.imageSize) {
    throw new Error(`${processorDir}/preprocessor_config.json: resizes to ${processor.width}×${processor.height} but the ViT expects ${config.encoder.imageSize}×${config.encoder.imageSize}`);
  }
  const tokenizer = loadGpt2Tokenizer(tokenizerDir);
  if (tokenizer.size > config.decoder.vocabSize) throw new Error(`${tokenizerDir}: the tokenizer has ${tokenizer.size} tokens, more than the decoder's vocab_size ${config.decoder.vocabSize}`);

  const where = parts.map((p) => p.dir).join(" + ");
  const { found, hash } = collectTensors(parts);
  // The pooler is optional in ViTModel checkpoints: used when the checkpoint has it.
  const specs = weightSpecs(config, { pooler: found.has("encoder.pooler.dense.weight") });
  const { store, fresh, unused } = buildWeights(found, specs, options.seed ?? 0, typeof source !== "string", where);
  const model = new PretrainedCaptionerModel(config, store, specs, hash);
  log(`[captioner] loaded ${where}: ViT ${config.encoder.layers}×${config.encoder.hiddenSize} + GPT-2 ${config.decoder.layers}×${config.decoder.hiddenSize}, ${model.parameterCount().toLocaleString("en-US")} parameters${fresh.length ? `; ${fresh.length} tensors freshly initialised (cross-attention${config.encoderToDecoderProjection ? ", enc_to_dec_proj" : ""})` : ""}`);

  const encodeStates = (input: PixelInput): tf.Tensor3D => {
    const n = checkPixels(input, config);
    const patches = patchTensorOf(input.pixelValues, config, n);
    try {
      return model.encode(patches);
    } finally {
      patches.dispose();
    }
  };
  const generate = (input: PixelInput & { maxNewTokens?: number }): number[][] => {
    const states = encodeStates(input);
    try {
      return greedyGenerate(model, states, input.maxNewTokens ?? 20);
    } finally {
      states.dispose();
    }
  };
  return {
    config,
    tokenizer,
    processor,
    model,
    source: where,
    freshWeights: fresh,
    unusedWeights: unused,
    preprocess: async (bytes) => preprocessRgb(await decodeRgb(bytes), processor),
    preprocessRgb: (image) => preprocessRgb(image, processor),
    encode: (input) => {
      const states = encodeStates(input);
      try {
        const pooled = model.hasPooler ? model.pool(states) : null;
        const poolerOutput = pooled ? (pooled.dataSync() as Float32Array).slice() : null;
        pooled?.dispose();
        return { lastHiddenState: (states.dataSync() as Float32Array).slice(), poolerOutput, shape: states.shape as [number, number, number] };
      } finally {
        states.dispose();
      }
    },
    logits: (input) => {
      const n = checkPixels(input, config);
      if (input.inputIds.length !== n) throw new Error(`inputIds has ${input.inputIds.length} rows for ${n} images`);
      const t = input.inputIds[0]?.length ?? 0;
      if (t === 0 || input.inputIds.some((r) => r.length !== t)) throw new Error("inputIds rows must be non-empty and of one length");
      const states = encodeStates(input);
      const ids = tf.tensor2d(Int32Array.from(input.inputIds.flat()), [n, t], "int32");
      try {
        const logits = tf.tidy(() => model.logits(ids, model.crossMemory(states)));
        const values = (logits.dataSync() as Float32Array).slice();
        logits.dispose();
        return values;
      } finally {
        tf.dispose([states, ids]);
      }
    },
    generate,
    caption: (input) => generate(input).map((ids) => tokenizer.decode(ids, { skipSpecialTokens: true }).trim()),
    dispose: () => model.dispose(),
  };
}
