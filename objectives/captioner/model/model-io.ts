/**
 * Saves and loads a captioner as a folder in the TensorFlow.js weights format: model.json
 * (config, tokenizer file name, `weightsManifest` as tf.io writes it), weights.bin, and
 * tokenizer.json. Writes go to a temporary folder that is renamed into place, so a reader
 * never sees half a model.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { WordTokenizer } from "../text/word-tokenizer.ts";
import { type CaptionerConfig, captionerConfigSchema } from "./captioner-config.ts";
import { CaptionerModel } from "./captioner-model.ts";
import { parameterSpecs } from "./parameter-specs.ts";
import { ParameterStore } from "./parameter-store.ts";

const MODEL_FILE = "model.json";
const WEIGHTS_FILE = "weights.bin";
const TOKENIZER_FILE = "tokenizer.json";

const weightSpecSchema = z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.literal("float32") });

const modelFileSchema = z.object({
  format: z.literal("hpo-captioner"),
  formatVersion: z.literal(1),
  config: captionerConfigSchema,
  tokenizer: z.string(),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()).length(1), weights: z.array(weightSpecSchema) })).length(1),
  meta: z.record(z.string(), z.unknown()).default({}),
});

/** A loaded captioner. */
export interface SavedCaptioner {
  readonly model: CaptionerModel;
  readonly tokenizer: WordTokenizer;
  /** Free-form facts saved with the model (data source, pretraining loss, ...). */
  readonly meta: Record<string, unknown>;
}

/** Writes `model` (its base weights; merge adapters first to keep them) and `tokenizer` into `dir`. */
export async function saveCaptioner(dir: string, model: CaptionerModel, tokenizer: WordTokenizer, meta: Record<string, unknown> = {}): Promise<void> {
  const named = model.params.names().map((name) => ({ name, tensor: model.params.get(name) as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const modelFile = {
    format: "hpo-captioner",
    formatVersion: 1,
    config: model.config,
    tokenizer: TOKENIZER_FILE,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
    meta,
  };
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeFile(join(tmp, WEIGHTS_FILE), new Uint8Array(data));
  await writeFile(join(tmp, TOKENIZER_FILE), JSON.stringify(tokenizer.toJSON()));
  await writeFile(join(tmp, MODEL_FILE), JSON.stringify(modelFile, null, 1));
  await mkdir(dirname(dir), { recursive: true });
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

/** Reads a folder written by {@link saveCaptioner}; errors name the file and the problem. */
export async function loadCaptioner(dir: string): Promise<SavedCaptioner> {
  const modelPath = join(dir, MODEL_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(modelPath, "utf8"));
  } catch (e) {
    throw new Error(`cannot read ${modelPath}: ${(e as Error).message}`);
  }
  const parsed = modelFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${modelPath}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  const file = parsed.data;
  const config: CaptionerConfig = file.config;
  const tokenizer = WordTokenizer.fromJSON(JSON.parse(await readFile(join(dir, file.tokenizer), "utf8")));
  if (tokenizer.size !== config.decoder.vocabSize) throw new Error(`${dir}: tokenizer has ${tokenizer.size} tokens but the decoder vocabulary is ${config.decoder.vocabSize}`);
  const [manifest] = file.weightsManifest;
  const bytes = await readFile(join(dir, manifest.paths[0]));
  const tensors = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), manifest.weights);
  const store = new ParameterStore();
  try {
    for (const spec of parameterSpecs(config)) {
      const t = tensors[spec.name];
      if (!t) throw new Error(`${dir}: weights lack ${spec.name}`);
      if (t.shape.join("x") !== spec.shape.join("x")) throw new Error(`${dir}: ${spec.name} is ${t.shape.join("x")}, expected ${spec.shape.join("x")}`);
      store.add(spec.name, spec.tower, t);
    }
  } catch (e) {
    store.dispose();
    tf.dispose(Object.values(tensors).filter((t) => !t.isDisposed));
    throw e;
  }
  tf.dispose(Object.entries(tensors).filter(([name]) => !store.has(name)).map(([, t]) => t));
  return { model: new CaptionerModel(config, store), tokenizer, meta: file.meta };
}
