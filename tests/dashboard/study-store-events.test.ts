// The dashboard's store, fed a storage's own events from an empty snapshot, ends with the
// trials the storage holds: here a failed trial's retry, whose retry_of comes only with
// its trial_created event.
import { describe, expect, it } from "vitest";
import { openStorage } from "hpo";
import { eventToFeed } from "../../src/feed/feed-json.ts";
// @ts-expect-error: the dashboard's plain-JS module has no type declarations.
import { StudyStore } from "../../dashboard/study-store.js";

describe("dashboard StudyStore", () => {
  it("takes the attrs a trial_created event carries (a retry's retry_of)", async () => {
    const storage = await openStorage("memory");
    const s = await storage.createStudy("store-retry", ["minimize"]);
    const failed = await storage.createTrial(s.studyId, { state: "RUNNING", workerId: "w0" });
    await storage.updateTrial(failed.trialId, { systemAttrs: { fail_reason: "boom" }, finish: { state: "FAIL", values: null } });
    const [report] = await storage.retryFailedTrials(s.studyId, { reasons: ["boom"], maxRetries: 1 });
    const retry = (await storage.getTrials(s.studyId)).trials.find((t) => t.number === report.retry)!;
    expect(retry.systemAttrs).toHaveProperty("retry_of");

    const store = new StudyStore();
    store.reset({ study: { userAttrs: {}, systemAttrs: {} }, trials: [], seq: 0 });
    store.apply((await storage.readEvents(s.studyId, 0)).map(eventToFeed));
    const shown = store.trials.get(retry.number);
    expect(shown.state).toBe("WAITING");
    expect(shown.systemAttrs).toEqual(retry.systemAttrs);
    expect(shown.userAttrs).toEqual(retry.userAttrs);
    await storage.close();
  });
});
