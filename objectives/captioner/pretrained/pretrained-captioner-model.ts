/**
 * A loaded ViT + GPT-2 captioner: the checkpoint's weights (a frozen base that is never
 * written to), plus what a fine-tuning run trains — LoRA adapters on the trained towers'
 * attention projections, or copies of the trained towers' weights (loraR 0), and
 * optionally a copy of the tied word table. Frozen towers read the base itself, so a run
 * costs memory only for what it trains, and ending the run restores the pretrained model.
 */
import * as tf from "@tensorflow/tfjs";
import type { LoraConfig } from "../lora/lora-config.ts";
import { LoraAdapters } from "../lora/lora-adapters.ts";
import type { DropoutSeeds } from "../model/captioner-model.ts";
import { maskedCrossEntropy } from "../model/ops/cross-entropy.ts";
import { reshape } from "../model/ops/graph-ops.ts";
import { causalMaskValues } from "../model/ops/heads.ts";
import { linear, transpose2d } from "../model/ops/matmul.ts";
import type { ParameterStore } from "../model/parameter-store.ts";
import { type FreezeMode, trainedTowers } from "../training/freeze-mode.ts";
import { type Gpt2CrossMemory, type Gpt2SelfCache, gpt2CrossMemory, gpt2Hidden, gpt2Step } from "./gpt2-decoder.ts";
import { type PretrainedCaptionerConfig, vitPatchCount } from "./hf-config.ts";
import { type LoraModule, loraModules, type WeightSpec } from "./hf-weight-layout.ts";
import { vitEncode, vitPool } from "./vit-encoder.ts";
import { linearModule, type WeightSource } from "./weight-source.ts";

/** A teacher-forcing batch: images as patches, or their cached encoder states. */
export interface PretrainedBatch {
  /** [B, P, C·p·p] patch vectors (when the encoder runs). */
  readonly patches?: tf.Tensor3D;
  /** [B, P+1, encoder hidden] encoder outputs (when the encoder is frozen and cached). */
  readonly encoderStates?: tf.Tensor3D;
  /** int32 [B, T]: the start token, then the caption. */
  readonly inputs: tf.Tensor2D;
  /** int32 [B·T]: the caption, then the end token. */
  readonly targets: tf.Tensor1D;
  /** float32 [B·T]: 1 where a target counts. */
  readonly mask: tf.Tensor1D;
}

/** Options of {@link PretrainedCaptionerModel.prepareRun}. */
export interface RunOptions {
  readonly freeze: FreezeMode;
  readonly lora: LoraConfig;
  readonly seed: number;
  /** Also train the tied word table (with LoRA; full fine-tuning of the decoder trains it anyway). */
  readonly trainWordEmbeddings?: boolean;
}

/** Per-layer keys and values, mutable as tf.tidy's return type wants. */
type KeyValues = { keysT: tf.Tensor3D; values: tf.Tensor3D }[];

const WORD_TABLE = "decoder.transformer.wte.weight";

/** The captioner with its base weights and the current run's trained parts. */
export class PretrainedCaptionerModel implements WeightSource {
  readonly config: PretrainedCaptionerConfig;
  readonly base: ParameterStore;
  readonly specs: ReadonlyMap<string, WeightSpec>;
  readonly hasPooler: boolean;
  /** sha256 of the checkpoint's weight files (cache keys). */
  readonly checkpointHash: string;
  readonly loraModules: readonly LoraModule[];
  #trained = new Map<string, tf.Variable>();
  #lora: LoraAdapters | null = null;
  readonly #masks = new Map<number, tf.Tensor2D>();
  #lmHeadKernel: tf.Tensor2D | null = null;

  constructor(config: PretrainedCaptionerConfig, base: ParameterStore, specs: readonly WeightSpec[], checkpointHash: string) {
    this.config = config;
    this.base = base;
    this.specs = new Map(specs.map((s) => [s.name, s]));
    this.hasPooler = base.has("encoder.pooler.dense.weight");
    this.checkpointHash = checkpointHash;
    this.loraModules = loraModules(config);
  }

  /** Number of base parameters. */
  parameterCount(): number {
    return this.base.size();
  }

  weight(name: string): tf.Tensor {
    return this.#trained.get(name) ?? this.base.get(name);
  }

  has(name: string): boolean {
    return this.base.has(name);
  }

  loraDelta(module: string, x: tf.Tensor2D, seeds?: DropoutSeeds): tf.Tensor2D | null {
    return this.#lora?.delta(module, x, seeds?.next()) ?? null;
  }

  /** The attached adapters, if any. */
  get lora(): LoraAdapters | null {
    return this.#lora;
  }

  /** Names of the weights the current run trains (copies of base weights). */
  trainedWeights(): ReadonlyMap<string, tf.Variable> {
    return this.#trained;
  }

  #causalMask(t: number): tf.Tensor2D {
    let m = this.#masks.get(t);
    if (!m) this.#masks.set(t, (m = tf.keep(tf.tensor2d(causalMaskValues(t), [t, t]))));
    return m;
  }

  /** The LM head as an [hidden, vocab] kernel; cached while the table is not trained. */
  #lmHead(): tf.Tensor2D {
    const name = this.config.decoder.tieWordEmbeddings ? WORD_TABLE : "decoder.lm_head.weight";
    const table = this.weight(name) as tf.Tensor2D;
    if (this.#trained.has(name)) return transpose2d(table);
    this.#lmHeadKernel ??= tf.keep(tf.tidy(() => transpose2d(table)));
    return this.#lmHeadKernel;
  }

  /** Patches [B, P, C·p·p] → encoder last hidden states [B, P+1, encoder hidden]. */
  encode(patches: tf.Tensor3D, seeds?: DropoutSeeds): tf.Tensor3D {
    const batch = patches.shape[0];
    return tf.tidy(() => reshape<tf.Tensor3D>(vitEncode(this, this.config.encoder, patches, seeds), [batch, vitPatchCount(this.config.encoder) + 1, this.config.encoder.hiddenSize]));
  }

  /** The pooler output [B, hidden] (checkpoints with a ViT pooler), from encoder states. */
  pool(states: tf.Tensor3D): tf.Tensor2D {
    if (!this.hasPooler) throw new Error("this checkpoint has no ViT pooler");
    const [batch, s, h] = states.shape;
    return tf.tidy(() => vitPool(this, tf.reshape(states, [batch * s, h]) as tf.Tensor2D, batch));
  }

  /** Whether the current run leaves every encoder weight as it is (its outputs are then data). */
  encoderFrozen(): boolean {
    for (const name of this.#trained.keys()) if (name.startsWith("encoder.")) return false;
    return !(this.#lora?.projections().some((p) => p.startsWith("encoder.")) ?? false);
  }

  /**
   * Encoder states [B, S, He] → the decoder's cross-attention memory (through
   * enc_to_dec_proj when widths differ). `statesAreData`: no gradient flows back into them.
   */
  crossMemory(states: tf.Tensor3D, seeds?: DropoutSeeds, statesAreData = false): Gpt2CrossMemory {
    const [batch, s, h] = states.shape;
    return tf.tidy(() => {
      let flat = reshape<tf.Tensor2D>(states, [batch * s, h]);
      let data = statesAreData;
      if (this.config.encoderToDecoderProjection) {
        flat = linearModule(this, "enc_to_dec_proj", flat, seeds, !data);
        data = false;
      }
      return gpt2CrossMemory(this, this.config.decoder, flat, batch, seeds, data) as KeyValues;
    });
  }

  /** Vocabulary logits [B·T, vocab] of token ids [B, T] given the cross memory. */
  logits(ids: tf.Tensor2D, cross: Gpt2CrossMemory, seeds?: DropoutSeeds): tf.Tensor2D {
    return tf.tidy(() => linear(gpt2Hidden(this, this.config.decoder, ids, cross, this.#causalMask(ids.shape[1]), seeds), this.#lmHead()));
  }

  /** One cached generation step: log-probabilities [R, vocab] and the extended cache. */
  step(ids: tf.Tensor1D, position: number, cache: Gpt2SelfCache | null, cross: Gpt2CrossMemory): { logProbs: tf.Tensor2D; cache: Gpt2SelfCache } {
    return tf.tidy(() => {
      const { hidden, cache: next } = gpt2Step(this, this.config.decoder, ids, position, cache, cross);
      return { logProbs: tf.logSoftmax(linear(hidden, this.#lmHead())) as tf.Tensor2D, cache: next as KeyValues };
    });
  }

  /** Teacher-forced mean cross-entropy of a batch. */
  loss(batch: PretrainedBatch, seeds?: DropoutSeeds): tf.Scalar {
    return tf.tidy(() => {
      const states = batch.encoderStates ?? (batch.patches ? this.encode(batch.patches, seeds) : null);
      if (!states) throw new Error("a batch needs patches or encoder states");
      const cross = this.crossMemory(states, seeds, batch.encoderStates !== undefined || this.encoderFrozen());
      return maskedCrossEntropy(this.logits(batch.inputs, cross, seeds), batch.targets, batch.mask);
    });
  }

  /**
   * Starts a fine-tuning run: adapters on the trained towers' projections whose kind is a
   * LoRA target (r ≥ 1; peft's initialisation), or trainable copies of the trained towers'
   * weights (r = 0); the word table too when asked (and the decoder trains). Returns the
   * variables to optimise by name (adapters as `<module>.lora_A` / `.lora_B`).
   */
  prepareRun(options: RunOptions): Map<string, tf.Variable> {
    this.endRun();
    const towers = trainedTowers(options.freeze);
    const out = new Map<string, tf.Variable>();
    const copy = (name: string) => {
      const v = tf.variable(tf.clone(this.base.get(name)), true, `${name}#run${runCounter++}`);
      this.#trained.set(name, v);
      out.set(name, v);
    };
    if (options.lora.r >= 1) {
      const chosen = this.loraModules
        .filter((m) => towers.includes(m.tower) && m.kinds.some((k) => options.lora.targets.includes(k)))
        .map((m) => ({ name: m.module, tower: m.tower, inDim: m.inDim, outDim: m.outDim }));
      this.#lora = LoraAdapters.forModules(options.lora, chosen, options.seed, "kaiming-uniform");
      for (const a of this.#lora.entries()) {
        out.set(`${a.name}.lora_A`, a.a);
        out.set(`${a.name}.lora_B`, a.b);
      }
      if (options.trainWordEmbeddings && towers.includes("decoder")) copy(WORD_TABLE);
    } else {
      // ViT's pooler feeds nothing the decoder reads (VisionEncoderDecoderModel uses the last hidden states).
      for (const name of this.base.names()) if (towers.includes(this.base.tower(name)) && !name.startsWith("encoder.pooler.")) copy(name);
    }
    return out;
  }

  /** Ends the run: frees adapters and trained copies; the model is the pretrained one again. */
  endRun(): void {
    this.#lora?.dispose();
    this.#lora = null;
    for (const v of this.#trained.values()) v.dispose();
    this.#trained.clear();
  }

  /** Frees everything. */
  dispose(): void {
    this.endRun();
    this.base.dispose();
    for (const m of this.#masks.values()) m.dispose();
    this.#masks.clear();
    this.#lmHeadKernel?.dispose();
    this.#lmHeadKernel = null;
  }
}

let runCounter = 0;
