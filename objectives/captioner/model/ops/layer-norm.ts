/**
 * Layer normalisation over the last axis of a [rows, d] matrix, with a hand-written
 * gradient: the autodiff of the composed ops records about three times as many kernels,
 * and on CPU backends each kernel launch costs as much as the arithmetic.
 */
import * as tf from "@tensorflow/tfjs";
import { customOp } from "./custom-op.ts";
import { sumRows } from "./matmul.ts";

/** GPT-2's and PyTorch's default epsilon. */
export const DEFAULT_LAYER_NORM_EPSILON = 1e-5;

const layerNormOp = (epsilon: number) => customOp<tf.Tensor2D>(([x, gamma, beta], save) => {
  const xt = x as tf.Tensor2D;
  const d = xt.shape[1];
  const mean = tf.mean(xt, 1, true);
  const centered = tf.sub(xt, mean);
  const variance = tf.mean(tf.square(centered), 1, true);
  const invStd = tf.rsqrt(tf.add(variance, epsilon));
  const normalized = tf.mul(centered, invStd);
  save([normalized, invStd, gamma]);
  return {
    value: tf.add(tf.mul(normalized, gamma), beta),
    gradFunc: (dy, saved) => {
      const [xhat, inv, g] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const dyt = dy;
      const dxhat = tf.mul(dyt, g);
      // dx = inv/d · (d·dxhat − Σdxhat − xhat·Σ(dxhat·xhat))
      const sum1 = tf.sum(dxhat, 1, true);
      const sum2 = tf.sum(tf.mul(dxhat, xhat), 1, true);
      const inner = tf.sub(tf.sub(tf.mul(dxhat, d), sum1), tf.mul(xhat, sum2));
      const dx = tf.mul(inner, tf.div(inv, d));
      return [dx, sumRows(tf.mul(dyt, xhat)), sumRows(dyt)];
    },
  };
});

const ops = new Map<number, ReturnType<typeof layerNormOp>>();

/** LayerNorm(x)·gamma + beta for x [rows, d], with `epsilon` added to the variance (default 1e-5; ViT uses 1e-12). */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = DEFAULT_LAYER_NORM_EPSILON): tf.Tensor2D {
  let op = ops.get(epsilon);
  if (!op) ops.set(epsilon, (op = layerNormOp(epsilon)));
  return op(x, gamma, beta);
}
