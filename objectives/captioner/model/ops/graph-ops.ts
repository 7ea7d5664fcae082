/**
 * Shape ops and additions whose gradients need nothing saved. tfjs's own reshape and add
 * save (and so copy) their inputs for the backward pass; these do not.
 */
import * as tf from "@tensorflow/tfjs";
import { customOp } from "./custom-op.ts";
import { sumRows } from "./matmul.ts";

/** tf.reshape without saving its input. */
export function reshape<T extends tf.Tensor>(x: tf.Tensor, shape: number[]): T {
  const from = [...x.shape];
  return customOp<T>(([t]) => ({ value: tf.reshape(t, shape) as T, gradFunc: (dy) => [tf.reshape(dy, from)] }))(x);
}

const addSameShape = customOp<tf.Tensor>(([a, b]) => ({ value: tf.add(a, b), gradFunc: (dy) => [dy, dy] }));

/** a + b for tensors of one shape (residual connections). */
export function add<T extends tf.Tensor>(a: T, b: T): T {
  if (a.shape.join("x") !== b.shape.join("x")) throw new Error(`add: shapes ${a.shape} and ${b.shape} differ`);
  return addSameShape(a, b) as T;
}

const addRowsOp = customOp<tf.Tensor2D>(([x, row]) => ({
  value: tf.add(x, tf.reshape(row, [1, row.size])) as tf.Tensor2D,
  gradFunc: (dy) => [dy, tf.reshape(sumRows(dy), row.shape)],
}));

/**
 * x + row for x [B, ...shape] and row [...shape] (position embeddings added to every
 * sequence); the row's gradient is the sum over B.
 */
export function addToEach<T extends tf.Tensor>(x: T, row: tf.Tensor): T {
  const width = row.size;
  return reshape<T>(addRowsOp(reshape(x, [x.size / width, width]), row), [...x.shape]);
}

const scaleOps = new Map<number, (x: tf.Tensor) => tf.Tensor>();

/** x · s for a constant s. */
export function scale<T extends tf.Tensor>(x: T, s: number): T {
  let op = scaleOps.get(s);
  if (!op) {
    op = customOp<tf.Tensor>(([t]) => ({ value: tf.mul(t, s), gradFunc: (dy) => [tf.mul(dy, s)] }));
    scaleOps.set(s, op);
  }
  return op(x) as T;
}
