import { describe, expect, it } from "vitest";
import { TrackerHub, type ReportEvent, type Tracker } from "hpo";
import { frozenTrial } from "./support/frozen-trials.ts";

const report = (trialNumber: number, step: number): ReportEvent => ({ studyName: "s", trialNumber, step, value: step, metrics: { value: step }, params: {} });

/** A tracker that records what it receives, in order. */
function recorder(name = "rec"): Tracker & { seen: string[] } {
  const seen: string[] = [];
  return {
    name,
    seen,
    onStudyStart: (e) => void seen.push(`start ${e.studyName}`),
    onTrialStart: (e) => void seen.push(`trial ${e.trial.number}`),
    onReport: async (e) => {
      await new Promise((r) => setTimeout(r, 1));
      seen.push(`report ${e.trialNumber}@${e.step}`);
    },
    onTrialFinish: (e) => void seen.push(`finish ${e.trial.number} ${e.trial.state}`),
    onStudyEnd: (e) => void seen.push(`end ${e.reason}`),
  };
}

describe("TrackerHub", () => {
  it("delivers events to each tracker in order, asynchronously", async () => {
    const a = recorder("a");
    const b = recorder("b");
    const hub = new TrackerHub([a, b]);
    hub.studyStart({ studyName: "s", directions: ["minimize"], finishedBefore: 0 });
    hub.trialStart({ studyName: "s", trial: frozenTrial({ number: 0, state: "RUNNING" }) });
    hub.report(report(0, 1));
    hub.report(report(0, 2));
    hub.trialFinish({ studyName: "s", trial: frozenTrial({ number: 0, state: "COMPLETE", value: 1 }) });
    hub.studyEnd({ studyName: "s", reason: "completed" });
    expect(a.seen).toEqual([]); // nothing ran on the caller's stack
    await hub.close();
    const expected = ["start s", "trial 0", "report 0@1", "report 0@2", "finish 0 COMPLETE", "end completed"];
    expect(a.seen).toEqual(expected);
    expect(b.seen).toEqual(expected);
  });

  it("logs a failing hook once, keeps delivering the other hooks and the other trackers", async () => {
    const logs: string[] = [];
    const ok = recorder("ok");
    let calls = 0;
    const flaky: Tracker = {
      name: "flaky",
      onReport: () => {
        calls++;
        throw new Error("boom");
      },
      onTrialFinish: async () => {
        throw new Error("async boom");
      },
    };
    const hub = new TrackerHub([flaky, ok], (m) => logs.push(m));
    for (let s = 0; s < 5; s++) hub.report(report(0, s));
    hub.trialFinish({ studyName: "s", trial: frozenTrial({ number: 0, state: "FAIL" }) });
    await hub.close();
    expect(calls).toBe(5);
    expect(logs).toEqual([
      'hpo: tracker "flaky" failed in onReport: boom (the study goes on)',
      'hpo: tracker "flaky" failed in onTrialFinish: async boom (the study goes on)',
    ]);
    expect(ok.seen).toHaveLength(6);
  });

  it("never waits on a hung tracker: close gives up after its timeout, the others are delivered", async () => {
    const logs: string[] = [];
    const ok = recorder("ok");
    const hung: Tracker = { name: "hung", onTrialStart: () => new Promise<void>(() => {}) };
    const hub = new TrackerHub([hung, ok], (m) => logs.push(m));
    const started = Date.now();
    hub.trialStart({ studyName: "s", trial: frozenTrial({ number: 0, state: "RUNNING" }) });
    expect(Date.now() - started).toBeLessThan(50);
    await hub.close(100);
    expect(ok.seen).toEqual(["trial 0"]);
    expect(logs).toEqual(['hpo: tracker "hung" failed in close: did not finish within 100 ms (the study goes on)']);
  });

  it("bounds what a hung tracker holds: reports past the bound are dropped and counted", async () => {
    const logs: string[] = [];
    const hung: Tracker = { name: "hung", onStudyStart: () => new Promise<void>(() => {}), onReport: () => {} };
    const hub = new TrackerHub([hung], (m) => logs.push(m));
    hub.studyStart({ studyName: "s", directions: ["minimize"], finishedBefore: 0 });
    for (let s = 0; s < 10_005; s++) hub.report(report(0, s));
    await hub.close(20);
    expect(logs[0]).toBe('hpo: tracker "hung" fell behind; 5 reports were not delivered to it');
  });

  it("keeps trackers with the same name apart, and ignores events after close", async () => {
    const logs: string[] = [];
    const failing = (): Tracker => ({ name: "same", onReport: () => Promise.reject(new Error("x")) });
    const after = recorder();
    const hub = new TrackerHub([failing(), failing(), after], (m) => logs.push(m));
    hub.report(report(0, 0));
    await hub.close();
    hub.report(report(0, 1));
    await hub.close();
    expect(logs).toHaveLength(2);
    expect(after.seen).toEqual(["report 0@0"]);
  });
});
