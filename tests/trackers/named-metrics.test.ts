/**
 * A real study reporting named metrics every epoch (pruned on METEOR), tracked to JSONL, an
 * offline W&B run folder and a W&B-protocol server at once: every metric of every step reads
 * back from each under its name.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStudy, InMemoryStorage, MedianPruner, RandomSampler, TrialPruned, type FrozenTrial } from "hpo";
import { jsonl, jsonlFileFor, readJsonlEvents } from "hpo/trackers/jsonl";
import { findOfflineRuns, readOfflineRun, wandb } from "hpo/trackers/wandb";
import { FakeWandbServer } from "./support/fake-wandb-server.ts";

const KEY = "k".repeat(40);
let dir: string;
let server: FakeWandbServer;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hpo-named-metrics-"));
  server = await FakeWandbServer.start({ apiKey: KEY, defaultEntity: "alice" });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** What a captioner epoch reports; epoch 2 of trial 1 has a NaN loss. */
function epochMetrics(trial: number, lr: number, epoch: number): Record<string, number> {
  const meteor = Math.min(0.5, lr * 3 + epoch / 20);
  return { train_loss: 3 - epoch / 4, val_loss: trial === 1 && epoch === 2 ? Number.NaN : 3.2 - meteor * 2, bleu1: meteor * 1.3, bleu2: meteor, rouge_l: meteor * 1.1, meteor };
}

/** The [step, metrics] rows a trial's stored metrics hold. */
function storedRows(t: FrozenTrial): [number, Record<string, number>][] {
  return [...t.metrics].map(([s, m]) => [s, { ...m }]);
}

describe("named metrics in the trackers", () => {
  it("reach JSONL, offline W&B and online W&B under their names, with the watched one as the value", async () => {
    const study = await createStudy({
      studyName: "captioner-metrics",
      storage: new InMemoryStorage(),
      direction: "maximize",
      metric: "meteor",
      sampler: new RandomSampler({ seed: 5 }),
      pruner: new MedianPruner({ nStartupTrials: 2, nWarmupSteps: 1 }),
    });
    const trackers = [
      jsonl({ path: dir }),
      wandb({ mode: "offline", dir, project: "captioner", env: {} }),
      wandb({ apiKey: KEY, baseUrl: server.baseUrl, project: "captioner", env: {}, batchIntervalMs: 20, requestTimeoutMs: 2_000, initialBackoffMs: 10, maxBackoffMs: 100, log: () => undefined }),
    ];
    await study.optimize(
      async (trial) => {
        const lr = trial.suggestFloat("lr", 0.01, 0.1);
        let last: Record<string, number> = {};
        for (let epoch = 0; epoch < 4; epoch++) {
          last = epochMetrics(trial.number, lr, epoch);
          trial.report(last, epoch);
          if (await trial.shouldPrune()) throw new TrialPruned();
        }
        return last;
      },
      { nTrials: 5, trackers },
    );
    const trials = await study.trials();
    await study.close();
    expect(trials.every((t) => t.metrics.size > 0)).toBe(true);

    // JSONL: a report line per step with every metric, and each trial's curve in its finish line.
    const events = await readJsonlEvents(jsonlFileFor(dir, "captioner-metrics"));
    for (const t of trials) {
      const reports = events.filter((e) => e.event === "report" && e.trial === t.number);
      expect(reports.map((e) => (e.event === "report" ? [e.step, e.metrics] : null))).toEqual(storedRows(t));
      for (const e of reports) if (e.event === "report") expect(e.value).toBe(e.metrics.meteor);
      const finish = events.find((e) => e.event === "trial_finish" && e.trial === t.number);
      expect(finish?.event === "trial_finish" ? finish.metrics : null).toEqual(storedRows(t));
    }

    // W&B: one history row per step carrying every metric by name, plus "value" (the watched one).
    const offline = await Promise.all((await findOfflineRuns(dir)).map(readOfflineRun));
    const online = server.group("captioner-metrics");
    for (const runs of [offline, online]) {
      expect(runs).toHaveLength(trials.length);
      for (const t of trials) {
        const run = runs.find((r) => r.displayName === `trial-${t.number}`)!;
        const rows = run.history.map((r) => [r._step, Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("_") && k !== "value"))]);
        expect(rows).toEqual(storedRows(t));
        expect(run.history.map((r) => r.value)).toEqual([...t.metrics.values()].map((m) => m.meteor));
      }
    }
  });
});
