/**
 * The GPT-2 decoder with cross-attention as transformers' GPT2LMHeadModel computes it
 * (add_cross_attention): token + learned position embeddings, pre-LayerNorm blocks of
 * causal self-attention (fused c_attn → q, k, v; c_proj), cross-attention to the encoder
 * states (q_attn on the tokens, c_attn → k, v on the image), MLP (c_fc, activation,
 * c_proj), final LayerNorm, logits through the LM head (the tied token table by default).
 * Both the whole-sequence form (training, teacher forcing) and one token at a time with a
 * key/value cache (generation).
 */
import * as tf from "@tensorflow/tfjs";
import type { DropoutSeeds } from "../model/captioner-model.ts";
import { attention } from "../model/ops/attention.ts";
import { add, addToEach, reshape } from "../model/ops/graph-ops.ts";
import { mergeHeads, splitHeads, splitHeadsTransposed } from "../model/ops/heads.ts";
import { layerNorm } from "../model/ops/layer-norm.ts";
import { batchMatMul } from "../model/ops/matmul.ts";
import { embeddingLookup, sliceColumns } from "../model/ops/row-ops.ts";
import type { Gpt2Config } from "./hf-config.ts";
import { activate, linearModule, type WeightSource } from "./weight-source.ts";

/** Per layer: the image's cross-attention keys (transposed per head) and values. */
export type Gpt2CrossMemory = readonly { readonly keysT: tf.Tensor3D; readonly values: tf.Tensor3D }[];

/** Per layer: self-attention keys [R·H, dh, t] and values [R·H, t, dh] of the tokens so far. */
export type Gpt2SelfCache = readonly { readonly keysT: tf.Tensor3D; readonly values: tf.Tensor3D }[];

function norm(ws: WeightSource, name: string, x: tf.Tensor2D, eps: number): tf.Tensor2D {
  return layerNorm(x, ws.weight(`${name}.weight`) as tf.Tensor1D, ws.weight(`${name}.bias`) as tf.Tensor1D, eps);
}

/** The attention scale of layer `l`: 1/√dh (scale_attn_weights), further /(l+1) (scale_attn_by_inverse_layer_idx). */
export function gpt2AttentionScale(c: Gpt2Config, l: number): number {
  const dh = c.hiddenSize / c.heads;
  return (c.scaleAttnWeights ? 1 / Math.sqrt(dh) : 1) / (c.scaleAttnByInverseLayerIdx ? l + 1 : 1);
}

/**
 * Cross-attention keys and values of every layer for encoder states [B·S, hidden], computed
 * once per image batch; `statesAreData` (a frozen encoder) skips their input gradient.
 */
export function gpt2CrossMemory(ws: WeightSource, c: Gpt2Config, states: tf.Tensor2D, batch: number, seeds?: DropoutSeeds, statesAreData = false): Gpt2CrossMemory {
  const s = states.shape[0] / batch;
  const d = c.hiddenSize;
  const out: { keysT: tf.Tensor3D; values: tf.Tensor3D }[] = [];
  for (let l = 0; l < c.layers; l++) {
    const kv = linearModule(ws, `decoder.transformer.h.${l}.crossattention.c_attn`, states, seeds, !statesAreData);
    out.push({ keysT: splitHeadsTransposed(sliceColumns(kv, 0, d), batch, s, c.heads), values: splitHeads(sliceColumns(kv, d, d), batch, s, c.heads) });
  }
  return out;
}

/** Token ids [B, T] (int32) → final hidden states [B·T, hidden]; `causalMask` is [T, T]. */
export function gpt2Hidden(ws: WeightSource, c: Gpt2Config, ids: tf.Tensor2D, cross: Gpt2CrossMemory, causalMask: tf.Tensor2D, seeds?: DropoutSeeds): tf.Tensor2D {
  const [batch, t] = ids.shape;
  if (t > c.positions) throw new Error(`at most ${c.positions} tokens (n_positions), got ${t}`);
  const d = c.hiddenSize;
  const tokens = embeddingLookup(ws.weight("decoder.transformer.wte.weight") as tf.Tensor2D, reshape(ids, [batch * t]));
  const wpe = ws.weight("decoder.transformer.wpe.weight");
  let x = addToEach(tokens, t === c.positions ? wpe : tf.slice(wpe, [0, 0], [t, d]));
  for (let l = 0; l < c.layers; l++) {
    const b = `decoder.transformer.h.${l}`;
    const alpha = gpt2AttentionScale(c, l);
    const qkv = linearModule(ws, `${b}.attn.c_attn`, norm(ws, `${b}.ln_1`, x, c.layerNormEps), seeds);
    const q = splitHeads(sliceColumns(qkv, 0, d), batch, t, c.heads);
    const kT = splitHeadsTransposed(sliceColumns(qkv, d, d), batch, t, c.heads);
    const v = splitHeads(sliceColumns(qkv, 2 * d, d), batch, t, c.heads);
    x = add(x, linearModule(ws, `${b}.attn.c_proj`, mergeHeads(attention(q, kT, v, alpha, causalMask), batch, c.heads), seeds));
    const cq = splitHeads(linearModule(ws, `${b}.crossattention.q_attn`, norm(ws, `${b}.ln_cross_attn`, x, c.layerNormEps), seeds), batch, t, c.heads);
    x = add(x, linearModule(ws, `${b}.crossattention.c_proj`, mergeHeads(attention(cq, cross[l].keysT, cross[l].values, alpha), batch, c.heads), seeds));
    const inner = activate(c.activation, linearModule(ws, `${b}.mlp.c_fc`, norm(ws, `${b}.ln_2`, x, c.layerNormEps), seeds));
    x = add(x, linearModule(ws, `${b}.mlp.c_proj`, inner, seeds));
  }
  return norm(ws, "decoder.transformer.ln_f", x, c.layerNormEps);
}

/**
 * One generation step: hidden states [R, hidden] of token ids [R] at `position`, attending
 * to the cached keys/values of earlier positions (which it extends). Equal to the last row
 * of {@link gpt2Hidden} over the whole prefix.
 */
export function gpt2Step(ws: WeightSource, c: Gpt2Config, ids: tf.Tensor1D, position: number, cache: Gpt2SelfCache | null, cross: Gpt2CrossMemory): { hidden: tf.Tensor2D; cache: Gpt2SelfCache } {
  if (position >= c.positions) throw new Error(`position ${position} is beyond n_positions ${c.positions}`);
  const rows = ids.shape[0];
  const d = c.hiddenSize;
  const dh = d / c.heads;
  const perHead = (x: tf.Tensor2D, a: number, b: number) => tf.reshape(x, [rows * c.heads, a, b]) as tf.Tensor3D;
  let x = tf.add(tf.gather(ws.weight("decoder.transformer.wte.weight"), ids), tf.slice(ws.weight("decoder.transformer.wpe.weight"), [position, 0], [1, d])) as tf.Tensor2D;
  const next: { keysT: tf.Tensor3D; values: tf.Tensor3D }[] = [];
  for (let l = 0; l < c.layers; l++) {
    const b = `decoder.transformer.h.${l}`;
    const alpha = gpt2AttentionScale(c, l);
    const qkv = linearModule(ws, `${b}.attn.c_attn`, norm(ws, `${b}.ln_1`, x, c.layerNormEps));
    const q = perHead(tf.mul(tf.slice(qkv, [0, 0], [rows, d]), alpha) as tf.Tensor2D, 1, dh);
    const kNew = perHead(tf.slice(qkv, [0, d], [rows, d]), dh, 1);
    const vNew = perHead(tf.slice(qkv, [0, 2 * d], [rows, d]), 1, dh);
    const keysT = cache ? (tf.concat([cache[l].keysT, kNew], 2) as tf.Tensor3D) : kNew;
    const values = cache ? (tf.concat([cache[l].values, vNew], 1) as tf.Tensor3D) : vNew;
    next.push({ keysT, values });
    const selfOut = batchMatMul(tf.softmax(batchMatMul(q, keysT)), values);
    x = tf.add(x, linearModule(ws, `${b}.attn.c_proj`, tf.reshape(selfOut, [rows, d]) as tf.Tensor2D)) as tf.Tensor2D;
    const cq = perHead(tf.mul(linearModule(ws, `${b}.crossattention.q_attn`, norm(ws, `${b}.ln_cross_attn`, x, c.layerNormEps)), alpha) as tf.Tensor2D, 1, dh);
    const crossOut = batchMatMul(tf.softmax(batchMatMul(cq, cross[l].keysT)), cross[l].values);
    x = tf.add(x, linearModule(ws, `${b}.crossattention.c_proj`, tf.reshape(crossOut, [rows, d]) as tf.Tensor2D)) as tf.Tensor2D;
    const inner = activate(c.activation, linearModule(ws, `${b}.mlp.c_fc`, norm(ws, `${b}.ln_2`, x, c.layerNormEps)));
    x = tf.add(x, linearModule(ws, `${b}.mlp.c_proj`, inner)) as tf.Tensor2D;
  }
  return { hidden: norm(ws, "decoder.transformer.ln_f", x, c.layerNormEps), cache: next };
}
