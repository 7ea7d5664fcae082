/**
 * Captioned images ready for a pretrained checkpoint: the image resized once by the
 * checkpoint's processor (kept as 8-bit RGB, a quarter of the floats' memory; rescaled and
 * normalised per batch), the caption as GPT-2 BPE ids, and the normalised reference the
 * scores compare with. Batches start captions with the decoder start token and end the
 * targets with the end token, as VisionEncoderDecoderModel's shift_tokens_right does.
 */
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { normalizeCaption } from "../text/word-tokenizer.ts";
import type { PretrainedCaptionerConfig } from "./hf-config.ts";
import { type RgbImage, pilResize } from "./pil-resample.ts";
import type { PretrainedBatch } from "./pretrained-captioner-model.ts";
import { type ImageProcessorSettings, preprocessRgb } from "./vit-image-processor.ts";
import { patchTensorOf } from "./patch-tensor.ts";

/** One example. */
export interface PretrainedExample {
  readonly id: string;
  /** The processor-resized image. */
  readonly image: RgbImage;
  /** sha256 of the resized pixels: with the checkpoint and the processor, the encoder cache key. */
  readonly imageKey: string;
  /** Caption token ids, without start or end token. */
  readonly tokens: readonly number[];
  /** The caption, normalised (lower case, tokens re-joined) for scoring. */
  readonly reference: string;
}

/** An image with its caption, as a data source yields it. */
export interface CaptionedImage {
  readonly id: string;
  readonly image: RgbImage;
  readonly caption: string;
}

/** Prepares examples: resize once, tokenize (at most `maxTokens` − 1 ids, the end token takes one). */
export function preparePretrainedExamples(
  items: readonly CaptionedImage[],
  processor: ImageProcessorSettings,
  encode: (text: string) => number[],
  maxTokens: number,
): PretrainedExample[] {
  return items.map((item) => {
    const image = processor.doResize ? pilResize(item.image, processor.width, processor.height, processor.resample) : item.image;
    return {
      id: item.id,
      image,
      imageKey: createHash("sha256").update(image.data).update(`${image.width}x${image.height}`).digest("hex"),
      tokens: encode(item.caption).slice(0, maxTokens - 1),
      reference: normalizeCaption(item.caption),
    };
  });
}

/** Pixel values [N, 3, H, W] of examples, flattened. */
export function pixelValuesOf(examples: readonly PretrainedExample[], processor: ImageProcessorSettings): Float32Array {
  const per = 3 * processor.width * processor.height;
  const out = new Float32Array(examples.length * per);
  const noResize = { ...processor, doResize: false };
  examples.forEach((e, i) => out.set(preprocessRgb(e.image, noResize), i * per));
  return out;
}

/** Caption tensors of a batch: inputs (start token + caption), targets (caption + end token), mask. */
export function captionTensors(examples: readonly PretrainedExample[], config: PretrainedCaptionerConfig, maxTokens: number): Pick<PretrainedBatch, "inputs" | "targets" | "mask"> {
  const longest = Math.max(1, ...examples.map((e) => e.tokens.length + 1));
  // Multiples of 4 suit the SIMD kernels; never beyond the positions GPT-2 has.
  const t = Math.min(maxTokens, config.decoder.positions, Math.ceil(longest / 4) * 4);
  const b = examples.length;
  const inputs = new Int32Array(b * t).fill(config.padTokenId);
  const targets = new Int32Array(b * t).fill(config.padTokenId);
  const mask = new Float32Array(b * t);
  examples.forEach((e, i) => {
    const words = e.tokens.slice(0, t - 1);
    inputs[i * t] = config.decoderStartTokenId;
    words.forEach((w, k) => {
      inputs[i * t + k + 1] = w;
      targets[i * t + k] = w;
      mask[i * t + k] = 1;
    });
    targets[i * t + words.length] = config.eosTokenId;
    mask[i * t + words.length] = 1;
  });
  return { inputs: tf.tensor2d(inputs, [b, t], "int32"), targets: tf.tensor1d(targets, "int32"), mask: tf.tensor1d(mask, "float32") };
}

/** A teacher-forcing batch; `states` (cached encoder outputs, [S × hidden] each) replace the images when given. */
export function pretrainedBatch(
  examples: readonly PretrainedExample[],
  config: PretrainedCaptionerConfig,
  processor: ImageProcessorSettings,
  maxTokens: number,
  states?: readonly Float32Array[],
): PretrainedBatch {
  const captions = captionTensors(examples, config, maxTokens);
  if (states) {
    const per = states[0].length;
    const flat = new Float32Array(states.length * per);
    states.forEach((s, i) => flat.set(s, i * per));
    return { ...captions, encoderStates: tf.tensor3d(flat, [states.length, per / config.encoder.hiddenSize, config.encoder.hiddenSize]) };
  }
  return { ...captions, patches: patchTensorOf(pixelValuesOf(examples, processor), config, examples.length) };
}

/** Frees a batch's tensors. */
export function disposePretrainedBatch(batch: PretrainedBatch): void {
  tf.dispose([batch.inputs, batch.targets, batch.mask, ...(batch.patches ? [batch.patches] : []), ...(batch.encoderStates ? [batch.encoderStates] : [])]);
}
