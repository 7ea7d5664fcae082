import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPretrainedCaptioner, readSafetensors, toHeldLayout } from "hpo/captioner";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./captioner-test-helpers.ts";
import { expectMatchesReference } from "./pretrained-reference.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "captioner", "hf");

beforeAll(async () => {
  await useBackend("wasm");
});

describe("Hugging Face checkpoints match their PyTorch reference (float32, 1e-4)", () => {
  for (const name of ["ved-f32-pooler", "ved-bf16-nopooler", "ved-bin-f16"]) {
    it(name, async () => {
      const dir = join(FIXTURES, name);
      const captioner = await loadPretrainedCaptioner(dir);
      try {
        expect(captioner.freshWeights).toEqual([]);
        await expectMatchesReference(captioner, dir);
      } finally {
        captioner.dispose();
      }
    });
  }

  it("a ViT folder and a GPT-2 folder join with fresh cross-attention, which the reference's then reproduces", async () => {
    const dir = join(FIXTURES, "pair");
    const captioner = await loadPretrainedCaptioner({ encoder: join(dir, "vit"), decoder: join(dir, "gpt2") }, { seed: 3 });
    try {
      const given = readSafetensors(readFileSync(join(dir, "cross-attention.safetensors")), "cross-attention.safetensors").tensors;
      expect([...captioner.freshWeights].sort()).toEqual([...given.keys()].sort());
      // GPT-2's initialisation: LayerNorm at 1/0, c_proj weights with std 0.02/√(2·n_layer).
      expect(captioner.model.base.get("decoder.transformer.h.0.ln_cross_attn.weight").dataSync().every((v) => v === 1)).toBe(true);
      const proj = Array.from(captioner.model.base.get("decoder.transformer.h.0.crossattention.c_proj.weight").dataSync());
      const std = Math.sqrt(proj.reduce((s, v) => s + v * v, 0) / proj.length);
      expect(std).toBeGreaterThan(0.005);
      expect(std).toBeLessThan(0.03);
      const arrays = new Map(
        [...given].map(([name, t]) => {
          const spec = captioner.model.specs.get(name);
          if (!spec) throw new Error(`no spec for ${name}`);
          return [name, { shape: spec.shape, values: toHeldLayout(spec, t.values()) }];
        }),
      );
      captioner.model.base.assign(arrays);
      await expectMatchesReference(captioner, dir);
    } finally {
      captioner.dispose();
    }
  });
});
