import * as tf from "@tensorflow/tfjs";
import { AdamW, type CaptionerHyperparameters, fineTune, type SplitScores, type TunableCaptioner } from "hpo/captioner";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./captioner-test-helpers.ts";

const hp: CaptionerHyperparameters = { lr: 1e-3, loraR: 0, loraAlpha: 1, loraDropout: 0, freeze: "none", epochs: 4 };

/**
 * A captioner whose one weight becomes the epoch number after each epoch, and whose
 * validation METEOR per epoch is given: what fineTune keeps is then visible exactly.
 */
function scripted(meteors: number[]) {
  const tested: number[] = [];
  const saved: number[] = [];
  let weight: tf.Variable | null = null;
  const scores = (meteor: number): SplitScores => ({ loss: 1 - meteor, bleu1: meteor, bleu2: meteor, rougeL: meteor, meteor, samples: [] });
  const captioner: TunableCaptioner = {
    description: "scripted",
    trainSize: 1,
    baselineDir: null,
    identity: "scripted",
    startRun() {
      const w = tf.variable(tf.scalar(0));
      weight = w;
      const optimizer = new AdamW([w]);
      let step = 0;
      return {
        trainable: new Map([["w", w]]),
        trainer: {
          optimizer,
          get globalStep() {
            return step;
          },
          resumeAt: (s: number) => void (step = s),
          trainEpoch(epoch: number) {
            w.assign(tf.scalar(epoch));
            step++;
            return { epoch, trainLoss: 1, steps: 1, seconds: 0.001 };
          },
          dispose: () => optimizer.dispose(),
        },
        score(split) {
          const epoch = w.dataSync()[0];
          if (split === "test") tested.push(epoch);
          return scores(meteors[epoch - 1]);
        },
        save: async () => {
          saved.push(w.dataSync()[0]);
          return ["w"];
        },
        dispose: () => w.dispose(),
      };
    },
    scoreUntuned: () => scores(0),
    dispose: () => {},
  };
  return { captioner, tested, saved, weight: () => weight };
}

describe("a trial keeps its best validation epoch", () => {
  beforeAll(() => useBackend("wasm"));

  it("scores the test split and saves with the best epoch's weights, and returns that epoch's value", async () => {
    const s = scripted([0.2, 0.5, 0.4, 0.3]);
    const r = await fineTune(s.captioner, hp, 1, "meteor", { log: () => {}, saveTo: "unused" });
    expect(r.bestEpoch).toBe(2);
    expect(r.value).toBe(0.5);
    expect(r.validation.meteor).toBe(0.5);
    expect(s.tested).toEqual([2]);
    expect(s.saved).toEqual([2]);
  });

  it("minimises validationLoss", async () => {
    const s = scripted([0.2, 0.5, 0.4, 0.9]);
    const r = await fineTune(s.captioner, hp, 1, "validationLoss", { log: () => {} });
    expect(r.bestEpoch).toBe(4);
    expect(r.value).toBeCloseTo(0.1, 12);
    expect(s.tested).toEqual([4]);
  });

  it("keeps the best weights through a checkpoint and a resume", async () => {
    const first = scripted([0.2, 0.6, 0.4, 0.3]);
    const checkpoints: Uint8Array[] = [];
    await fineTune(first.captioner, hp, 1, "meteor", {
      log: () => {},
      onEpoch: async (epoch, _v, _s, state) => {
        checkpoints.push(state());
        if (epoch === 3) throw new Error("worker died");
      },
    }).catch(() => {});
    // Resumed after epoch 3: epoch 2's weights come from the checkpoint, not from a rerun.
    const again = scripted([0.2, 0.6, 0.4, 0.3]);
    const r = await fineTune(again.captioner, hp, 1, "meteor", { log: () => {}, resume: checkpoints[2] });
    expect(r.bestEpoch).toBe(2);
    expect(r.value).toBe(0.6);
    expect(again.tested).toEqual([2]);
  });
});
