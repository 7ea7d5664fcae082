import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStudy, RandomSampler } from "hpo";
import {
  AdamW,
  captionerObjective,
  captionerObjectiveOptionsSchema,
  dropoutSeeds,
  generateFoodPlates,
  loadPretrainedCaptioner,
  type PretrainedCaptioner,
  pretrainedBatch,
  preparePretrainedExamples,
  pretrainedTunable,
  readSafetensors,
  rgbFromUnitFloats,
  saveFineTunedWeights,
  savePeftAdapter,
  trainStep,
} from "hpo/captioner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./captioner-test-helpers.ts";

const CHECKPOINT = join(import.meta.dirname, "..", "fixtures", "captioner", "hf", "ved-f32-pooler");
let dir = "";
let captioner: PretrainedCaptioner;

beforeAll(async () => {
  await useBackend("wasm");
  dir = await mkdtemp(join(tmpdir(), "hpo-pretrained-tuning-"));
  captioner = await loadPretrainedCaptioner(CHECKPOINT);
});
afterAll(async () => {
  captioner.dispose();
  await rm(dir, { recursive: true, force: true });
});

function examples(count: number) {
  const size = captioner.processor.width;
  const plates = generateFoodPlates({ count, seed: 5, imageSize: size }).map((p) => ({ id: p.id, image: rgbFromUnitFloats(p.pixels, size, size), caption: p.title }));
  return preparePretrainedExamples(plates, captioner.processor, (t) => captioner.tokenizer.encode(t), 12);
}

function baseSnapshot(): Map<string, Float32Array> {
  const m = captioner.model;
  return new Map(m.base.names().map((n) => [n, (m.base.get(n).dataSync() as Float32Array).slice()]));
}

function expectBaseUnchanged(before: Map<string, Float32Array>): void {
  for (const [name, values] of before) {
    const now = captioner.model.base.get(name).dataSync();
    expect(Buffer.compare(Buffer.from(values.buffer), Buffer.from(now.buffer, now.byteOffset, now.byteLength)), name).toBe(0);
  }
}

function train(steps: number, freeze: "none" | "encoder" | "decoder", r: number, lr: number, trainWordEmbeddings = false): { first: number; last: number; trainable: string[] } {
  const m = captioner.model;
  const set = examples(8);
  const trainable = m.prepareRun({ freeze, lora: { r, alpha: 2 * r || 1, dropout: 0, targets: ["q", "k", "v", "o"] }, seed: 3, trainWordEmbeddings });
  const optimizer = new AdamW([...trainable.values()]);
  const batch = pretrainedBatch(set, m.config, captioner.processor, 12);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = trainStep(m, batch, [...trainable.values()], optimizer, { learningRate: lr, seeds: dropoutSeeds(s) });
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  optimizer.dispose();
  return { first: losses[0], last: losses[losses.length - 1], trainable: [...trainable.keys()] };
}

describe("fine-tuning a Hugging Face checkpoint", () => {
  it("LoRA on every attention projection of both towers learns, leaves the checkpoint's weights bit-identical and saves in peft's layout", async () => {
    const before = baseSnapshot();
    const { first, last, trainable } = train(25, "none", 4, 1e-2);
    expect(last).toBeLessThan(first * 0.7);
    // ViT query/key/value/output dense; GPT-2 c_attn, c_proj, cross-attention q_attn, c_attn, c_proj — per layer.
    const modules = new Set(trainable.map((n) => n.replace(/\.lora_[AB]$/, "")));
    expect([...modules].filter((n) => n.startsWith("encoder.")).sort()).toEqual(
      [0, 1].flatMap((l) => ["attention.attention.key", "attention.attention.query", "attention.attention.value", "attention.output.dense"].map((x) => `encoder.encoder.layer.${l}.${x}`)).sort(),
    );
    expect([...modules].filter((n) => n.startsWith("decoder.")).sort()).toEqual(
      [0, 1].flatMap((l) => ["attn.c_attn", "attn.c_proj", "crossattention.c_attn", "crossattention.c_proj", "crossattention.q_attn"].map((x) => `decoder.transformer.h.${l}.${x}`)).sort(),
    );
    const out = join(dir, "adapter");
    const names = await savePeftAdapter(out, captioner.model, { baseModel: CHECKPOINT, r: 4, alpha: 8, dropout: 0 });
    expect(names).toContain("base_model.model.decoder.transformer.h.0.attn.c_attn.lora_A.weight");
    expect(names).toContain("base_model.model.encoder.encoder.layer.1.attention.attention.query.lora_B.weight");
    const config = JSON.parse(readFileSync(join(out, "adapter_config.json"), "utf8"));
    expect(config).toMatchObject({ peft_type: "LORA", r: 4, lora_alpha: 8, fan_in_fan_out: true, bias: "none", base_model_name_or_path: CHECKPOINT });
    expect([...config.target_modules].sort()).toEqual([...modules].sort());
    const { tensors } = readSafetensors(readFileSync(join(out, "adapter_model.safetensors")), "adapter");
    // peft: lora_A [r, in], lora_B [out, r]; GPT-2's c_attn maps 20 → 60.
    expect(tensors.get("base_model.model.decoder.transformer.h.0.attn.c_attn.lora_A.weight")?.shape).toEqual([4, 20]);
    expect(tensors.get("base_model.model.decoder.transformer.h.0.attn.c_attn.lora_B.weight")?.shape).toEqual([60, 4]);
    expect(tensors.get("base_model.model.encoder.encoder.layer.0.attention.output.dense.lora_A.weight")?.shape).toEqual([4, 16]);
    captioner.model.endRun();
    expectBaseUnchanged(before);
  });

  it("trains the tied word table beside the adapters when asked, saved as peft's modules_to_save", async () => {
    const { trainable } = train(2, "encoder", 2, 1e-2, true);
    expect(trainable).toContain("decoder.transformer.wte.weight");
    expect(trainable.some((n) => n.startsWith("encoder."))).toBe(false);
    const out = join(dir, "adapter-wte");
    const names = await savePeftAdapter(out, captioner.model, { baseModel: CHECKPOINT, r: 2, alpha: 4, dropout: 0 });
    expect(names).toContain("base_model.model.decoder.transformer.wte.weight");
    expect(JSON.parse(readFileSync(join(out, "adapter_config.json"), "utf8")).modules_to_save).toEqual(["wte"]);
    captioner.model.endRun();
  });

  it("loraR 0 with nothing frozen trains every weight the captions depend on (not ViT's pooler)", () => {
    const { first, last, trainable } = train(6, "none", 0, 2e-3);
    expect(last).toBeLessThan(first);
    expect(trainable.length).toBe(captioner.model.base.names().filter((n) => !n.startsWith("encoder.pooler.")).length);
    captioner.model.endRun();
  });

  it("loraR 0 fine-tunes the unfrozen tower in full; frozen and base weights stay bit-identical", async () => {
    const before = baseSnapshot();
    const { first, last, trainable } = train(15, "encoder", 0, 3e-3);
    expect(last).toBeLessThan(first);
    expect(trainable.length).toBeGreaterThan(0);
    expect(trainable.every((n) => n.startsWith("decoder.") || n.startsWith("enc_to_dec_proj."))).toBe(true);
    const changed = trainable.filter((n) => {
      const a = captioner.model.trainedWeights().get(n)?.dataSync() as Float32Array;
      return a.some((v, i) => v !== before.get(n)?.[i]);
    });
    expect(changed.length).toBeGreaterThan(trainable.length / 2);
    const out = join(dir, "full");
    const names = await saveFineTunedWeights(out, captioner.model, { baseModel: CHECKPOINT });
    const { tensors } = readSafetensors(readFileSync(join(out, "fine_tuned_weights.safetensors")), "weights");
    expect(names.sort()).toEqual([...tensors.keys()].sort());
    // transformers' layout: nn.Linear [out, in] (enc_to_dec_proj 16 → 20), GPT-2 Conv1D [in, out].
    expect(tensors.get("enc_to_dec_proj.weight")?.shape).toEqual([20, 16]);
    expect(tensors.get("decoder.transformer.h.0.mlp.c_fc.weight")?.shape).toEqual([20, 40]);
    captioner.model.endRun();
    expectBaseUnchanged(before);
  });
});

describe("the captioner objective on a checkpoint", () => {
  it("a frozen encoder runs once: its outputs are cached and reused by later runs, with the same losses as recomputing them", async () => {
    const lines: string[] = [];
    const base = { model: { pretrained: CHECKPOINT, maxCaptionTokens: 12 }, data: { kind: "synthetic", images: 20, seed: 3 }, cacheDir: join(dir, "cache"), batchSize: 8 } as const;
    const cached = await pretrainedTunable(captionerObjectiveOptionsSchema.parse({ ...base, log: (m: string) => lines.push(m) }), (m) => lines.push(m));
    const off = await pretrainedTunable(captionerObjectiveOptionsSchema.parse({ ...base, model: { ...base.model, encoderCache: "off" } }), () => {});
    try {
      const hp = { lr: 1e-2, loraR: 2, loraAlpha: 4, loraDropout: 0, freeze: "encoder", epochs: 2 } as const;
      const losses = (t: typeof cached) => {
        const run = t.startRun(hp, 1);
        try {
          return [run.trainer.trainEpoch(1).trainLoss, run.trainer.trainEpoch(2).trainLoss, run.score("validation").loss];
        } finally {
          run.dispose();
        }
      };
      const withCache = losses(cached);
      expect(lines.filter((l) => l.includes("encoder outputs computed"))).toEqual(["[captioner] encoder frozen: 20 encoder outputs computed, 0 read from the cache; epochs run the decoder only"]);
      const again = losses(cached);
      // The second run (another trial) computes nothing.
      expect(lines.filter((l) => l.includes("encoder outputs computed"))).toHaveLength(1);
      expect(again).toEqual(withCache);
      const recomputed = losses(off);
      for (let i = 0; i < 3; i++) expect(Math.abs(recomputed[i] - withCache[i])).toBeLessThan(1e-5);
      const files = readdirSync(join(dir, "cache", "encoder-outputs"), { recursive: true }).filter((f) => String(f).endsWith(".f32"));
      expect(files).toHaveLength(20);
    } finally {
      cached.dispose();
      off.dispose();
    }
  });

  it("a two-trial study fine-tunes it with LoRA and with loraR 0 and saves the adapter with peft's key names", async () => {
    const study = await createStudy({ storage: "memory", direction: "maximize", sampler: new RandomSampler({ seed: 2 }), studyName: "hf-two" });
    await study.enqueueTrial({ lr: 5e-3, loraR: 4, loraAlpha: 8, loraDropout: 0.1, freeze: "none", epochs: 2 });
    await study.enqueueTrial({ lr: 2e-3, loraR: 0, loraAlpha: 1, loraDropout: 0, freeze: "encoder", epochs: 2 });
    const cacheDir = join(dir, "study");
    await study.optimize(
      captionerObjective({ model: { pretrained: CHECKPOINT, maxCaptionTokens: 12 }, data: { kind: "synthetic", images: 20, seed: 3 }, cacheDir, batchSize: 8, baselines: false, space: { epochs: [1, 2], loraAlpha: [1, 16] }, log: () => {} }),
      { nTrials: 2 },
    );
    const [lora, full] = await study.trials();
    expect([lora.state, full.state]).toEqual(["COMPLETE", "COMPLETE"]);
    const adapter = lora.userAttrs.adapter as string;
    expect(adapter).toBe(join(cacheDir, "trials", "hf-two", "trial-0"));
    const { tensors } = readSafetensors(readFileSync(join(adapter, "adapter_model.safetensors")), "adapter");
    expect([...tensors.keys()].every((k) => /^base_model\.model\.(encoder|decoder)\..+\.lora_[AB]\.weight$/.test(k))).toBe(true);
    expect(existsSync(join(full.userAttrs.fineTunedWeights as string, "fine_tuned_weights.safetensors"))).toBe(true);
    for (const t of [lora, full]) expect(Number.isFinite((t.userAttrs.test as Record<string, number>).meteor)).toBe(true);
    await study.close();
  });
});
