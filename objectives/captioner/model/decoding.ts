/**
 * Caption generation: greedy decoding and beam search. Image keys/values for
 * cross-attention are computed once per batch; each step re-runs the decoder over the
 * prefix (at most maxTokens positions, so a key/value cache would save little here).
 * Prefixes are padded to a multiple of 4 so attention stays on the SIMD kernel; the
 * causal mask keeps the padding invisible to earlier positions.
 */
import * as tf from "@tensorflow/tfjs";
import { BOS, EOS, PAD } from "../text/word-tokenizer.ts";
import type { CaptionerModel, CrossMemory } from "./captioner-model.ts";

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

function paddedLength(t: number, maxTokens: number): number {
  return Math.min(maxTokens, Math.ceil(t / 4) * 4);
}

/** Log-probabilities [rows, vocab] of the next token after each prefix (all of length t). */
function nextTokenLogProbs(model: CaptionerModel, prefixes: readonly (readonly number[])[], cross: CrossMemory): Float32Array {
  const rows = prefixes.length;
  const t = prefixes[0].length;
  const width = paddedLength(t, model.config.decoder.maxTokens);
  const ids = new Int32Array(rows * width).fill(PAD);
  prefixes.forEach((p, i) => ids.set(p, i * width));
  return tf.tidy(() => {
    const hidden = model.decodeHidden(tf.tensor2d(ids, [rows, width], "int32"), cross);
    const d = hidden.shape[1];
    const last = tf.reshape(tf.slice(tf.reshape(hidden, [rows, width, d]), [0, t - 1, 0], [rows, 1, d]), [rows, d]) as tf.Tensor2D;
    return tf.logSoftmax(model.logits(last)).dataSync() as Float32Array;
  });
}

function disposeCross(cross: CrossMemory): void {
  for (const layer of cross) tf.dispose([layer.keysT, layer.values]);
}

function withCross<T>(model: CaptionerModel, patches: tf.Tensor3D, f: (cross: CrossMemory) => T): T {
  const memory = model.encode(patches);
  const cross = model.crossMemory(memory);
  memory.dispose();
  try {
    return f(cross);
  } finally {
    disposeCross(cross);
  }
}

/**
 * Greedy decoding: the most likely next word until <eos>. Returns word ids per image
 * (without <bos> and <eos>).
 */
export function greedyDecode(model: CaptionerModel, patches: tf.Tensor3D, options: DecodeOptions = {}): number[][] {
  const maxTokens = Math.min(options.maxTokens ?? model.config.decoder.maxTokens, model.config.decoder.maxTokens);
  const vocab = model.config.decoder.vocabSize;
  const batch = patches.shape[0];
  return withCross(model, patches, (cross) => {
    const seqs = Array.from({ length: batch }, () => [BOS]);
    const done = new Array<boolean>(batch).fill(false);
    const stopAtEos = options.stopAtEos ?? true;
    for (let t = 1; t < maxTokens && done.some((d) => !d); t++) {
      const logp = nextTokenLogProbs(model, seqs, cross);
      for (let i = 0; i < batch; i++) {
        if (done[i]) {
          seqs[i].push(PAD);
          continue;
        }
        // <pad> and <bos> are never generated.
        let best = EOS;
        for (let v = EOS + 1; v < vocab; v++) if (logp[i * vocab + v] > logp[i * vocab + best]) best = v;
        seqs[i].push(best);
        if (best === EOS && stopAtEos) done[i] = true;
      }
    }
    return seqs.map(stripSpecials);
  });
}

function stripSpecials(seq: readonly number[]): number[] {
  const out: number[] = [];
  for (const id of seq.slice(1)) {
    if (id === EOS) break;
    if (id !== PAD && id !== BOS) out.push(id);
  }
  return out;
}

interface Beam {
  readonly tokens: number[];
  readonly logp: number;
  readonly done: boolean;
}

function beamScore(b: Beam, penalty: number): number {
  // Length counts generated tokens, including <eos> once finished.
  const length = Math.max(1, b.tokens.length - 1);
  return b.logp / length ** penalty;
}

/** Repeats each image's cross-attention keys/values for its live beams. */
function gatherCross(cross: CrossMemory, imageOfRow: readonly number[], heads: number): CrossMemory {
  const idx = tf.tensor1d([...imageOfRow], "int32");
  const out = cross.map(({ keysT, values }) =>
    tf.tidy(() => {
      const pick = (x: tf.Tensor3D) => {
        const [bh, a, b] = x.shape;
        const perImage = tf.reshape(x, [bh / heads, heads * a * b]);
        return tf.reshape(tf.gather(perImage, idx), [imageOfRow.length * heads, a, b]) as tf.Tensor3D;
      };
      return { keysT: pick(keysT), values: pick(values) };
    }),
  );
  idx.dispose();
  return out;
}

/**
 * Beam search: keeps the `beamWidth` best prefixes per image, ranked by length-normalised
 * log-probability; a beam ends at <eos>. With width 1 it equals greedy decoding.
 */
export function beamSearchDecode(model: CaptionerModel, patches: tf.Tensor3D, options: BeamOptions): number[][] {
  const width = options.beamWidth;
  if (!Number.isInteger(width) || width < 1) throw new Error(`beamWidth must be a positive integer, got ${width}`);
  const maxTokens = Math.min(options.maxTokens ?? model.config.decoder.maxTokens, model.config.decoder.maxTokens);
  const penalty = options.lengthPenalty ?? 1;
  const vocab = model.config.decoder.vocabSize;
  const batch = patches.shape[0];
  return withCross(model, patches, (cross) => {
    let beams: Beam[][] = Array.from({ length: batch }, () => [{ tokens: [BOS], logp: 0, done: false }]);
    for (let t = 1; t < maxTokens; t++) {
      const live: { image: number; beam: Beam }[] = [];
      beams.forEach((bs, image) => bs.forEach((beam) => !beam.done && live.push({ image, beam })));
      if (live.length === 0) break;
      const rowsCross = gatherCross(cross, live.map((l) => l.image), model.config.decoder.heads);
      let logp: Float32Array;
      try {
        logp = nextTokenLogProbs(model, live.map((l) => l.beam.tokens), rowsCross);
      } finally {
        disposeCross(rowsCross);
      }
      const candidates: Beam[][] = beams.map((bs) => bs.filter((b) => b.done));
      live.forEach(({ image, beam }, row) => {
        // Only the top `width` words of a beam can survive, so consider no more.
        const top: number[] = [];
        for (let v = EOS; v < vocab; v++) {
          top.push(v);
          top.sort((a, b) => logp[row * vocab + b] - logp[row * vocab + a]);
          if (top.length > width) top.pop();
        }
        for (const v of top) candidates[image].push({ tokens: [...beam.tokens, v], logp: beam.logp + logp[row * vocab + v], done: v === EOS });
      });
      beams = candidates.map((cs) => cs.sort((a, b) => beamScore(b, penalty) - beamScore(a, penalty)).slice(0, width));
    }
    return beams.map((bs) => stripSpecials([...bs].sort((a, b) => beamScore(b, penalty) - beamScore(a, penalty))[0].tokens));
  });
}
