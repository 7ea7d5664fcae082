/**
 * Mean token cross-entropy over the positions a mask keeps, with the gradient written
 * out ((softmax − onehot)·mask / count) instead of differentiating log-softmax.
 */
import * as tf from "@tensorflow/tfjs";
import { customOp } from "./custom-op.ts";

const maskedCrossEntropyOp = customOp<tf.Scalar>(([logits, onehot, mask], save) => {
  const l = logits as tf.Tensor2D;
  const oh = onehot as tf.Tensor2D;
  const m = mask as tf.Tensor1D;
  const shifted = tf.sub(l, tf.max(l, 1, true));
  const logProbs = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
  const count = tf.maximum(tf.sum(m), 1);
  const perToken = tf.neg(tf.sum(tf.mul(logProbs, oh), 1));
  save([logProbs, oh, m, count]);
  return {
    value: tf.div(tf.sum(tf.mul(perToken, m)), count) as tf.Scalar,
    gradFunc: (dy, saved) => {
      const [lp, soh, sm, c] = saved;
      const weight = tf.div(tf.reshape(sm, [-1, 1]), c);
      const dLogits = tf.mul(tf.mul(tf.sub(tf.exp(lp), soh), weight), dy);
      return [dLogits, tf.zerosLike(soh), tf.zerosLike(sm)];
    },
  };
});

/**
 * Mean −log p(target) over positions where `mask` is 1.
 *
 * @param logits [rows, vocab]
 * @param targets int32 [rows]
 * @param mask float32 [rows], 1 for real tokens, 0 for padding
 */
export function maskedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    // oneHot's dtype argument is ignored by tfjs-backend-wasm 4.22 (it writes int32 bits
    // into a float32 tensor), so cast explicitly.
    const onehot = tf.cast(tf.oneHot(targets, logits.shape[1]), "float32") as tf.Tensor2D;
    return maskedCrossEntropyOp(logits, onehot, mask);
  });
}
