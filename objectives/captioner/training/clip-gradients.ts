/**
 * Gradient clipping by global norm (as torch.nn.utils.clip_grad_norm_), computed on the
 * device so a step never waits for a read-back.
 */
import * as tf from "@tensorflow/tfjs";

/** Scales `grads` so their joint L2 norm is at most `maxNorm`; returns new tensors and the norm. */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const squares = grads.map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(tf.addN(squares)) as tf.Scalar;
    if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) return { clipped: grads.map((g) => tf.clone(g)), norm };
    const factor = tf.div(maxNorm, tf.maximum(norm, maxNorm));
    return { clipped: grads.map((g) => tf.mul(g, factor)), norm };
  });
}
