/**
 * The word-level captioner (hpo's synthetic-data model) as the trainer sees it: prepared
 * examples become token batches of patches, inputs, targets and a mask.
 */
import { disposeBatch, type PreparedExample, tokenBatch } from "../data/token-batches.ts";
import type { CaptionerModel, TokenBatch } from "../model/captioner-model.ts";
import type { BatchedLoss } from "./caption-trainer.ts";

/** Batching and loss of `model` for {@link CaptionTrainer}. */
export function wordCaptionerTraining(model: CaptionerModel): BatchedLoss<PreparedExample, TokenBatch> {
  return {
    batch: (examples) => tokenBatch(examples, model.config.encoder, model.config.decoder.maxTokens),
    loss: (batch, seeds) => model.loss(batch, seeds),
    disposeBatch,
  };
}
