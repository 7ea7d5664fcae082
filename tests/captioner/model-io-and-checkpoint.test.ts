import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { decodeCheckpoint, encodeCheckpoint, loadCaptioner, parameterSpecs, REFERENCE_CONFIG, saveCaptioner } from "hpo/captioner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchOf, bitIdentical, tinySetup, useBackend, weightsOf } from "./captioner-test-helpers.ts";

let dir = "";
beforeAll(async () => {
  await useBackend("wasm");
  dir = await mkdtemp(join(tmpdir(), "hpo-captioner-io-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("model folder and checkpoints", () => {
  it("has ≈ 553k parameters in the reference configuration", () => {
    const n = parameterSpecs(REFERENCE_CONFIG).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
    expect(n).toBe(552_672);
  });

  it("saves in tfjs format and loads back bit-identical weights, tokenizer and outputs", async () => {
    const { model, tokenizer, examples } = tinySetup();
    const target = join(dir, "base");
    await saveCaptioner(target, model, tokenizer, { note: "test" });
    const loaded = await loadCaptioner(target);
    const a = weightsOf(model);
    const b = weightsOf(loaded.model);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, values] of a) expect(bitIdentical(values, b.get(name)!), name).toBe(true);
    expect(loaded.tokenizer.toJSON()).toEqual(tokenizer.toJSON());
    expect(loaded.meta).toEqual({ note: "test" });
    const batch = batchOf(model, examples);
    expect(loaded.model.loss(batch).dataSync()[0]).toBe(model.loss(batch).dataSync()[0]);
    tf.dispose([batch.patches, batch.inputs, batch.targets, batch.mask]);
    model.dispose();
    loaded.model.dispose();
  });

  it("names the problem in a damaged folder", async () => {
    const { model, tokenizer } = tinySetup();
    const target = join(dir, "damaged");
    await saveCaptioner(target, model, tokenizer);
    model.dispose();
    await writeFile(join(target, "tokenizer.json"), JSON.stringify({ kind: "word-tokenizer", version: 1, tokens: ["<pad>", "<bos>", "<eos>", "<unk>"] }));
    await expect(loadCaptioner(target)).rejects.toThrow(/tokenizer has 4 tokens but the decoder vocabulary is/);
    await writeFile(join(target, "model.json"), JSON.stringify({ format: "something-else" }));
    await expect(loadCaptioner(target)).rejects.toThrow(/model\.json: format/);
    await expect(loadCaptioner(join(dir, "nowhere"))).rejects.toThrow(/cannot read .*model\.json/);
  });

  it("round-trips a checkpoint", () => {
    const state = {
      epoch: 3,
      globalStep: 42,
      hyperparameters: { lr: 0.001, freeze: "none", loraR: 4 },
      history: [{ epoch: 1, value: 0.1 }, { epoch: 2, value: 0.2 }, { epoch: 3, value: 0.25 }],
      tensors: new Map([["a", { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }], ["b", { shape: [1], values: Float32Array.from([7]) }]]),
      optimizer: { step: 42, m: [new Float32Array(6).fill(0.5), Float32Array.from([0.25])], v: [new Float32Array(6).fill(2), Float32Array.from([3])] },
    };
    const bytes = encodeCheckpoint(state);
    // A copy at an odd offset: decoding must not assume alignment.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(decodeCheckpoint(shifted.subarray(1))).toEqual(state);
    expect(() => decodeCheckpoint(new TextEncoder().encode("nope"))).toThrow(/not a captioner checkpoint/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
  });

  it("clones weights independently", () => {
    const { model } = tinySetup();
    const copy = model.clone();
    const name = model.params.names()[0];
    copy.params.get(name).assign(tf.zerosLike(copy.params.get(name)));
    expect(model.params.get(name).dataSync().some((v) => v !== 0)).toBe(true);
    model.dispose();
    copy.dispose();
  });
});
