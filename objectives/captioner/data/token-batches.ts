/**
 * Turns captioned images into model batches: images into flattened patches (once per
 * dataset, since every epoch reuses them), captions into <bos>-prefixed inputs and
 * <eos>-terminated targets with a padding mask.
 */
import * as tf from "@tensorflow/tfjs";
import type { SeededRandom } from "../../../src/random/seeded-random.ts";
import { type EncoderConfig, patchCount, patchDim } from "../model/captioner-config.ts";
import type { TokenBatch } from "../model/captioner-model.ts";
import { BOS, EOS, PAD, type WordTokenizer, normalizeCaption } from "../text/word-tokenizer.ts";
import { type CaptionExample, type CaptionField, captionOf } from "./caption-example.ts";

/** An example ready for the model: patches plus the target caption's token ids. */
export interface PreparedExample {
  readonly id: string;
  /** [patchCount × patchDim], pixels scaled to [−1, 1]. */
  readonly patches: Float32Array;
  /** Target word ids (no specials), at most maxTokens − 1 long. */
  readonly tokens: readonly number[];
  /** The normalised target caption (what scores compare against). */
  readonly reference: string;
}

/** Cuts an HWC image into patches: patch-major, then rows, columns, channels. */
export function patchify(pixels: Float32Array, imageSize: number, encoder: EncoderConfig): Float32Array {
  const { patchSize: p, channels: c } = encoder;
  if (imageSize !== encoder.imageSize) throw new Error(`image is ${imageSize}px but the encoder expects ${encoder.imageSize}px`);
  if (pixels.length !== imageSize * imageSize * c) throw new Error(`image has ${pixels.length} values, expected ${imageSize * imageSize * c}`);
  const perSide = imageSize / p;
  const out = new Float32Array(patchCount(encoder) * patchDim(encoder));
  let o = 0;
  for (let pi = 0; pi < perSide; pi++) {
    for (let pj = 0; pj < perSide; pj++) {
      for (let y = 0; y < p; y++) {
        const row = ((pi * p + y) * imageSize + pj * p) * c;
        for (let k = 0; k < p * c; k++) out[o++] = pixels[row + k] * 2 - 1;
      }
    }
  }
  return out;
}

/** Prepares examples for training or scoring on `field` captions. */
export function prepareExamples(examples: readonly CaptionExample[], field: CaptionField, tokenizer: WordTokenizer, encoder: EncoderConfig, maxTokens: number): PreparedExample[] {
  return examples.map((e) => {
    const text = captionOf(e, field);
    return {
      id: e.id,
      patches: patchify(e.pixels, e.imageSize, encoder),
      tokens: tokenizer.encode(text).slice(0, maxTokens - 1),
      reference: normalizeCaption(text),
    };
  });
}

/** Stacks the patches of `examples` into [B, P, patchDim]. */
export function patchTensor(examples: readonly PreparedExample[], encoder: EncoderConfig): tf.Tensor3D {
  const per = patchCount(encoder) * patchDim(encoder);
  const flat = new Float32Array(examples.length * per);
  examples.forEach((e, i) => flat.set(e.patches, i * per));
  return tf.tensor3d(flat, [examples.length, patchCount(encoder), patchDim(encoder)]);
}

/**
 * A teacher-forcing batch. Sequences are as long as the longest caption needs (plus
 * <bos>/<eos>), rounded up to a multiple of 4 for the SIMD kernels, at most `maxTokens`.
 */
export function tokenBatch(examples: readonly PreparedExample[], encoder: EncoderConfig, maxTokens: number, fixedLength = false): TokenBatch {
  const longest = Math.max(1, ...examples.map((e) => e.tokens.length + 1));
  const t = fixedLength ? maxTokens : Math.min(maxTokens, Math.ceil(longest / 4) * 4);
  const b = examples.length;
  const inputs = new Int32Array(b * t).fill(PAD);
  const targets = new Int32Array(b * t).fill(PAD);
  const mask = new Float32Array(b * t);
  examples.forEach((e, i) => {
    const words = e.tokens.slice(0, t - 1);
    inputs[i * t] = BOS;
    words.forEach((w, k) => {
      inputs[i * t + k + 1] = w;
      targets[i * t + k] = w;
      mask[i * t + k] = 1;
    });
    targets[i * t + words.length] = EOS;
    mask[i * t + words.length] = 1;
  });
  return {
    patches: patchTensor(examples, encoder),
    inputs: tf.tensor2d(inputs, [b, t], "int32"),
    targets: tf.tensor1d(targets, "int32"),
    mask: tf.tensor1d(mask, "float32"),
  };
}

/** Frees a batch's tensors. */
export function disposeBatch(batch: TokenBatch): void {
  tf.dispose([batch.patches, batch.inputs, batch.targets, batch.mask]);
}

/** Splits into batches of `size`, shuffled when `rng` is given (the last one may be short). */
export function chunkBatches<T>(items: readonly T[], size: number, rng?: SeededRandom): T[][] {
  const order = items.map((_, i) => i);
  if (rng) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const out: T[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size).map((k) => items[k]));
  return out;
}
