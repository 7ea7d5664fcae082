/**
 * Greedy generation for the pretrained captioner, as transformers' `generate` with
 * num_beams 1: start from the decoder start token, take the most likely token (the first
 * on ties, as torch.argmax), stop a caption at the end token; incremental, with the image's
 * cross-attention memory computed once and a key/value cache for the caption so far.
 */
import * as tf from "@tensorflow/tfjs";
import type { Gpt2SelfCache } from "./gpt2-decoder.ts";
import type { PretrainedCaptionerModel } from "./pretrained-captioner-model.ts";

function disposeCache(cache: Gpt2SelfCache | null): void {
  for (const layer of cache ?? []) tf.dispose([layer.keysT, layer.values]);
}

/**
 * Generated token ids per image (without the start token; ending before the end token),
 * at most `maxNewTokens` each, for encoder states [B, S, hidden].
 */
export function greedyGenerate(model: PretrainedCaptionerModel, states: tf.Tensor3D, maxNewTokens: number): number[][] {
  const { decoderStartTokenId: start, eosTokenId: eos, padTokenId: pad } = model.config;
  const vocab = model.config.decoder.vocabSize;
  const batch = states.shape[0];
  const limit = Math.min(maxNewTokens, model.config.decoder.positions - 1);
  const cross = model.crossMemory(states);
  let cache: Gpt2SelfCache | null = null;
  try {
    const out: number[][] = Array.from({ length: batch }, () => []);
    const done = new Array<boolean>(batch).fill(false);
    let last = new Array<number>(batch).fill(start);
    for (let position = 0; position < limit && done.some((d) => !d); position++) {
      const ids = tf.tensor1d(Int32Array.from(last), "int32");
      const r = model.step(ids, position, cache, cross);
      ids.dispose();
      disposeCache(cache);
      cache = r.cache;
      const logp = r.logProbs.dataSync();
      r.logProbs.dispose();
      last = last.map((_, i) => {
        if (done[i]) return pad;
        let best = 0;
        for (let v = 1; v < vocab; v++) if (logp[i * vocab + v] > logp[i * vocab + best]) best = v;
        if (best === eos) done[i] = true;
        else out[i].push(best);
        return best;
      });
    }
    return out;
  } finally {
    disposeCache(cache);
    for (const layer of cross) tf.dispose([layer.keysT, layer.values]);
  }
}
