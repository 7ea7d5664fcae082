/**
 * The captioner's sizes: a ViT encoder over image patches and a GPT-2-style decoder.
 * Plain data (saved in model.json); validated with zod where it enters.
 */
import { z } from "zod";

/** ViT encoder sizes. */
export interface EncoderConfig {
  readonly imageSize: number;
  readonly channels: number;
  readonly patchSize: number;
  readonly dModel: number;
  readonly layers: number;
  readonly heads: number;
  readonly mlpDim: number;
}

/** GPT-2-style decoder sizes; `maxTokens` counts the <bos> token. */
export interface DecoderConfig {
  readonly vocabSize: number;
  readonly maxTokens: number;
  readonly dModel: number;
  readonly layers: number;
  readonly heads: number;
  readonly mlpDim: number;
}

/** Both towers. */
export interface CaptionerConfig {
  readonly encoder: EncoderConfig;
  readonly decoder: DecoderConfig;
}

const positiveInt = (what: string) => z.number({ error: `expected ${what} (a positive integer)` }).int().positive();

export const encoderConfigSchema = z
  .object({
    imageSize: positiveInt("the image side in pixels"),
    channels: positiveInt("the number of channels"),
    patchSize: positiveInt("the patch side in pixels"),
    dModel: positiveInt("the encoder width"),
    layers: positiveInt("the number of encoder layers"),
    heads: positiveInt("the number of encoder heads"),
    mlpDim: positiveInt("the encoder MLP width"),
  })
  .refine((c) => c.imageSize % c.patchSize === 0, { error: "imageSize must be a multiple of patchSize", path: ["patchSize"] })
  .refine((c) => c.dModel % c.heads === 0, { error: "dModel must be a multiple of heads", path: ["heads"] });

export const decoderConfigSchema = z
  .object({
    vocabSize: positiveInt("the vocabulary size"),
    maxTokens: z.number().int().min(2, { error: "maxTokens must be ≥ 2 (<bos> and one word)" }),
    dModel: positiveInt("the decoder width"),
    layers: positiveInt("the number of decoder layers"),
    heads: positiveInt("the number of decoder heads"),
    mlpDim: positiveInt("the decoder MLP width"),
  })
  .refine((c) => c.dModel % c.heads === 0, { error: "dModel must be a multiple of heads", path: ["heads"] });

export const captionerConfigSchema = z.object({ encoder: encoderConfigSchema, decoder: decoderConfigSchema });

/**
 * Default sizes: small enough that pretraining plus a whole example study fits in minutes
 * on two CPU cores (186,432 parameters with the synthetic plates' 68-token vocabulary).
 */
export const DEFAULT_ENCODER: EncoderConfig = { imageSize: 32, channels: 3, patchSize: 8, dModel: 64, layers: 2, heads: 4, mlpDim: 128 };

/** Default decoder sizes except the vocabulary, which comes from the tokenizer. */
export const DEFAULT_DECODER: Omit<DecoderConfig, "vocabSize"> = { maxTokens: 16, dModel: 64, layers: 2, heads: 4, mlpDim: 128 };

/**
 * The fixed benchmark configuration compared with PyTorch (≈ 553k parameters): ViT on
 * 64×64 RGB, patch 8, d 96, 2 layers, 4 heads, MLP 384; decoder vocabulary 40, 16 tokens,
 * d 96, 2 layers, 4 heads, cross-attention, tied output embedding.
 */
export const REFERENCE_CONFIG: CaptionerConfig = {
  encoder: { imageSize: 64, channels: 3, patchSize: 8, dModel: 96, layers: 2, heads: 4, mlpDim: 384 },
  decoder: { vocabSize: 40, maxTokens: 16, dModel: 96, layers: 2, heads: 4, mlpDim: 384 },
};

/** Patches per image. */
export function patchCount(c: EncoderConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}

/** Values per flattened patch. */
export function patchDim(c: EncoderConfig): number {
  return c.patchSize * c.patchSize * c.channels;
}
