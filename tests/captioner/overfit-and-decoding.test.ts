import * as tf from "@tensorflow/tfjs";
import { AdamW, beamSearchDecode, dropoutSeeds, greedyDecode, splitLoss, trainStep } from "hpo/captioner";
import { beforeAll, describe, expect, it } from "vitest";
import { batchOf, tinySetup, useBackend } from "./captioner-test-helpers.ts";

describe.each(["wasm", "cpu"] as const)("training and decoding on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("overfits a tiny batch (loss down > 90%) and then decodes its captions greedily and by beam search", () => {
    const { model, tokenizer, examples } = tinySetup(4, 11);
    const batch = batchOf(model, examples);
    const trainable = model.params.names().map((n) => model.params.get(n));
    const optimizer = new AdamW(trainable, { weightDecay: 0 });
    const first = splitLoss(model, examples);
    for (let s = 0; s < 120; s++) trainStep(model, batch, trainable, optimizer, { learningRate: 1e-2, seeds: dropoutSeeds(s) }).dispose();
    const last = splitLoss(model, examples);
    expect(last).toBeLessThan(0.1 * first);

    const greedy = greedyDecode(model, batch.patches);
    expect(greedy.map((ids) => tokenizer.decode(ids))).toEqual(examples.map((e) => e.reference));
    expect(beamSearchDecode(model, batch.patches, { beamWidth: 1 })).toEqual(greedy);
    const beam = beamSearchDecode(model, batch.patches, { beamWidth: 3 });
    expect(beam.map((ids) => tokenizer.decode(ids))).toEqual(examples.map((e) => e.reference));
    optimizer.dispose();
    model.dispose();
    tf.dispose([batch.patches, batch.inputs, batch.targets, batch.mask]);
  });

  it("incremental decoding equals re-running the decoder over the whole prefix", () => {
    const { model, examples } = tinySetup(3, 5);
    const batch = batchOf(model, examples);
    const t = batch.inputs.shape[1];
    const memory = model.encode(batch.patches);
    const cross = model.crossMemory(memory);
    const full = model.decodeHidden(batch.inputs, cross).arraySync() as number[][];
    const ids = batch.inputs.arraySync() as number[][];
    let cache = null;
    for (let p = 0; p < t; p++) {
      const step = model.decodeStep(tf.tensor1d(ids.map((row) => row[p]), "int32"), p, cache, cross);
      const rows = step.hidden.arraySync() as number[][];
      rows.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - full[i * t + p][k])).toBeLessThan(1e-5)));
      cache = step.cache;
    }
    model.dispose();
  });

  it("greedy and beam outputs are bounded by maxTokens and hold no special tokens", () => {
    const { model, examples } = tinySetup(5, 2);
    const batch = batchOf(model, examples);
    for (const seqs of [greedyDecode(model, batch.patches), beamSearchDecode(model, batch.patches, { beamWidth: 4, lengthPenalty: 0.6 })]) {
      expect(seqs).toHaveLength(5);
      for (const s of seqs) {
        expect(s.length).toBeLessThanOrEqual(model.config.decoder.maxTokens - 1);
        expect(s.every((id) => id > 2 && id < model.config.decoder.vocabSize)).toBe(true);
      }
    }
    model.dispose();
    tf.dispose([batch.patches, batch.inputs, batch.targets, batch.mask]);
  });
});
