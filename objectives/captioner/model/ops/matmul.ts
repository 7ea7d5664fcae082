/**
 * Matrix products shaped for tfjs-backend-wasm: its matMul is fast (XNNPACK) only for one
 * group without transpose flags, so every product here is either that, or our grouped
 * SIMD kernel; gradients use explicit transposes instead of transpose flags (which run
 * about 10× slower). On other backends the same functions use plain tf.matMul.
 */
import * as tf from "@tensorflow/tfjs";
import { HPO_GEMM, wasmKernelsActive } from "../../backend/wasm-kernels/install-wasm-kernels.ts";
import { customOp } from "./custom-op.ts";

/** Transposes a matrix; on wasm in two cache-friendly 3-D passes (one 2-D pass is slow). */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = x.shape;
  if (tf.getBackend() !== "wasm" || rows < 256) return tf.transpose(x);
  const block = rows % 16 === 0 ? 16 : rows % 8 === 0 ? 8 : 0;
  if (block === 0) return tf.transpose(x);
  return tf.tidy(() => {
    const blocks = tf.transpose(tf.reshape(x, [rows / block, block, cols]), [0, 2, 1]);
    return tf.reshape(tf.transpose(blocks, [1, 0, 2]), [cols, rows]);
  });
}

/** Swaps the last two axes of a rank-3 tensor. */
export function transposeLast(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]);
}

function useKernel(n: number): boolean {
  return n >= 1 && wasmKernelsActive();
}

/** Grouped product without gradient: alpha · op(a[g]) · b[g], op = transpose when `transposeA`. */
export function groupedMatMulRaw(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, alpha = 1): tf.Tensor3D {
  if (useKernel(b.shape[2])) {
    return tf.engine().runKernel(HPO_GEMM, { a, b }, { transposeA, alpha }) as tf.Tensor3D;
  }
  const product = tf.matMul(a, b, transposeA, false) as tf.Tensor3D;
  if (alpha === 1) return product;
  const scaled = tf.mul(product, alpha) as tf.Tensor3D;
  product.dispose();
  return scaled;
}

/** aᵀ · b for matrices (weight gradients), without a transpose flag on wasm. */
export function matMulTransposeA(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (tf.getBackend() !== "wasm") return tf.matMul(a, b, true, false);
  return tf.tidy(() => tf.matMul(transpose2d(a), b));
}

/** a · bᵀ for matrices, without a transpose flag on wasm. */
export function matMulTransposeB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (tf.getBackend() !== "wasm") return tf.matMul(a, b, false, true);
  return tf.tidy(() => tf.matMul(a, transpose2d(b)));
}

/** Column sums of a matrix: Σ over rows, as [cols] (bias gradients). */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  const [rows, cols] = x.shape;
  // A reduction over axis 0 makes tfjs-backend-wasm transpose the whole matrix first
  // (a slow 2-D transpose); a 1×rows product with ones reads it once, in order.
  if (!useKernel(cols)) return tf.sum(x, 0);
  return tf.tidy(() => tf.reshape(groupedMatMulRaw(tf.ones([1, 1, rows]), tf.reshape(x, [1, rows, cols])), [cols]));
}

const linearOp = customOp<tf.Tensor2D>(([x, w], save) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      return [matMulTransposeB(dy, sw), matMulTransposeA(sx, dy)];
    },
  };
});

/**
 * x · w for x [rows, in] and w [in, out], differentiable in both.
 *
 * @example
 * const y = linear(tf.ones([4, 8]), tf.ones([8, 2])); // [4, 2]
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return linearOp(x, w);
}

const denseOp = customOp<tf.Tensor2D>(([x, w, b], save) => {
  save([x, w]);
  return {
    // One fused kernel (XNNPACK adds the bias) instead of a product and a broadcast add.
    value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }) as tf.Tensor2D,
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as tf.Tensor2D[];
      return [matMulTransposeB(dy, sw), matMulTransposeA(sx, dy), sumRows(dy)];
    },
  };
});

const denseOnDataOp = customOp<tf.Tensor2D>(([x, w, b], save) => {
  save([x]);
  return {
    value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }) as tf.Tensor2D,
    gradFunc: (dy, saved) => {
      const [sx] = saved as tf.Tensor2D[];
      // x is data (image patches): its gradient is never used, so skip that product.
      return [tf.zerosLike(sx), matMulTransposeA(sx, dy), sumRows(dy)];
    },
  };
});

/**
 * x · w + b for x [rows, in], w [in, out], b [out], differentiable in all three; with
 * `{ inputGradient: false }` (x is data) the gradient for x is zero and not computed.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, options: { inputGradient?: boolean } = {}): tf.Tensor2D {
  return options.inputGradient === false ? denseOnDataOp(x, w, b) : denseOp(x, w, b);
}

const batchMatMulOp = customOp<tf.Tensor3D>(([a, b], save) => {
  save([a, b]);
  return {
    value: groupedMatMulRaw(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as tf.Tensor3D[];
      return [groupedMatMulRaw(dy, transposeLast(sb)), groupedMatMulRaw(sa, dy, true)];
    },
  };
});

/**
 * a[g] · b[g] for a [G, m, k] and b [G, k, n] (per-head attention products),
 * differentiable in both.
 */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return batchMatMulOp(a, b);
}
