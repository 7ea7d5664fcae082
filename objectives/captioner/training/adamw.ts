/**
 * AdamW (Loshchilov & Hutter): Adam moments with weight decay applied to the weights
 * directly rather than through the gradient. Only the variables given at construction are
 * ever written, which is what keeps frozen weights bit-identical.
 */
import * as tf from "@tensorflow/tfjs";
import { type AdamWAttrs, HPO_ADAMW, wasmKernelsActive, wasmSumOfSquares } from "../backend/wasm-kernels/install-wasm-kernels.ts";
import { clipByGlobalNorm } from "./clip-gradients.ts";

/** AdamW hyperparameters (the learning rate is passed per step, for schedules). */
export interface AdamWOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Decoupled decay per step, scaled by the learning rate (default 0.01). */
  readonly weightDecay?: number;
  /** Which variables decay (default: matrices only, not biases or norm scales). */
  readonly decays?: (v: tf.Variable) => boolean;
}

/** An AdamW optimiser over a fixed list of variables. */
export class AdamW {
  readonly #vars: readonly tf.Variable[];
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];
  readonly #decay: boolean[];
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;
  readonly #weightDecay: number;
  #step = 0;

  constructor(variables: readonly tf.Variable[], options: AdamWOptions = {}) {
    this.#vars = variables;
    this.#beta1 = options.beta1 ?? 0.9;
    this.#beta2 = options.beta2 ?? 0.999;
    this.#epsilon = options.epsilon ?? 1e-8;
    this.#weightDecay = options.weightDecay ?? 0.01;
    const decays = options.decays ?? ((v: tf.Variable) => v.rank >= 2);
    this.#m = variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.#v = variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.#decay = variables.map((v) => decays(v));
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.#step;
  }

  /** Applies one update; `grads[i]` belongs to the i-th variable. */
  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    if (grads.length !== this.#vars.length) throw new Error(`expected ${this.#vars.length} gradients, got ${grads.length}`);
    this.#step++;
    const b1 = this.#beta1;
    const b2 = this.#beta2;
    // Bias corrections folded into the step size, as in the Adam paper (section 2).
    const stepSize = (learningRate * Math.sqrt(1 - b2 ** this.#step)) / (1 - b1 ** this.#step);
    const epsHat = this.#epsilon * Math.sqrt(1 - b2 ** this.#step);
    tf.tidy(() => {
      for (let i = 0; i < this.#vars.length; i++) {
        const g = grads[i];
        const m = tf.add(tf.mul(this.#m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.#v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.#m[i].assign(m);
        this.#v[i].assign(v);
        let w: tf.Tensor = this.#vars[i];
        if (this.#decay[i] && this.#weightDecay > 0) w = tf.mul(w, 1 - learningRate * this.#weightDecay);
        this.#vars[i].assign(tf.sub(w, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsHat)), stepSize)));
      }
    });
  }

  /**
   * Clips `grads` to a global L2 norm of `maxNorm` (0 or Infinity: no clipping), then
   * applies one update; returns the norm before clipping. On wasm this is one fused
   * kernel per tensor instead of about fifteen tfjs ops.
   */
  applyClipped(grads: readonly tf.Tensor[], learningRate: number, maxNorm: number): number {
    const clips = maxNorm > 0 && Number.isFinite(maxNorm);
    if (!wasmKernelsActive()) {
      const { clipped, norm } = clipByGlobalNorm(grads, clips ? maxNorm : Infinity);
      const value = norm.dataSync()[0];
      this.apply(clipped, learningRate);
      tf.dispose([...clipped, norm]);
      return value;
    }
    if (grads.length !== this.#vars.length) throw new Error(`expected ${this.#vars.length} gradients, got ${grads.length}`);
    let squares = 0;
    for (const g of grads) squares += wasmSumOfSquares(g);
    const norm = Math.sqrt(squares);
    // As torch.nn.utils.clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when above.
    const gradScale = clips && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
    this.#step++;
    const b1 = this.#beta1;
    const b2 = this.#beta2;
    const stepSize = (learningRate * Math.sqrt(1 - b2 ** this.#step)) / (1 - b1 ** this.#step);
    const epsHat = this.#epsilon * Math.sqrt(1 - b2 ** this.#step);
    for (let i = 0; i < this.#vars.length; i++) {
      const attrs: AdamWAttrs = { gradScale, beta1: b1, beta2: b2, stepSize, epsHat, decay: this.#decay[i] ? 1 - learningRate * this.#weightDecay : 1 };
      const [w, m, v] = tf.engine().runKernel(HPO_ADAMW, { w: this.#vars[i], g: grads[i], m: this.#m[i], v: this.#v[i] }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      this.#vars[i].assign(w);
      this.#m[i].assign(m);
      this.#v[i].assign(v);
      tf.dispose([w, m, v]);
    }
    return norm;
  }

  /** The moment estimates, for checkpoints. */
  state(): { step: number; m: tf.Variable[]; v: tf.Variable[] } {
    return { step: this.#step, m: this.#m, v: this.#v };
  }

  /** Restores moments saved by {@link state}. */
  restore(step: number, m: readonly Float32Array[], v: readonly Float32Array[]): void {
    if (m.length !== this.#m.length || v.length !== this.#v.length) throw new Error("optimizer state does not match the trainable variables");
    this.#step = step;
    tf.tidy(() => {
      m.forEach((values, i) => this.#m[i].assign(tf.tensor(values, this.#m[i].shape)));
      v.forEach((values, i) => this.#v[i].assign(tf.tensor(values, this.#v[i].shape)));
    });
  }

  /** Frees the moment variables. */
  dispose(): void {
    for (const x of [...this.#m, ...this.#v]) x.dispose();
  }
}
