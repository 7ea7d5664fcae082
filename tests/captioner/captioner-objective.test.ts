import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStudy, isTrialPruned, RandomSampler, type AttrValue, type CategoricalChoice, type ParamValue } from "hpo";
import { type CaptionerObjectiveOptions, type CaptionerTrial, captionerObjective, generateFoodPlates, normalizeCaption, splitDataset } from "hpo/captioner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TINY_ENCODER } from "./captioner-test-helpers.ts";

let cacheDir = "";
let options: CaptionerObjectiveOptions;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "hpo-captioner-objective-"));
  options = {
    data: { kind: "synthetic", images: 20, seed: 3 },
    cacheDir,
    pretrain: { images: 24, epochs: 1, batchSize: 8, encoder: TINY_ENCODER, decoder: { maxTokens: 8, dModel: 16, layers: 1, heads: 2, mlpDim: 32 } },
    space: { epochs: [1, 2], loraR: [0, 2] },
    batchSize: 8,
    log: () => {},
  };
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** A trial-shaped recorder: fixed params, reports and attributes kept for inspection. */
class RecordingTrial implements CaptionerTrial {
  readonly number: number;
  readonly params: Record<string, ParamValue>;
  readonly reports: [number, number][] = [];
  readonly attrs: Record<string, AttrValue> = {};
  readonly saved: Uint8Array[] = [];
  checkpoint?: { save(d: Uint8Array | Record<string, unknown>): void; load(): Uint8Array | null };
  constructor(params: Record<string, ParamValue>, readonly pruneAfter = Infinity, resumeFrom: Uint8Array | null = null, number = 0) {
    this.number = number;
    this.params = { ...params };
    this.checkpoint = { save: (d) => void this.saved.push(d as Uint8Array), load: () => resumeFrom };
  }
  suggestFloat(name: string, low: number): number {
    return (this.params[name] = low);
  }
  suggestInt(name: string, low: number): number {
    return (this.params[name] = low);
  }
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return (this.params[name] = choices[0]) as T;
  }
  report(value: number, step: number): void {
    this.reports.push([step, value]);
  }
  async shouldPrune(): Promise<boolean> {
    return this.reports.length >= this.pruneAfter;
  }
  setUserAttr(key: string, value: AttrValue): void {
    this.attrs[key] = value;
  }
}

const params = { lr: 0.005, loraR: 0, loraAlpha: 1, loraDropout: 0, freeze: "none", epochs: 2 };

describe("captioner objective", () => {
  it("runs a real study: pretrains the base once, reports every epoch, records test scores and baselines", async () => {
    const study = await createStudy({ storage: "memory", direction: "maximize", sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize(captionerObjective(options), { nTrials: 2 });
    const trials = await study.trials();
    expect(trials.map((t) => t.state)).toEqual(["COMPLETE", "COMPLETE"]);
    for (const t of trials) {
      const epochs = t.params.epochs as number;
      expect([...t.intermediateValues.keys()]).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
      // The value is the best validation epoch's (the weights the trial keeps), not the last one's.
      const values = [...t.intermediateValues.values()];
      expect(t.value).toBe(Math.max(...values));
      expect(t.intermediateValues.get(t.userAttrs.bestEpoch as number)).toBe(t.value);
      // Every epoch's metrics by name; the study watches "value", which is METEOR here.
      for (const [epoch, m] of t.metrics) {
        expect(Object.keys(m)).toEqual(["train_loss", "val_loss", "bleu1", "bleu2", "rouge_l", "meteor", "value"]);
        for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
        expect(m.value).toBe(m.meteor);
        expect(t.intermediateValues.get(epoch)).toBe(m.meteor);
      }
      expect(t.metrics.size).toBe(epochs);
      expect(Object.keys(t.params).sort()).toEqual(["epochs", "freeze", "loraAlpha", "loraDropout", "loraR", "lr"]);
      const test = t.userAttrs.test as Record<string, number>;
      for (const k of ["loss", "bleu1", "bleu2", "rougeL", "meteor"]) expect(Number.isFinite(test[k]), k).toBe(true);
      const baselines = t.userAttrs.baselines as Record<string, Record<string, number>>;
      expect(Object.keys(baselines).sort()).toEqual(["frozenDecoder", "frozenDecoderParams", "pretrained"]);
      // The frozen-decoder baseline uses the space's middle lr (geometric) and its most epochs.
      expect(baselines.frozenDecoderParams).toEqual({ lr: Math.sqrt(3e-4 * 1e-2), epochs: 2 });
      expect(Array.isArray(t.userAttrs.beats)).toBe(true);
    }
    const bases = readdirSync(cacheDir).filter((f) => f.startsWith("base-"));
    expect(bases).toHaveLength(1);
    expect(existsSync(join(cacheDir, bases[0], "model.json"))).toBe(true);
    expect(readdirSync(join(cacheDir, bases[0])).some((f) => f.startsWith("baselines-"))).toBe(true);
    await study.close();
  });

  it("uses params a declarative space already set, checkpoints each epoch and stops when pruned", async () => {
    const objective = captionerObjective({ ...options, baselines: false });
    const full = new RecordingTrial(params);
    await objective(full);
    expect(full.reports.map(([s]) => s)).toEqual([1, 2]);
    expect(full.saved).toHaveLength(2);
    expect(full.params).toEqual(params);

    const pruned = new RecordingTrial({ ...params, freeze: "decoder" }, 1);
    const error = await objective(pruned).catch((e: unknown) => e);
    expect(isTrialPruned(error)).toBe(true);
    expect(pruned.reports).toHaveLength(1);
    expect(pruned.attrs.test).toBeUndefined();
  });

  it("resumes a retried trial from its last checkpoint", async () => {
    const objective = captionerObjective({ ...options, baselines: false, metric: "validationLoss" });
    const first = new RecordingTrial(params, 1);
    await objective(first).catch(() => {});
    expect(first.saved).toHaveLength(1);
    const retried = new RecordingTrial(params, Infinity, first.saved[0]);
    const value = await objective(retried);
    expect(retried.reports.map(([s]) => s)).toEqual([2]);
    // The best of both epochs, the first one's loss coming from the checkpoint.
    expect(value).toBe(Math.min(first.reports[0][1], retried.reports[0][1]));
    // Other hyperparameters make the checkpoint stale: the run starts over.
    const other = new RecordingTrial({ ...params, lr: 0.001 }, Infinity, first.saved[0]);
    await objective(other);
    expect(other.reports.map(([s]) => s)).toEqual([1, 2]);
  });

  it("baselines follow the study's declared space; the sample attribute moves through the test set", async () => {
    const objective = captionerObjective(options);
    const testSplit = splitDataset(generateFoodPlates({ count: 20, seed: 3, imageSize: TINY_ENCODER.imageSize }), 3).test;
    for (const number of [0, 1]) {
      const trial = new RecordingTrial({ ...params, epochs: 1 }, Infinity, null, number);
      Object.assign(trial, { distributions: { lr: { type: "float", low: 1e-3, high: 4e-3, log: true, step: null }, epochs: { type: "int", low: 1, high: 3, log: false, step: 1 } } });
      await objective(trial);
      expect((trial.attrs.baselines as Record<string, unknown>).frozenDecoderParams).toEqual({ lr: Math.sqrt(1e-3 * 4e-3), epochs: 3 });
      // Trial n shows test image n (mod the split's size), not always the first.
      expect(String(trial.attrs.sample).split(" ⟵ ")[1]).toBe(normalizeCaption(testSplit[number % testSplit.length].title));
    }
  });

  it("names the bad field in options and in preset params", async () => {
    expect(() => captionerObjective({ metric: "accuracy" } as unknown as CaptionerObjectiveOptions)).toThrow(/captionerObjective: metric:/);
    expect(() => captionerObjective({ space: { lr: [0.1, 0.01] } })).toThrow(/space\.lr: lr: low must not exceed high/);
    expect(() => captionerObjective({ data: { kind: "food-recipes" } } as unknown as CaptionerObjectiveOptions)).toThrow(/data\.root: give root \(the unpacked dataset folder\) or csvPath/);
    expect(() => captionerObjective({ model: { pretrained: "models/x" }, pretrain: { images: 8 } })).toThrow(/model: model\.pretrained replaces baseModel and pretrain/);
    expect(() => captionerObjective({ model: { pretrained: "models/x" }, beamWidth: 3 })).toThrow(/beamWidth: checkpoints are scored with greedy captions/);
    expect(() => captionerObjective({ model: { pretrained: "models/x", encoderCache: "gpu" } } as unknown as CaptionerObjectiveOptions)).toThrow(/model\.encoderCache/);
    const objective = captionerObjective({ ...options, baselines: false });
    await expect(objective(new RecordingTrial({ ...params, freeze: "both" }))).rejects.toThrow(/trial param freeze = "both": expected none \| encoder \| decoder/);
  });
});
