/**
 * `getTrials(…, { excludeTrialIds })`: a worker's history leaves out the trials it runs
 * itself (it knows them better than storage, and reading one back copies all its reports).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Storage } from "hpo";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

describe.each(BACKENDS)("getTrials excludeTrialIds on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("leaves out exactly the trials named, changed or not, and still reports the study's version", async () => {
    const s = await storage.createStudy(uniqueName("exclude"), ["minimize"]);
    const [a, b, c] = [
      await storage.createTrial(s.studyId, { state: "RUNNING" }),
      await storage.createTrial(s.studyId, { state: "RUNNING" }),
      await storage.createTrial(s.studyId, { state: "RUNNING" }),
    ];
    const before = await storage.getTrials(s.studyId);
    await storage.updateTrial(a.trialId, { intermediateValues: [{ step: 0, value: 1 }] });
    await storage.updateTrial(b.trialId, { intermediateValues: [{ step: 0, value: 2 }] });
    const all = await storage.getTrials(s.studyId, { changedSince: before.version });
    const others = await storage.getTrials(s.studyId, { changedSince: before.version, excludeTrialIds: [a.trialId] });
    expect(all.trials.map((t) => t.number)).toEqual([a.number, b.number]);
    expect(others.trials.map((t) => t.number)).toEqual([b.number]);
    expect(others.version).toBe(all.version);
    expect((await storage.getTrials(s.studyId, { excludeTrialIds: [a.trialId, c.trialId] })).trials.map((t) => t.number)).toEqual([b.number]);
    expect((await storage.getTrials(s.studyId, { excludeTrialIds: [] })).trials).toHaveLength(3);
  });
});
