/**
 * Caption generation: greedy decoding and beam search, both incremental — the image's
 * cross-attention keys/values are computed once per batch and each step runs the decoder
 * on the newest token only, attending to cached keys/values of the earlier ones.
 */
import * as tf from "@tensorflow/tfjs";
import { BOS, EOS, PAD } from "../text/word-tokenizer.ts";
import type { CaptionerModel, CrossMemory, SelfCache } from "./captioner-model.ts";

/** Decoding settings. */
export interface DecodeOptions {
  /** Longest output including <bos> (default: the model's maxTokens). */
  readonly maxTokens?: number;
  /** Stop a caption at <eos> (default true); false always runs maxTokens − 1 steps (benchmarks). */
  readonly stopAtEos?: boolean;
}

/** Beam-search settings. */
export interface BeamOptions extends DecodeOptions {
  readonly beamWidth: number;
  /** Scores are divided by length^lengthPenalty (default 1: average log-probability). */
  readonly lengthPenalty?: number;
}

function disposeLayers(layers: CrossMemory | SelfCache | null): void {
  for (const layer of layers ?? []) tf.dispose([layer.keysT, layer.values]);
}

function withCross<T>(model: CaptionerModel, patches: tf.Tensor3D, f: (cross: CrossMemory) => T): T {
  const memory = model.encode(patches);
  const cross = model.crossMemory(memory);
  memory.dispose();
  try {
    return f(cross);
  } finally {
    disposeLayers(cross);
  }
}

/** Runs the decoder one token further for every row; returns log-probabilities [rows × vocab]. */
class IncrementalDecoder {
  #cache: SelfCache | null = null;
  #position = 0;
  readonly #model: CaptionerModel;
  readonly #cross: CrossMemory;

  constructor(model: CaptionerModel, cross: CrossMemory) {
    this.#model = model;
    this.#cross = cross;
  }

  step(tokens: readonly number[]): Float32Array {
    const ids = tf.tensor1d(Int32Array.from(tokens), "int32");
    try {
      const { hidden, cache } = this.#model.decodeStep(ids, this.#position, this.#cache, this.#cross);
      disposeLayers(this.#cache);
      this.#cache = cache;
      this.#position++;
      const logp = tf.tidy(() => tf.logSoftmax(this.#model.logits(hidden)).dataSync() as Float32Array);
      hidden.dispose();
      return logp;
    } finally {
      ids.dispose();
    }
  }

  /** Re-orders cached rows (beam search): row r takes the cache of row `parents[r]`. */
  reorder(parents: readonly number[], heads: number): void {
    if (!this.#cache) return;
    const idx = tf.tensor1d(Int32Array.from(parents), "int32");
    const old = this.#cache;
    this.#cache = old.map(({ keysT, values }) =>
      tf.tidy(() => {
        const pick = (x: tf.Tensor3D) => {
          const [g, a, b] = x.shape;
          return tf.reshape(tf.gather(tf.reshape(x, [g / heads, heads * a * b]), idx), [parents.length * heads, a, b]) as tf.Tensor3D;
        };
        return { keysT: pick(keysT), values: pick(values) };
      }),
    );
    disposeLayers(old);
    idx.dispose();
  }

  dispose(): void {
    disposeLayers(this.#cache);
    this.#cache = null;
  }
}

function limitOf(model: CaptionerModel, options: DecodeOptions): number {
  return Math.min(options.maxTokens ?? model.config.decoder.maxTokens, model.config.decoder.maxTokens);
}

/**
 * Greedy decoding: the most likely next word until <eos>. Returns word ids per image
 * (without <bos> and <eos>).
 */
export function greedyDecode(model: CaptionerModel, patches: tf.Tensor3D, options: DecodeOptions = {}): number[][] {
  const maxTokens = limitOf(model, options);
  const vocab = model.config.decoder.vocabSize;
  const batch = patches.shape[0];
  const stopAtEos = options.stopAtEos ?? true;
  return withCross(model, patches, (cross) => {
    const decoder = new IncrementalDecoder(model, cross);
    try {
      const seqs: number[][] = Array.from({ length: batch }, () => []);
      const done = new Array<boolean>(batch).fill(false);
      let last = new Array<number>(batch).fill(BOS);
      for (let t = 1; t < maxTokens && done.some((d) => !d); t++) {
        const logp = decoder.step(last);
        last = last.map((_, i) => {
          if (done[i]) return PAD;
          // <pad> and <bos> are never generated.
          let best = EOS;
          for (let v = EOS + 1; v < vocab; v++) if (logp[i * vocab + v] > logp[i * vocab + best]) best = v;
          seqs[i].push(best);
          if (best === EOS && stopAtEos) done[i] = true;
          return best;
        });
      }
      return seqs.map(beforeEos);
    } finally {
      decoder.dispose();
    }
  });
}

function beforeEos(ids: readonly number[]): number[] {
  const end = ids.indexOf(EOS);
  return end < 0 ? [...ids] : ids.slice(0, end);
}

interface Beam {
  readonly tokens: readonly number[];
  readonly logp: number;
  readonly done: boolean;
  readonly parent: number;
}

function beamScore(b: Beam, penalty: number): number {
  // Length counts generated tokens, including <eos> once finished.
  return b.logp / Math.max(1, b.tokens.length) ** penalty;
}

/**
 * Beam search: keeps the `beamWidth` best prefixes per image, ranked by length-normalised
 * log-probability; a beam ends at <eos>. With width 1 it equals greedy decoding.
 */
export function beamSearchDecode(model: CaptionerModel, patches: tf.Tensor3D, options: BeamOptions): number[][] {
  const width = options.beamWidth;
  if (!Number.isInteger(width) || width < 1) throw new Error(`beamWidth must be a positive integer, got ${width}`);
  const maxTokens = limitOf(model, options);
  const penalty = options.lengthPenalty ?? 1;
  const vocab = model.config.decoder.vocabSize;
  const heads = model.config.decoder.heads;
  const batch = patches.shape[0];
  // Each image gets `width` rows; row 0 starts live, the others join after the first step.
  const rowsImage = Array.from({ length: batch * width }, (_, r) => Math.floor(r / width));
  return withCross(model, patches, (imageCross) => {
    // Repeat each image's keys/values for its rows, once.
    const idx = tf.tensor1d(Int32Array.from(rowsImage), "int32");
    const cross: CrossMemory = imageCross.map(({ keysT, values }) =>
      tf.tidy(() => {
        const pick = (x: tf.Tensor3D) => {
          const [g, a, b] = x.shape;
          return tf.reshape(tf.gather(tf.reshape(x, [g / heads, heads * a * b]), idx), [batch * width * heads, a, b]) as tf.Tensor3D;
        };
        return { keysT: pick(keysT), values: pick(values) };
      }),
    );
    idx.dispose();
    const decoder = new IncrementalDecoder(model, cross);
    try {
      let beams: Beam[] = rowsImage.map((_, r) => ({ tokens: [], logp: r % width === 0 ? 0 : -Infinity, done: false, parent: r }));
      for (let t = 1; t < maxTokens && beams.some((b) => !b.done && b.logp > -Infinity); t++) {
        const logp = decoder.step(beams.map((b) => (b.done ? PAD : (b.tokens[b.tokens.length - 1] ?? BOS))));
        const next: Beam[] = [];
        for (let image = 0; image < batch; image++) {
          const candidates: Beam[] = [];
          for (let r = image * width; r < (image + 1) * width; r++) {
            const b = beams[r];
            if (b.logp === -Infinity) continue;
            if (b.done) {
              candidates.push({ ...b, parent: r });
              continue;
            }
            // Only a beam's `width` best words can survive, so look at no more; ties keep the lower id.
            const top: number[] = [];
            for (let v = EOS; v < vocab; v++) {
              const s = logp[r * vocab + v];
              let k = top.length;
              while (k > 0 && s > logp[r * vocab + top[k - 1]]) k--;
              if (k < width) {
                top.splice(k, 0, v);
                if (top.length > width) top.pop();
              }
            }
            for (const v of top) candidates.push({ tokens: [...b.tokens, v], logp: b.logp + logp[r * vocab + v], done: v === EOS, parent: r });
          }
          candidates.sort((a, b) => beamScore(b, penalty) - beamScore(a, penalty));
          for (let k = 0; k < width; k++) next.push(candidates[k] ?? { tokens: [], logp: -Infinity, done: true, parent: image * width });
        }
        decoder.reorder(next.map((b) => b.parent), heads);
        beams = next;
      }
      const results: number[][] = [];
      for (let image = 0; image < batch; image++) {
        const mine = beams.slice(image * width, (image + 1) * width).filter((b) => b.logp > -Infinity);
        mine.sort((a, b) => beamScore(b, penalty) - beamScore(a, penalty));
        results.push(beforeEos(mine[0]?.tokens ?? []));
      }
      return results;
    } finally {
      decoder.dispose();
      disposeLayers(cross);
    }
  });
}
