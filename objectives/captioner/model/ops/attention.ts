/**
 * Scaled dot-product attention per group (batch × head), softmax(α·Q·Kᵀ + mask)·V, as one
 * op with a hand-written gradient: six grouped products, a softmax and no copies of its
 * inputs, where the composed version records a dozen ops that each save (copy) theirs.
 */
import * as tf from "@tensorflow/tfjs";
import { customOp } from "./custom-op.ts";
import { groupedMatMulRaw, transposeLast } from "./matmul.ts";

function attentionOp(alpha: number, mask: tf.Tensor2D | null) {
  return customOp<tf.Tensor3D>(([q, keysT, values], save) => {
    const raw = groupedMatMulRaw(q as tf.Tensor3D, keysT as tf.Tensor3D, false, alpha);
    const scores = mask ? tf.add(raw, mask) : raw;
    const probs = tf.softmax(scores) as tf.Tensor3D;
    save([q, keysT, values, probs]);
    return {
      value: groupedMatMulRaw(probs, values as tf.Tensor3D),
      gradFunc: (dOut, saved) => {
        const [sq, sk, sv, p] = saved as tf.Tensor3D[];
        const dProbs = groupedMatMulRaw(dOut, transposeLast(sv));
        const dValues = groupedMatMulRaw(p, dOut, true);
        const dScores = tf.mul(p, tf.sub(dProbs, tf.sum(tf.mul(dProbs, p), -1, true))) as tf.Tensor3D;
        const dQ = groupedMatMulRaw(dScores, transposeLast(sk), false, alpha);
        const dKeysT = groupedMatMulRaw(sq, dScores, true, alpha);
        return [dQ, dKeysT, dValues];
      },
    };
  });
}

const cache = new Map<string, ReturnType<typeof attentionOp>>();

/**
 * Attention for q [G, Tq, dh], keysT [G, dh, Tk], values [G, Tk, dh]: softmax over the
 * keys of alpha·q·kᵀ (+ mask [Tq, Tk], e.g. −1e9 above the diagonal for causal), times v.
 * Differentiable in q, keysT and values.
 */
export function attention(q: tf.Tensor3D, keysT: tf.Tensor3D, values: tf.Tensor3D, alpha: number, mask: tf.Tensor2D | null = null): tf.Tensor3D {
  if (mask === null) {
    const key = String(alpha);
    let op = cache.get(key);
    if (!op) cache.set(key, (op = attentionOp(alpha, null)));
    return op(q, keysT, values);
  }
  return attentionOp(alpha, mask)(q, keysT, values);
}
