/**
 * Scoring a captioner on a split: teacher-forced loss, generated captions, and the four
 * caption metrics (BLEU-1, BLEU-2, ROUGE-L, METEOR) against the normalised references.
 */
import * as tf from "@tensorflow/tfjs";
import { computeCaptionMetrics } from "../../metrics/index.ts";
import { chunkBatches, disposeBatch, type PreparedExample, patchTensor, tokenBatch } from "../data/token-batches.ts";
import type { CaptionerModel } from "../model/captioner-model.ts";
import { beamSearchDecode, greedyDecode } from "../model/decoding.ts";
import type { WordTokenizer } from "../text/word-tokenizer.ts";

/** The four caption scores. */
export interface CaptionScores {
  readonly bleu1: number;
  readonly bleu2: number;
  readonly rougeL: number;
  readonly meteor: number;
}

/** Loss plus caption scores of one split. */
export interface SplitScores extends CaptionScores {
  readonly loss: number;
  /** Every generated caption with its reference, in the split's order. */
  readonly samples: readonly { readonly prediction: string; readonly reference: string }[];
}

/** Generation settings. */
export interface GenerateOptions {
  readonly batchSize?: number;
  /** 1 = greedy (default), more = beam search. */
  readonly beamWidth?: number;
}

/** Token-weighted mean teacher-forced cross-entropy over `examples`. */
export function splitLoss(model: CaptionerModel, examples: readonly PreparedExample[], batchSize = 64): number {
  let weighted = 0;
  let tokens = 0;
  for (const chunk of chunkBatches(examples, batchSize)) {
    const batch = tokenBatch(chunk, model.config.encoder, model.config.decoder.maxTokens);
    try {
      const loss = tf.tidy(() => model.loss(batch)).dataSync()[0];
      const count = chunk.reduce((n, e) => n + Math.min(e.tokens.length, model.config.decoder.maxTokens - 1) + 1, 0);
      weighted += loss * count;
      tokens += count;
    } finally {
      disposeBatch(batch);
    }
  }
  return weighted / Math.max(1, tokens);
}

/** Captions for `examples`, decoded greedily or by beam search. */
export function generateCaptions(model: CaptionerModel, tokenizer: WordTokenizer, examples: readonly PreparedExample[], options: GenerateOptions = {}): string[] {
  const out: string[] = [];
  const beamWidth = options.beamWidth ?? 1;
  for (const chunk of chunkBatches(examples, options.batchSize ?? 64)) {
    const patches = patchTensor(chunk, model.config.encoder);
    try {
      const ids = beamWidth > 1 ? beamSearchDecode(model, patches, { beamWidth }) : greedyDecode(model, patches);
      out.push(...ids.map((seq) => tokenizer.decode(seq)));
    } finally {
      patches.dispose();
    }
  }
  return out;
}

/** Scores of a split from its loss, predictions and (normalised) references. */
export function splitScores(loss: number, predictions: readonly string[], references: readonly string[]): SplitScores {
  const m = computeCaptionMetrics(predictions, references.map((r) => [r]));
  return {
    loss,
    bleu1: m.bleu1,
    bleu2: m.bleu2,
    rougeL: m.rougeL,
    meteor: m.meteor,
    samples: predictions.map((prediction, i) => ({ prediction, reference: references[i] })),
  };
}

/** Loss, captions and scores of a split. */
export function scoreSplit(model: CaptionerModel, tokenizer: WordTokenizer, examples: readonly PreparedExample[], options: GenerateOptions = {}): SplitScores {
  const loss = splitLoss(model, examples, options.batchSize);
  const predictions = generateCaptions(model, tokenizer, examples, options);
  return splitScores(loss, predictions, examples.map((e) => e.reference));
}
