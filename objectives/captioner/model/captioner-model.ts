/**
 * The captioner: a ViT encoder (patch embedding, learned positions, pre-norm transformer
 * blocks) and a GPT-2-style decoder (token + position embeddings, causal self-attention,
 * cross-attention to the image tokens, tied output embedding), written with raw tfjs
 * ops so that freezing, LoRA and the wasm-specific kernels stay under our control.
 */
import * as tf from "@tensorflow/tfjs";
import type { LoraAdapters } from "../lora/lora-adapters.ts";
import { type CaptionerConfig, captionerConfigSchema, patchCount, patchDim } from "./captioner-config.ts";
import { attention } from "./ops/attention.ts";
import { maskedCrossEntropy } from "./ops/cross-entropy.ts";
import { gelu } from "./ops/gelu.ts";
import { add, addToEach, reshape } from "./ops/graph-ops.ts";
import { causalMaskValues, mergeHeads, splitHeads, splitHeadsTransposed } from "./ops/heads.ts";
import { layerNorm } from "./ops/layer-norm.ts";
import { batchMatMul, dense, linear, transpose2d } from "./ops/matmul.ts";
import { parameterSpecs, projectionSpecs, type ProjectionSpec } from "./parameter-specs.ts";
import { ParameterStore } from "./parameter-store.ts";

/** A batch for teacher-forced training: inputs start with <bos>, targets end with <eos>. */
export interface TokenBatch {
  /** [B, P, patchDim] flattened patches. */
  readonly patches: tf.Tensor3D;
  /** int32 [B, T]. */
  readonly inputs: tf.Tensor2D;
  /** int32 [B·T]. */
  readonly targets: tf.Tensor1D;
  /** float32 [B·T]: 1 for a real target token, 0 for padding. */
  readonly mask: tf.Tensor1D;
}

/** Per decoder layer: the image tokens' keys (transposed per head) and values. */
export type CrossMemory = readonly { readonly keysT: tf.Tensor3D; readonly values: tf.Tensor3D }[];

/** Per decoder layer: keys (transposed per head, [R·H, dh, t]) and values ([R·H, t, dh]) of the tokens so far. */
export type SelfCache = readonly { readonly keysT: tf.Tensor3D; readonly values: tf.Tensor3D }[];

/** Dropout seeds for one forward pass; absent at inference. */
export interface DropoutSeeds {
  next(): number;
}

/** Counter-based dropout seeds, distinct per step and per adapter call. */
export function dropoutSeeds(step: number, salt = 0): DropoutSeeds {
  let i = 0;
  return { next: () => (salt * 1_000_003 + step * 997 + i++) % 2_147_483_647 };
}

/** A captioner with its weights and optional LoRA adapters. */
export class CaptionerModel {
  readonly config: CaptionerConfig;
  readonly params: ParameterStore;
  readonly projections: readonly ProjectionSpec[];
  #lora: LoraAdapters | null = null;
  readonly #causalMasks = new Map<number, tf.Tensor2D>();

  constructor(config: CaptionerConfig, params: ParameterStore) {
    this.config = captionerConfigSchema.parse(config);
    this.params = params;
    this.projections = projectionSpecs(this.config);
  }

  /** A freshly initialised model. */
  static create(config: CaptionerConfig, seed: number): CaptionerModel {
    const valid = captionerConfigSchema.parse(config);
    return new CaptionerModel(valid, ParameterStore.create(parameterSpecs(valid), seed));
  }

  /** The attached adapters, if any. */
  get lora(): LoraAdapters | null {
    return this.#lora;
  }

  /** Attaches adapters (replacing and freeing any previous ones); null detaches. */
  setLora(adapters: LoraAdapters | null): void {
    if (this.#lora && this.#lora !== adapters) this.#lora.dispose();
    this.#lora = adapters;
  }

  /** Number of base parameters (adapters not counted). */
  parameterCount(): number {
    return this.params.size();
  }

  #w(name: string): tf.Tensor {
    return this.params.get(name);
  }

  #dense(name: string, x: tf.Tensor2D, seeds?: DropoutSeeds, inputGradient = true): tf.Tensor2D {
    const y = dense(x, this.#w(`${name}.kernel`) as tf.Tensor2D, this.#w(`${name}.bias`) as tf.Tensor1D, { inputGradient });
    const delta = this.#lora?.delta(name, x, seeds?.next());
    return delta ? add(y, delta) : y;
  }

  #norm(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return layerNorm(x, this.#w(`${name}.gamma`) as tf.Tensor1D, this.#w(`${name}.beta`) as tf.Tensor1D);
  }

  #causalMask(t: number): tf.Tensor2D {
    let m = this.#causalMasks.get(t);
    if (!m) {
      m = tf.keep(tf.tensor2d(causalMaskValues(t), [t, t]));
      this.#causalMasks.set(t, m);
    }
    return m;
  }

  #attend(prefix: string, q2d: tf.Tensor2D, keysT: tf.Tensor3D, values: tf.Tensor3D, batch: number, tokens: number, heads: number, causal: boolean, seeds?: DropoutSeeds): tf.Tensor2D {
    const dh = q2d.shape[1] / heads;
    const q = splitHeads(q2d, batch, tokens, heads);
    const out = attention(q, keysT, values, 1 / Math.sqrt(dh), causal ? this.#causalMask(tokens) : null);
    return this.#dense(`${prefix}.o`, mergeHeads(out, batch, heads), seeds);
  }

  #selfAttention(prefix: string, x: tf.Tensor2D, batch: number, tokens: number, heads: number, causal: boolean, seeds?: DropoutSeeds): tf.Tensor2D {
    const q = this.#dense(`${prefix}.q`, x, seeds);
    const k = this.#dense(`${prefix}.k`, x, seeds);
    const v = this.#dense(`${prefix}.v`, x, seeds);
    const keysT = splitHeadsTransposed(k, batch, tokens, heads);
    const values = splitHeads(v, batch, tokens, heads);
    return this.#attend(prefix, q, keysT, values, batch, tokens, heads, causal, seeds);
  }

  #mlp(prefix: string, x: tf.Tensor2D, seeds?: DropoutSeeds): tf.Tensor2D {
    return this.#dense(`${prefix}.proj`, gelu(this.#dense(`${prefix}.fc`, x, seeds)), seeds);
  }

  /** Image patches [B, P, patchDim] → image tokens [B, P, dEnc]. */
  encode(patches: tf.Tensor3D, seeds?: DropoutSeeds): tf.Tensor3D {
    const e = this.config.encoder;
    const [batch, p, pd] = patches.shape;
    if (p !== patchCount(e) || pd !== patchDim(e)) throw new Error(`patches must be [B, ${patchCount(e)}, ${patchDim(e)}], got [${patches.shape.join(", ")}]`);
    return tf.tidy(() => {
      const embedded = this.#dense("encoder.patch", reshape(patches, [batch * p, pd]), seeds, false);
      let x = addToEach(embedded, this.#w("encoder.pos"));
      for (let l = 0; l < e.layers; l++) {
        const b = `encoder.blocks.${l}`;
        x = add(x, this.#selfAttention(`${b}.attn`, this.#norm(`${b}.ln1`, x), batch, p, e.heads, false, seeds));
        x = add(x, this.#mlp(`${b}.mlp`, this.#norm(`${b}.ln2`, x), seeds));
      }
      return reshape<tf.Tensor3D>(this.#norm("encoder.ln_f", x), [batch, p, e.dModel]);
    });
  }

  /** The cross-attention keys and values of every decoder layer, computed once per image batch. */
  crossMemory(imageTokens: tf.Tensor3D, seeds?: DropoutSeeds): CrossMemory {
    const [batch, p, dEnc] = imageTokens.shape;
    const heads = this.config.decoder.heads;
    return tf.tidy(() => {
      const flat = reshape<tf.Tensor2D>(imageTokens, [batch * p, dEnc]);
      const out: { keysT: tf.Tensor3D; values: tf.Tensor3D }[] = [];
      for (let l = 0; l < this.config.decoder.layers; l++) {
        const prefix = `decoder.blocks.${l}.cross`;
        out.push({
          keysT: splitHeadsTransposed(this.#dense(`${prefix}.k`, flat, seeds), batch, p, heads),
          values: splitHeads(this.#dense(`${prefix}.v`, flat, seeds), batch, p, heads),
        });
      }
      return out;
    });
  }

  /** Token ids [B, T] (int32) → final hidden states [B·T, dDec]. */
  decodeHidden(tokens: tf.Tensor2D, cross: CrossMemory, seeds?: DropoutSeeds): tf.Tensor2D {
    const d = this.config.decoder;
    const [batch, t] = tokens.shape;
    if (t > d.maxTokens) throw new Error(`at most ${d.maxTokens} tokens, got ${t}`);
    return tf.tidy(() => {
      // One-hot × matrix instead of gather: tfjs-backend-wasm has no gradient for gather.
      const onehot = tf.cast(tf.oneHot(tf.reshape(tokens, [-1]) as tf.Tensor1D, d.vocabSize), "float32") as tf.Tensor2D;
      const embedded = linear(onehot, this.#w("decoder.tokens") as tf.Tensor2D);
      const pos = t === d.maxTokens ? this.#w("decoder.pos") : tf.slice(this.#w("decoder.pos"), [0, 0], [t, d.dModel]);
      let x = addToEach(embedded, pos);
      for (let l = 0; l < d.layers; l++) {
        const b = `decoder.blocks.${l}`;
        x = add(x, this.#selfAttention(`${b}.self`, this.#norm(`${b}.ln1`, x), batch, t, d.heads, true, seeds));
        const q = this.#dense(`${b}.cross.q`, this.#norm(`${b}.ln2`, x), seeds);
        x = add(x, this.#attend(`${b}.cross`, q, cross[l].keysT, cross[l].values, batch, t, d.heads, false, seeds));
        x = add(x, this.#mlp(`${b}.mlp`, this.#norm(`${b}.ln3`, x), seeds));
      }
      return this.#norm("decoder.ln_f", x);
    });
  }

  /**
   * One incremental decoder step for inference: the hidden state [R, dDec] of the token at
   * `position` (ids [R], int32), attending to the cached keys/values of earlier positions,
   * which it extends. Equal to the last row of {@link decodeHidden} over the whole prefix,
   * at a fraction of the work (the prefix is not recomputed).
   */
  decodeStep(tokens: tf.Tensor1D, position: number, cache: SelfCache | null, cross: CrossMemory): { hidden: tf.Tensor2D; cache: SelfCache } {
    const d = this.config.decoder;
    if (position >= d.maxTokens) throw new Error(`position ${position} is beyond maxTokens ${d.maxTokens}`);
    const rows = tokens.shape[0];
    const dh = d.dModel / d.heads;
    const heads = (x: tf.Tensor2D, shape: [number, number, number]) => tf.reshape(x, [rows * d.heads, shape[1], shape[2]]) as tf.Tensor3D;
    return tf.tidy(() => {
      const onehot = tf.cast(tf.oneHot(tokens, d.vocabSize), "float32") as tf.Tensor2D;
      let x = tf.add(linear(onehot, this.#w("decoder.tokens") as tf.Tensor2D), tf.slice(this.#w("decoder.pos"), [position, 0], [1, d.dModel])) as tf.Tensor2D;
      const next: { keysT: tf.Tensor3D; values: tf.Tensor3D }[] = [];
      for (let l = 0; l < d.layers; l++) {
        const b = `decoder.blocks.${l}`;
        const h = this.#norm(`${b}.ln1`, x);
        const q = heads(tf.mul(this.#dense(`${b}.self.q`, h), 1 / Math.sqrt(dh)) as tf.Tensor2D, [0, 1, dh]);
        const kNew = heads(this.#dense(`${b}.self.k`, h), [0, dh, 1]);
        const vNew = heads(this.#dense(`${b}.self.v`, h), [0, 1, dh]);
        const keysT = cache ? (tf.concat([cache[l].keysT, kNew], 2) as tf.Tensor3D) : kNew;
        const values = cache ? (tf.concat([cache[l].values, vNew], 1) as tf.Tensor3D) : vNew;
        next.push({ keysT, values });
        const selfOut = batchMatMul(tf.softmax(batchMatMul(q, keysT)), values);
        x = tf.add(x, this.#dense(`${b}.self.o`, tf.reshape(selfOut, [rows, d.dModel]) as tf.Tensor2D));
        const cq = heads(tf.mul(this.#dense(`${b}.cross.q`, this.#norm(`${b}.ln2`, x)), 1 / Math.sqrt(dh)) as tf.Tensor2D, [0, 1, dh]);
        const crossOut = batchMatMul(tf.softmax(batchMatMul(cq, cross[l].keysT)), cross[l].values);
        x = tf.add(x, this.#dense(`${b}.cross.o`, tf.reshape(crossOut, [rows, d.dModel]) as tf.Tensor2D));
        x = tf.add(x, this.#mlp(`${b}.mlp`, this.#norm(`${b}.ln3`, x)));
      }
      return { hidden: this.#norm("decoder.ln_f", x), cache: next };
    });
  }

  /** Hidden states [rows, dDec] → vocabulary logits through the tied token embedding. */
  logits(hidden: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => linear(hidden, transpose2d(this.#w("decoder.tokens") as tf.Tensor2D)));
  }

  /** Teacher-forced mean cross-entropy of a batch. */
  loss(batch: TokenBatch, seeds?: DropoutSeeds): tf.Scalar {
    return tf.tidy(() => {
      const memory = this.encode(batch.patches, seeds);
      const cross = this.crossMemory(memory, seeds);
      const hidden = this.decodeHidden(batch.inputs, cross, seeds);
      return maskedCrossEntropy(this.logits(hidden), batch.targets, batch.mask);
    });
  }

  /** An independent copy of the base weights (adapters are not copied). */
  clone(): CaptionerModel {
    const store = new ParameterStore();
    for (const name of this.params.names()) store.add(name, this.params.tower(name), tf.clone(this.params.get(name)));
    return new CaptionerModel(this.config, store);
  }

  /**
   * A new model whose kernels have the adapters folded in (W + alpha/r·A·B), for fast
   * inference; this model is unchanged.
   */
  merged(): CaptionerModel {
    const store = new ParameterStore();
    for (const name of this.params.names()) {
      const w = this.params.get(name);
      const projection = name.endsWith(".kernel") ? name.slice(0, -".kernel".length) : null;
      const merged = projection ? this.#lora?.mergedKernel(projection, w as tf.Tensor2D) : null;
      store.add(name, this.params.tower(name), merged ?? tf.clone(w));
    }
    return new CaptionerModel(this.config, store);
  }

  /** Frees weights, adapters and cached masks. */
  dispose(): void {
    this.params.dispose();
    this.#lora?.dispose();
    this.#lora = null;
    for (const m of this.#causalMasks.values()) m.dispose();
    this.#causalMasks.clear();
  }
}
