import * as tf from "@tensorflow/tfjs";
import { AdamW, type CaptionerModel, dropoutSeeds, type FreezeMode, greedyDecode, prepareTrainable, type Tower, trainStep } from "hpo/captioner";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { batchOf, bitIdentical, maxAbsDiff, tinySetup, useBackend, weightsOf } from "./captioner-test-helpers.ts";

function train(model: CaptionerModel, trainable: tf.Variable[], steps: number, lr = 1e-2): void {
  const { examples } = tinySetup(8, 3);
  const batch = batchOf(model, examples);
  const optimizer = new AdamW(trainable);
  for (let s = 0; s < steps; s++) trainStep(model, batch, trainable, optimizer, { learningRate: lr, seeds: dropoutSeeds(s) }).dispose();
  optimizer.dispose();
  tf.dispose([batch.patches, batch.inputs, batch.targets, batch.mask]);
}

describe("freeze modes and LoRA", () => {
  beforeAll(() => useBackend("wasm"));
  let model: CaptionerModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  const cases: [FreezeMode, Tower[], Tower[]][] = [
    ["encoder", ["encoder"], ["decoder"]],
    ["decoder", ["decoder"], ["encoder"]],
    ["none", [], ["encoder", "decoder"]],
  ];
  for (const [mode, frozen, trained] of cases) {
    it(`freeze ${mode}: frozen weights stay bit-identical, trained ones move`, () => {
      model = tinySetup().model;
      const before = weightsOf(model);
      const trainable = [...prepareTrainable(model, mode, { r: 0, alpha: 1, dropout: 0, targets: ["q", "v"] }, 1).values()];
      train(model, trainable, 3);
      const after = weightsOf(model);
      for (const name of model.params.names()) {
        const tower = model.params.tower(name);
        if (frozen.includes(tower)) expect(bitIdentical(before.get(name)!, after.get(name)!), name).toBe(true);
      }
      for (const tower of trained) {
        const moved = model.params.namesIn(tower).filter((n) => !bitIdentical(before.get(n)!, after.get(n)!));
        // Every kernel of a trained tower receives gradient and moves.
        expect(moved.filter((n) => n.endsWith(".kernel")).length).toBe(model.params.namesIn(tower).filter((n) => n.endsWith(".kernel")).length);
      }
    });
  }

  it("with LoRA only the adapters change; merged and unmerged inference agree within 1e-5", () => {
    const setup = tinySetup();
    model = setup.model;
    const before = weightsOf(model);
    const trainable = prepareTrainable(model, "none", { r: 4, alpha: 8, dropout: 0.1, targets: ["q", "k", "v", "o", "mlp"] }, 5);
    expect([...trainable.keys()].every((k) => k.endsWith(".lora_a") || k.endsWith(".lora_b"))).toBe(true);
    const bBefore = [...trainable].filter(([k]) => k.endsWith(".lora_b")).map(([, v]) => Float32Array.from(v.dataSync() as Float32Array));
    expect(bBefore.every((b) => b.every((x) => x === 0))).toBe(true);
    train(model, [...trainable.values()], 4);
    const after = weightsOf(model);
    for (const name of model.params.names()) expect(bitIdentical(before.get(name)!, after.get(name)!), name).toBe(true);
    const bAfter = [...trainable].filter(([k]) => k.endsWith(".lora_b")).map(([, v]) => v.dataSync() as Float32Array);
    expect(bAfter.every((b) => b.some((x) => x !== 0))).toBe(true);

    const batch = batchOf(model, setup.examples);
    const merged = model.merged();
    try {
      const logits = (m: CaptionerModel) => tf.tidy(() => m.logits(m.decodeHidden(batch.inputs, m.crossMemory(m.encode(batch.patches)))).dataSync());
      const unmergedLogits = logits(model);
      const mergedLogits = logits(merged);
      expect(maxAbsDiff(unmergedLogits, mergedLogits)).toBeLessThan(1e-5);
      // The adapters matter: the merged model differs from the base.
      expect(merged.params.names().some((n) => !bitIdentical(merged.params.get(n).dataSync() as Float32Array, before.get(n)!))).toBe(true);
      expect(greedyDecode(merged, batch.patches)).toEqual(greedyDecode(model, batch.patches));
    } finally {
      merged.dispose();
      tf.dispose([batch.patches, batch.inputs, batch.targets, batch.mask]);
    }
  });

  it("leaks no tensors across training steps, evaluation and decoding, in any freeze mode", () => {
    const setup = tinySetup(4, 9);
    model = setup.model;
    const batch = batchOf(model, setup.examples);
    for (const [mode, r] of [["encoder", 0], ["decoder", 2], ["none", 2], ["none", 0]] as const) {
      const trainable = [...prepareTrainable(model, mode, { r, alpha: 4, dropout: 0.1, targets: ["q", "v"] }, 1).values()];
      const optimizer = new AdamW(trainable);
      trainStep(model, batch, trainable, optimizer, { learningRate: 1e-3, seeds: dropoutSeeds(0) }).dispose();
      const before = tf.memory().numTensors;
      for (let s = 1; s < 4; s++) trainStep(model, batch, trainable, optimizer, { learningRate: 1e-3, seeds: dropoutSeeds(s) }).dispose();
      tf.tidy(() => model!.loss(batch)).dispose();
      greedyDecode(model, batch.patches);
      expect(tf.memory().numTensors, `${mode} r=${r}`).toBe(before);
      optimizer.dispose();
    }
    tf.dispose([batch.patches, batch.inputs, batch.targets, batch.mask]);
  });

  it("LoRA on a frozen-encoder run adapts only decoder projections", () => {
    model = tinySetup().model;
    const trainable = prepareTrainable(model, "encoder", { r: 2, alpha: 4, dropout: 0, targets: ["q", "v"] }, 5);
    const names = [...trainable.keys()];
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith("decoder.") && /\.(q|v)\.lora_[ab]$/.test(n))).toBe(true);
  });
});
