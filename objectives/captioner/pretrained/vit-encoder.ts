/**
 * The ViT encoder as transformers' ViTModel computes it: patch embedding (a stride-p
 * convolution, here a product over (channel, row, column) patch vectors), a CLS token in
 * front, learned positions, pre-LayerNorm blocks (self-attention with q/k/v projections,
 * output projection, MLP), a final LayerNorm, and the optional pooler (tanh of a dense
 * layer on the CLS token).
 */
import * as tf from "@tensorflow/tfjs";
import type { DropoutSeeds } from "../model/captioner-model.ts";
import { attention } from "../model/ops/attention.ts";
import { add, addToEach, reshape } from "../model/ops/graph-ops.ts";
import { mergeHeads, splitHeads, splitHeadsTransposed } from "../model/ops/heads.ts";
import { layerNorm } from "../model/ops/layer-norm.ts";
import { firstRows, prependRow } from "../model/ops/row-ops.ts";
import { type VitConfig, vitPatchCount } from "./hf-config.ts";
import { activate, linearModule, type WeightSource } from "./weight-source.ts";

/** Values per flattened patch (channels × p × p). */
export function vitPatchDim(c: VitConfig): number {
  return c.channels * c.patchSize * c.patchSize;
}

/**
 * Pixel values [C, H, W] (one image) → patch vectors [P, C·p·p], patches in row-major order,
 * each vector ordered (channel, row, column) like the convolution's weight.
 */
export function patchesOf(pixelValues: Float32Array, c: VitConfig, out = new Float32Array(vitPatchCount(c) * vitPatchDim(c))): Float32Array {
  const { imageSize: s, patchSize: p, channels } = c;
  if (pixelValues.length !== channels * s * s) throw new Error(`pixel values hold ${pixelValues.length} numbers, expected ${channels}×${s}×${s}`);
  const perSide = s / p;
  let o = 0;
  for (let pi = 0; pi < perSide; pi++) {
    for (let pj = 0; pj < perSide; pj++) {
      for (let ch = 0; ch < channels; ch++) {
        for (let y = 0; y < p; y++) {
          const row = ch * s * s + (pi * p + y) * s + pj * p;
          for (let x = 0; x < p; x++) out[o++] = pixelValues[row + x];
        }
      }
    }
  }
  return out;
}

function norm(ws: WeightSource, name: string, x: tf.Tensor2D, eps: number): tf.Tensor2D {
  return layerNorm(x, ws.weight(`${name}.weight`) as tf.Tensor1D, ws.weight(`${name}.bias`) as tf.Tensor1D, eps);
}

/** Patches [B, P, C·p·p] → last hidden states [B·(P+1), hidden] (CLS first in each image). */
export function vitEncode(ws: WeightSource, c: VitConfig, patches: tf.Tensor3D, seeds?: DropoutSeeds): tf.Tensor2D {
  const [batch, p, pd] = patches.shape;
  if (p !== vitPatchCount(c) || pd !== vitPatchDim(c)) throw new Error(`patches must be [B, ${vitPatchCount(c)}, ${vitPatchDim(c)}], got [${patches.shape.join(", ")}]`);
  const tokens = p + 1;
  const dh = c.hiddenSize / c.heads;
  const e = "encoder.embeddings";
  const embedded = linearModule(ws, `${e}.patch_embeddings.projection`, reshape<tf.Tensor2D>(patches, [batch * p, pd]), seeds, false);
  let x = addToEach(prependRow(embedded, ws.weight(`${e}.cls_token`) as tf.Tensor1D, batch), ws.weight(`${e}.position_embeddings`));
  for (let l = 0; l < c.layers; l++) {
    const b = `encoder.encoder.layer.${l}`;
    const h = norm(ws, `${b}.layernorm_before`, x, c.layerNormEps);
    const q = splitHeads(linearModule(ws, `${b}.attention.attention.query`, h, seeds), batch, tokens, c.heads);
    const kT = splitHeadsTransposed(linearModule(ws, `${b}.attention.attention.key`, h, seeds), batch, tokens, c.heads);
    const v = splitHeads(linearModule(ws, `${b}.attention.attention.value`, h, seeds), batch, tokens, c.heads);
    const context = mergeHeads(attention(q, kT, v, 1 / Math.sqrt(dh)), batch, c.heads);
    x = add(x, linearModule(ws, `${b}.attention.output.dense`, context, seeds));
    const h2 = norm(ws, `${b}.layernorm_after`, x, c.layerNormEps);
    const inner = activate(c.activation, linearModule(ws, `${b}.intermediate.dense`, h2, seeds));
    x = add(x, linearModule(ws, `${b}.output.dense`, inner, seeds));
  }
  return norm(ws, "encoder.layernorm", x, c.layerNormEps);
}

/** ViT's pooler output [B, hidden] from last hidden states [B·(P+1), hidden]. */
export function vitPool(ws: WeightSource, hidden: tf.Tensor2D, batch: number): tf.Tensor2D {
  return tf.tanh(linearModule(ws, "encoder.pooler.dense", firstRows(hidden, batch)));
}
