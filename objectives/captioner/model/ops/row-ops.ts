/**
 * Differentiable slicing and stacking of token rows whose gradients save nothing: column
 * blocks of a fused projection (GPT-2's c_attn holds q, k and v side by side), a learned
 * row put in front of every sequence (ViT's CLS token), and an embedding lookup.
 */
import * as tf from "@tensorflow/tfjs";
import { customOp } from "./custom-op.ts";
import { reshape } from "./graph-ops.ts";

/** Columns [start, start + width) of x [rows, cols]. */
export function sliceColumns(x: tf.Tensor2D, start: number, width: number): tf.Tensor2D {
  const [rows, cols] = x.shape;
  if (start === 0 && width === cols) return x;
  return customOp<tf.Tensor2D>(([t]) => ({
    value: tf.slice(t as tf.Tensor2D, [0, start], [rows, width]),
    gradFunc: (dy) => [tf.pad(dy, [[0, 0], [start, cols - start - width]])],
  }))(x);
}

/**
 * [B·P, d] rows of B sequences → [B·(P+1), d] with `row` [d] in front of each sequence;
 * the row's gradient is the sum of its copies' gradients.
 */
export function prependRow(x: tf.Tensor2D, row: tf.Tensor1D, batch: number): tf.Tensor2D {
  const [total, d] = x.shape;
  const p = total / batch;
  return customOp<tf.Tensor2D>(([t, r]) => {
    const tiled = tf.tile(tf.reshape(r, [1, 1, d]), [batch, 1, 1]);
    const joined = tf.concat([tiled, tf.reshape(t, [batch, p, d])], 1);
    return {
      value: tf.reshape(joined, [batch * (p + 1), d]) as tf.Tensor2D,
      gradFunc: (dy) => {
        const g = tf.reshape(dy, [batch, p + 1, d]);
        return [tf.reshape(tf.slice(g, [0, 1, 0], [batch, p, d]), [total, d]), tf.reshape(tf.sum(tf.slice(g, [0, 0, 0], [batch, 1, d]), [0, 1]), [d])];
      },
    };
  })(x, row);
}

/** Rows 0, P+1, 2(P+1), ... of x [B·(P+1), d]: each sequence's first token, [B, d]. */
export function firstRows(x: tf.Tensor2D, batch: number): tf.Tensor2D {
  const [total, d] = x.shape;
  return tf.reshape(tf.slice(reshape(x, [batch, total / batch, d]), [0, 0, 0], [batch, 1, d]), [batch, d]);
}

/**
 * table[ids] for ids int32 [n]: rows of an embedding table [V, d]. Differentiable in the
 * table — scatter-add of the rows' gradients (tfjs-backend-wasm has no gradient for
 * gather, and a one-hot product would cost V × n); the ids are data.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const [vocab, d] = table.shape;
  const n = ids.shape[0];
  return customOp<tf.Tensor2D>(([t, i]) => ({
    value: tf.gather(t as tf.Tensor2D, i as tf.Tensor1D),
    gradFunc: (dy) => [tf.scatterND(tf.reshape(i, [n, 1]), dy, [vocab, d]), tf.zerosLike(i)],
  }))(table, ids);
}
