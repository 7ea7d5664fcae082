/**
 * GELU, tanh approximation (as GPT-2 and ViT use), written as x·σ(2u) with
 * u = √(2/π)(x + 0.044715x³) — the same function, since 0.5(1 + tanh u) = σ(2u) — because
 * tfjs-backend-wasm's sigmoid is vectorised and its tanh is not. The gradient is written
 * out and reuses the forward's sigmoid.
 */
import * as tf from "@tensorflow/tfjs";
import { customOp } from "./custom-op.ts";

const C2 = 2 * Math.sqrt(2 / Math.PI);
const A = 0.044715;

const geluOp = customOp<tf.Tensor>(([x], save) => {
  const xt = x;
  const x2 = tf.square(xt);
  const s = tf.sigmoid(tf.mul(tf.mul(xt, tf.add(tf.mul(x2, A), 1)), C2));
  save([xt, x2, s]);
  return {
    value: tf.mul(xt, s),
    gradFunc: (dy, saved) => {
      const [sx, sx2, ss] = saved;
      // d/dx x·σ(z) = σ + x·σ(1−σ)·z', z' = 2C(1 + 3A·x²)
      const dz = tf.mul(tf.add(tf.mul(sx2, 3 * A), 1), C2);
      const grad = tf.add(ss, tf.mul(tf.mul(sx, tf.mul(ss, tf.sub(1, ss))), dz));
      return [tf.mul(dy, grad)];
    },
  };
});

/** GELU(x), elementwise. */
export function gelu<T extends tf.Tensor>(x: T): T {
  return geluOp(x) as T;
}
