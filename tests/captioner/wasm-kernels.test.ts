import * as tf from "@tensorflow/tfjs";
import { batchMatMul, dense, linear, sumRows, transpose2d, wasmKernelsActive } from "hpo/captioner";
import { beforeAll, describe, expect, it } from "vitest";
import { maxAbsDiff, useBackend } from "./captioner-test-helpers.ts";

// Reference products in float64, so the kernel is checked against exact arithmetic.
function reference(a: Float32Array, b: Float32Array, g: number, m: number, k: number, n: number, transposeA: boolean): Float64Array {
  const out = new Float64Array(g * m * n);
  for (let q = 0; q < g; q++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[q * m * k + (transposeA ? p * m + i : i * k + p)] * b[q * k * n + p * n + j];
        out[q * m * n + i * n + j] = s;
      }
  return out;
}

describe("wasm SIMD grouped product", () => {
  beforeAll(() => useBackend("wasm"));

  it("is installed on the wasm backend", () => {
    expect(tf.getBackend()).toBe("wasm");
    expect(wasmKernelsActive()).toBe(true);
  });

  // Shapes with row tails (M % 4), a 4-wide column tail (N % 8 = 4), scalar column tails
  // (N % 4: ViT's CLS token makes 65 or 197 keys) and one group.
  const shapes: [number, number, number, number][] = [
    [3, 7, 5, 12],
    [2, 64, 24, 64],
    [5, 1, 9, 4],
    [1, 13, 33, 20],
    [4, 65, 24, 65],
    [2, 6, 7, 3],
    [3, 5, 4, 1],
    [1, 9, 11, 23],
  ];
  for (const [g, m, k, n] of shapes) {
    for (const transposeA of [false, true]) {
      it(`matches exact arithmetic for G=${g} M=${m} K=${k} N=${n}${transposeA ? " (Aᵀ)" : ""}`, () => {
        const a = tf.randomNormal(transposeA ? [g, k, m] : [g, m, k], 0, 1, "float32", 1);
        const b = tf.randomNormal([g, k, n], 0, 1, "float32", 2);
        const ref = reference(a.dataSync() as Float32Array, b.dataSync() as Float32Array, g, m, k, n, transposeA);
        const out = tf.engine().runKernel("HpoGroupedGemm", { a, b }, { transposeA }) as tf.Tensor;
        expect(out.shape).toEqual([g, m, n]);
        expect(maxAbsDiff(out.dataSync(), ref)).toBeLessThan(1e-4 * Math.sqrt(k));
        tf.dispose([a, b, out]);
      });
    }
  }

  it("gives the same gradients as tf.matMul for batchMatMul", () => {
    const a = tf.randomNormal([4, 8, 12], 0, 1, "float32", 3) as tf.Tensor3D;
    const b = tf.randomNormal([4, 12, 16], 0, 1, "float32", 4) as tf.Tensor3D;
    const w = tf.randomNormal([4, 8, 16], 0, 1, "float32", 5);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(batchMatMul(x as tf.Tensor3D, y as tf.Tensor3D), w)))([a, b]);
    const [ra, rb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w)))([a, b]);
    expect(maxAbsDiff(ga.dataSync(), ra.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(gb.dataSync(), rb.dataSync())).toBeLessThan(1e-4);
  });

  it("dense, linear, sumRows and transpose2d agree with plain tfjs, gradients included", () => {
    const x = tf.randomNormal([512, 24], 0, 1, "float32", 6) as tf.Tensor2D;
    const w = tf.randomNormal([24, 40], 0, 1, "float32", 7) as tf.Tensor2D;
    const bias = tf.randomNormal([40], 0, 1, "float32", 8) as tf.Tensor1D;
    const probe = tf.randomNormal([512, 40], 0, 1, "float32", 9);
    expect(maxAbsDiff(transpose2d(x).dataSync(), tf.transpose(x).dataSync())).toBe(0);
    expect(maxAbsDiff(sumRows(probe as tf.Tensor2D).dataSync(), tf.sum(probe, 0).dataSync())).toBeLessThan(1e-3);
    expect(maxAbsDiff(linear(x, w).dataSync(), tf.matMul(x, w).dataSync())).toBeLessThan(1e-4);
    const mine = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor1D), probe)))([x, w, bias]);
    const plain = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(a, b), c), probe)))([x, w, bias]);
    mine.forEach((g, i) => expect(maxAbsDiff(g.dataSync(), plain[i].dataSync())).toBeLessThan(2e-3));
  });
});

describe("fused AdamW kernel", () => {
  beforeAll(() => useBackend("wasm"));

  it("matches AdamW written with tfjs ops, clipping and decoupled decay included", async () => {
    const { AdamW, clipByGlobalNorm } = await import("hpo/captioner");
    const shapes = [[7, 5], [13], [4, 4, 3]];
    const init = shapes.map((s, i) => tf.randomNormal(s, 0, 1, "float32", 10 + i));
    const fused = init.map((t) => tf.variable(t.clone()));
    const plain = init.map((t) => tf.variable(t.clone()));
    const a = new AdamW(fused, { weightDecay: 0.1 });
    const b = new AdamW(plain, { weightDecay: 0.1 });
    for (let step = 0; step < 5; step++) {
      const grads = shapes.map((s, i) => tf.randomNormal(s, 0, 3, "float32", 100 * step + i));
      const norm = a.applyClipped(grads, 0.01, 1);
      const { clipped, norm: n2 } = clipByGlobalNorm(grads, 1);
      b.apply(clipped, 0.01);
      expect(Math.abs(norm - n2.dataSync()[0])).toBeLessThan(1e-4);
      tf.dispose([...grads, ...clipped, n2]);
    }
    fused.forEach((v, i) => expect(maxAbsDiff(v.dataSync(), plain[i].dataSync())).toBeLessThan(1e-5));
    const sa = a.state();
    const sb = b.state();
    sa.m.forEach((m, i) => expect(maxAbsDiff(m.dataSync(), sb.m[i].dataSync())).toBeLessThan(1e-6));
    sa.v.forEach((v, i) => expect(maxAbsDiff(v.dataSync(), sb.v[i].dataSync())).toBeLessThan(1e-6));
  });
});
