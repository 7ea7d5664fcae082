/**
 * One optimisation step: loss and gradients for the trainable variables only, global-norm
 * clipping, AdamW update.
 */
import * as tf from "@tensorflow/tfjs";
import type { DropoutSeeds } from "../model/captioner-model.ts";
import { beginStep, endStep } from "../model/ops/saved-tensors.ts";
import type { AdamW } from "./adamw.ts";

/** Step settings. */
export interface StepOptions {
  readonly learningRate: number;
  /** Global-norm clip; 0 or Infinity disables (default 1). */
  readonly clipNorm?: number;
  readonly seeds?: DropoutSeeds;
}

/** Runs one step and returns the batch loss (before the update) as a scalar the caller disposes. */
export function trainStep<B>(model: { loss(batch: B, seeds?: DropoutSeeds): tf.Scalar }, batch: B, trainable: readonly tf.Variable[], optimizer: AdamW, options: StepOptions): tf.Scalar {
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | null = null;
  beginStep();
  try {
    result = tf.variableGrads(() => model.loss(batch, options.seeds), [...trainable]);
  } finally {
    endStep(result ? [result.value] : []);
  }
  const { value, grads } = result;
  const ordered = trainable.map((v) => {
    const g = grads[v.name];
    if (!g) throw new Error(`no gradient for ${v.name}`);
    return g;
  });
  optimizer.applyClipped(ordered, options.learningRate, options.clipNorm ?? 1);
  tf.dispose(ordered);
  return value;
}
