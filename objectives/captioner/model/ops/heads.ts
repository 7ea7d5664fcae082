/**
 * Reshaping between token rows and attention heads: [B·T, H·dh] ⇄ [B·H, T, dh], with keys
 * transposed per head ([B·H, dh, T]) so q·kᵀ needs no transpose flag.
 */
import * as tf from "@tensorflow/tfjs";
import { reshape } from "./graph-ops.ts";

/** [B·T, H·dh] → [B·H, T, dh]. */
export function splitHeads(x: tf.Tensor2D, batch: number, tokens: number, heads: number): tf.Tensor3D {
  const dh = x.shape[1] / heads;
  return reshape(tf.transpose(reshape(x, [batch, tokens, heads, dh]), [0, 2, 1, 3]), [batch * heads, tokens, dh]);
}

/** [B·T, H·dh] → [B·H, dh, T] (keys, ready for q·kᵀ without a transpose flag). */
export function splitHeadsTransposed(x: tf.Tensor2D, batch: number, tokens: number, heads: number): tf.Tensor3D {
  const dh = x.shape[1] / heads;
  return reshape(tf.transpose(reshape(x, [batch, tokens, heads, dh]), [0, 2, 3, 1]), [batch * heads, dh, tokens]);
}

/** [B·H, T, dh] → [B·T, H·dh]. */
export function mergeHeads(x: tf.Tensor3D, batch: number, heads: number): tf.Tensor2D {
  const [, tokens, dh] = x.shape;
  return reshape(tf.transpose(reshape(x, [batch, heads, tokens, dh]), [0, 2, 1, 3]), [batch * tokens, heads * dh]);
}

/** A causal mask [t, t]: 0 on and below the diagonal, −1e9 above (added to attention scores). */
export function causalMaskValues(t: number): Float32Array {
  const values = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) values[i * t + j] = -1e9;
  return values;
}
