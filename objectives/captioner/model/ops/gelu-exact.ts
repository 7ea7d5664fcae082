/**
 * GELU as ViT uses it (`hidden_act: "gelu"`, PyTorch's exact form): x·Φ(x) =
 * 0.5·x·(1 + erf(x/√2)), with the gradient written out (Φ(x) + x·φ(x)) so it saves only x
 * and Φ(x). The tanh approximation GPT-2 uses is {@link gelu} in gelu.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { customOp } from "./custom-op.ts";

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluExactOp = customOp<tf.Tensor>(([x], save) => {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1), 0.5);
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy, saved) => {
      const [sx, sc] = saved;
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(sc, tf.mul(sx, pdf)))];
    },
  };
});

/** Exact GELU(x), elementwise. */
export function geluExact<T extends tf.Tensor>(x: T): T {
  return geluExactOp(x) as T;
}
