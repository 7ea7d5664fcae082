/**
 * Shared fixtures for the captioner tests: a tiny model configuration and a tiny
 * captioned-plates set, so every test trains in well under a second.
 */
import * as tf from "@tensorflow/tfjs";
import {
  type CaptionerConfig,
  CaptionerModel,
  type EncoderConfig,
  generateFoodPlates,
  type PreparedExample,
  prepareExamples,
  selectBackend,
  type TokenBatch,
  tokenBatch,
  WordTokenizer,
} from "hpo/captioner";

export const TINY_ENCODER: EncoderConfig = { imageSize: 16, channels: 3, patchSize: 8, dModel: 16, layers: 1, heads: 2, mlpDim: 32 };

/** Activates a backend for a test file (quietly). */
export async function useBackend(name: "wasm" | "cpu" = "wasm"): Promise<void> {
  await selectBackend({ env: { HPO_TF_BACKEND: name }, log: () => {} });
}

/** A tiny captioner over `vocabSize` tokens. */
export function tinyConfig(vocabSize: number, overrides: Partial<CaptionerConfig["decoder"]> = {}): CaptionerConfig {
  return { encoder: TINY_ENCODER, decoder: { vocabSize, maxTokens: 8, dModel: 16, layers: 1, heads: 2, mlpDim: 32, ...overrides } };
}

/** Tiny plates, a tokenizer over their titles, prepared title examples and a model. */
export function tinySetup(count = 8, seed = 3): { tokenizer: WordTokenizer; examples: PreparedExample[]; model: CaptionerModel } {
  const plates = generateFoodPlates({ count, seed, imageSize: TINY_ENCODER.imageSize });
  const tokenizer = WordTokenizer.build(plates.map((p) => p.title));
  const model = CaptionerModel.create(tinyConfig(tokenizer.size), seed);
  return { tokenizer, examples: prepareExamples(plates, "title", tokenizer, TINY_ENCODER, 8), model };
}

/** A fixed-length batch of `examples` for `model`. */
export function batchOf(model: CaptionerModel, examples: readonly PreparedExample[]): TokenBatch {
  return tokenBatch(examples, model.config.encoder, model.config.decoder.maxTokens);
}

/** Every weight's values, copied. */
export function weightsOf(model: CaptionerModel): Map<string, Float32Array> {
  return new Map(model.params.names().map((n) => [n, Float32Array.from(model.params.get(n).dataSync() as Float32Array)]));
}

/** Whether two arrays hold exactly the same bits. */
export function bitIdentical(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Largest absolute difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export { tf };
