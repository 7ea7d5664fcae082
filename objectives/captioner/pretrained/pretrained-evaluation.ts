/**
 * Scoring the pretrained captioner on a split: teacher-forced loss (token-weighted), greedy
 * captions decoded to text, and BLEU-1/2, ROUGE-L and METEOR against the normalised
 * references. With a frozen encoder the cached encoder outputs stand in for the images.
 */
import * as tf from "@tensorflow/tfjs";
import { chunkBatches } from "../data/token-batches.ts";
import { normalizeCaption } from "../text/word-tokenizer.ts";
import { type SplitScores, splitScores } from "../training/evaluation.ts";
import type { EncoderOutputCache } from "./encoder-output-cache.ts";
import type { Gpt2BpeTokenizer } from "./gpt2-bpe-tokenizer.ts";
import { greedyGenerate } from "./greedy-generation.ts";
import type { PretrainedCaptionerModel } from "./pretrained-captioner-model.ts";
import { disposePretrainedBatch, type PretrainedExample, pretrainedBatch } from "./pretrained-examples.ts";
import type { ImageProcessorSettings } from "./vit-image-processor.ts";

/** What scoring needs besides the model. */
export interface PretrainedScoring {
  readonly tokenizer: Gpt2BpeTokenizer;
  readonly processor: ImageProcessorSettings;
  /** Longest caption in tokens, end token included. */
  readonly maxTokens: number;
  /** Cached encoder outputs (frozen encoder only). */
  readonly cache: EncoderOutputCache | null;
  readonly batchSize?: number;
}

/** Loss, greedy captions and caption scores of `examples`. */
export function scorePretrainedSplit(model: PretrainedCaptionerModel, examples: readonly PretrainedExample[], s: PretrainedScoring): SplitScores {
  const batchSize = s.batchSize ?? 32;
  let weighted = 0;
  let count = 0;
  const predictions: string[] = [];
  for (const chunk of chunkBatches(examples, batchSize)) {
    const batch = pretrainedBatch(chunk, model.config, s.processor, s.maxTokens, s.cache ? s.cache.states(chunk) : undefined);
    try {
      const loss = tf.tidy(() => model.loss(batch));
      const targets = tf.tidy(() => tf.sum(batch.mask));
      const n = targets.dataSync()[0];
      weighted += loss.dataSync()[0] * n;
      count += n;
      tf.dispose([loss, targets]);
      const states = batch.encoderStates ?? model.encode(batch.patches as tf.Tensor3D);
      try {
        for (const ids of greedyGenerate(model, states, s.maxTokens - 1)) predictions.push(normalizeCaption(s.tokenizer.decode(ids, { skipSpecialTokens: true })));
      } finally {
        if (states !== batch.encoderStates) states.dispose();
      }
    } finally {
      disposePretrainedBatch(batch);
    }
  }
  return splitScores(weighted / Math.max(1, count), predictions, examples.map((e) => e.reference));
}
