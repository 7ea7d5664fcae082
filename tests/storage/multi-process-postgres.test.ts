import { describe, expect, it } from "vitest";
import { loadStudy } from "hpo";
import { uniqueName } from "../support/backends.ts";
import { runOptimizeWorker } from "../support/optimize-worker-process.ts";

const url = process.env.HPO_TEST_DATABASE_URL;
const runWorker = (name: string, n: number) => runOptimizeWorker(url!, name, n);

// Needs a PostgreSQL server: CI sets HPO_TEST_DATABASE_URL; without it there is nothing to share.
describe.runIf(url)("several processes on one PostgreSQL study", () => {
  it("4 processes × 50 trials → 200 trials numbered 0..199 exactly once", { timeout: 240_000 }, async () => {
    const name = uniqueName("four-procs");
    // All four start at once, so creating the study races too.
    const codes = await Promise.all([0, 1, 2, 3].map(() => runWorker(name, 50)));
    expect(codes).toEqual([0, 0, 0, 0]);
    const study = await loadStudy({ studyName: name, storage: url });
    const trials = await study.trials();
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(trials.every((t) => t.state === "COMPLETE" && t.intermediateValues.size === 1)).toBe(true);
    const events = await study.storage.readEvents(study.studyId, 0, 100_000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    await study.close();
  });
});
