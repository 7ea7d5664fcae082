import * as tf from "@tensorflow/tfjs";
import { attention, beginStep, endStep, gelu, heldTensorCount, layerNorm, maskedCrossEntropy } from "hpo/captioner";
import { beforeAll, describe, expect, it } from "vitest";
import { maxAbsDiff, useBackend } from "./captioner-test-helpers.ts";

// Each hand-written gradient must equal the autodiff of the same function composed from
// plain tfjs ops.
describe.each(["wasm", "cpu"] as const)("hand-written gradients on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("layerNorm", () => {
    const x = tf.randomNormal([6, 10], 0, 2, "float32", 1) as tf.Tensor2D;
    const g = tf.randomNormal([10], 1, 0.3, "float32", 2) as tf.Tensor1D;
    const b = tf.randomNormal([10], 0, 0.3, "float32", 3) as tf.Tensor1D;
    const probe = tf.randomNormal([6, 10], 0, 1, "float32", 4);
    const composed = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      const mean = tf.mean(xx, 1, true);
      const variance = tf.mean(tf.square(tf.sub(xx, mean)), 1, true);
      return tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5))), gg), bb);
    };
    expect(maxAbsDiff(layerNorm(x, g, b).dataSync(), composed(x, g, b).dataSync())).toBeLessThan(1e-5);
    const mine = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(layerNorm(a as tf.Tensor2D, c as tf.Tensor1D, d as tf.Tensor1D), probe)))([x, g, b]);
    const ref = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(composed(a, c, d), probe)))([x, g, b]);
    mine.forEach((m, i) => expect(maxAbsDiff(m.dataSync(), ref[i].dataSync())).toBeLessThan(1e-4));
  });

  it("gelu (tanh approximation)", () => {
    const x = tf.linspace(-6, 6, 97);
    const composed = (v: tf.Tensor) => tf.mul(tf.mul(v, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(v, tf.mul(0.044715, tf.pow(v, 3)))))));
    expect(maxAbsDiff(gelu(x).dataSync(), composed(x).dataSync())).toBeLessThan(1e-5);
    const mine = tf.grad((v: tf.Tensor) => tf.sum(gelu(v)))(x);
    const ref = tf.grad((v: tf.Tensor) => tf.sum(composed(v)))(x);
    expect(maxAbsDiff(mine.dataSync(), ref.dataSync())).toBeLessThan(1e-4);
  });

  it("masked cross-entropy ignores padded positions", () => {
    const logits = tf.randomNormal([5, 7], 0, 2, "float32", 5) as tf.Tensor2D;
    const targets = tf.tensor1d([1, 6, 0, 3, 3], "int32");
    const mask = tf.tensor1d([1, 1, 0, 1, 0], "float32");
    const composed = (l: tf.Tensor) => {
      const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(l), tf.oneHot(targets, 7).toFloat()), 1));
      return tf.div(tf.sum(tf.mul(nll, mask)), tf.sum(mask));
    };
    expect(Math.abs(maskedCrossEntropy(logits, targets, mask).dataSync()[0] - composed(logits).dataSync()[0])).toBeLessThan(1e-5);
    const mine = tf.grad((l: tf.Tensor) => maskedCrossEntropy(l as tf.Tensor2D, targets, mask))(logits);
    const ref = tf.grad((l: tf.Tensor) => composed(l))(logits);
    expect(maxAbsDiff(mine.dataSync(), ref.dataSync())).toBeLessThan(1e-5);
    // Rows 2 and 4 are padding: no gradient reaches them.
    const g = mine.arraySync() as number[][];
    expect(g[2].every((v) => v === 0) && g[4].every((v) => v === 0)).toBe(true);
  });

  it("attention (with and without a causal mask)", () => {
    const q = tf.randomNormal([6, 8, 4], 0, 1, "float32", 21) as tf.Tensor3D;
    const kT = tf.randomNormal([6, 4, 8], 0, 1, "float32", 22) as tf.Tensor3D;
    const v = tf.randomNormal([6, 8, 4], 0, 1, "float32", 23) as tf.Tensor3D;
    const probe = tf.randomNormal([6, 8, 4], 0, 1, "float32", 24);
    const causal = tf.tensor2d(Array.from({ length: 64 }, (_, i) => (i % 8 > Math.floor(i / 8) ? -1e9 : 0)), [8, 8]);
    for (const mask of [null, causal]) {
      const composed = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const s = tf.mul(tf.matMul(a, b), 0.5);
        return tf.matMul(tf.softmax(mask ? tf.add(s, mask) : s), c);
      };
      const mine = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => attention(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D, 0.5, mask);
      expect(maxAbsDiff(mine(q, kT, v).dataSync(), composed(q, kT, v).dataSync())).toBeLessThan(1e-5);
      const ref = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(composed(a, b, c), probe)))([q, kT, v]);
      const got = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(mine(a, b, c), probe)))([q, kT, v]);
      got.forEach((g, i) => expect(maxAbsDiff(g.dataSync(), ref[i].dataSync())).toBeLessThan(1e-4));
      // Inside a training step the op keeps what it saves instead of copying it, with the
      // same gradients, and the step frees it all.
      beginStep();
      const held = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(mine(a, b, c), probe)))([q, kT, v]);
      expect(heldTensorCount()).toBeGreaterThan(0);
      endStep();
      expect(heldTensorCount()).toBe(0);
      held.forEach((g, i) => expect(maxAbsDiff(g.dataSync(), ref[i].dataSync())).toBeLessThan(1e-4));
    }
  });
});
