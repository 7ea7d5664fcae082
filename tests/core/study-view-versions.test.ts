import { describe, expect, it } from "vitest";
import { HyperbandPruner, InMemoryStorage } from "hpo";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";
import { derivedStudyView, DerivedStudyViews } from "../../src/vocabulary/derived-study-view.ts";
import { TrialHistory } from "../../src/study/trial-history.ts";
import { prunerViewFor } from "../../src/study/study-metric.ts";
import { trial } from "../pruners/history-builders.ts";
import { changingView } from "../support/changing-view.ts";

describe("StudyView versions", () => {
  it("are never shared: a fixed view keeps one, two views of the same trials have two", () => {
    const trials = [trial(0, [1, 2])];
    const a = studyViewOf({ trials });
    const b = studyViewOf({ trials });
    expect(a.version).toBe(a.version);
    expect(a.version).not.toBe(b.version);
  });

  it("TrialHistory takes a new version with every trial it takes in, and only then", async () => {
    const storage = new InMemoryStorage();
    const { studyId } = await storage.createStudy("versions", ["minimize"]);
    const history = new TrialHistory(storage, studyId, "versions", ["minimize"], { prune: () => false });
    const empty = history.version;
    await history.refresh();
    expect(history.version).toBe(empty);

    const created = await storage.createTrial(studyId, { state: "RUNNING" });
    await history.refresh();
    const one = history.version;
    expect(one).not.toBe(empty);
    const list = history.getTrials();
    expect(list.map((t) => t.number)).toEqual([created.number]);
    await history.refresh();
    expect(history.version).toBe(one);
    expect(history.getTrials()).toBe(list);

    history.upsert({ ...created, state: "COMPLETE", value: 1, values: [1] });
    const finished = history.version;
    expect(finished).not.toBe(one);
    // A late snapshot of the trial from before it finished is not taken in: no new version.
    history.upsert(created);
    expect(history.version).toBe(finished);
    expect(history.getTrials()[0].state).toBe("COMPLETE");
  });

  it("a derived view has versions of its own that move when, and only when, its parent's do", () => {
    const { view, change } = changingView([trial(0, [1]), trial(1, [2])], { filter: true });
    let asked = 0;
    const odd = derivedStudyView(view, {
      keepsFor: () => {
        asked++;
        return (t) => t.number % 2 === 1;
      },
    });
    const first = odd.version;
    expect(first).not.toBe(view.version);
    expect(odd.version).toBe(first);
    expect(odd.getTrials().map((t) => t.number)).toEqual([1]);
    expect(asked).toBe(1);

    change([trial(0, [1]), trial(1, [2]), trial(2, [3]), trial(3, [4])]);
    expect(odd.version).not.toBe(first);
    expect(odd.getTrials().map((t) => t.number)).toEqual([1, 3]);
    expect(asked).toBe(2);
  });

  it("the pruner's view with the metric's own direction follows the history", async () => {
    const storage = new InMemoryStorage();
    const { studyId } = await storage.createStudy("metric", ["maximize"]);
    const history = new TrialHistory(storage, studyId, "metric", ["maximize"], { prune: () => false });
    const view = prunerViewFor(history, { name: "loss", direction: "minimize" });
    expect(view.directions).toEqual(["minimize"]);
    const before = view.version;
    expect(view.version).toBe(before);
    await storage.createTrial(studyId, { state: "RUNNING" });
    await history.refresh();
    expect(view.version).not.toBe(before);
    expect(view.getTrials()).toHaveLength(1);
  });

  it("DerivedStudyViews hands out one view per parent and key", () => {
    const views = new DerivedStudyViews<number>();
    const { view } = changingView([trial(0, [1])]);
    const other = studyViewOf({ trials: [trial(0, [1])] });
    const a = views.of(view, 1, {});
    expect(views.of(view, 1, {})).toBe(a);
    expect(views.of(view, 2, {})).not.toBe(a);
    expect(views.of(other, 1, {})).not.toBe(a);
  });

  it("Hyperband's bracket view is the same object, at the same version, while the study stands", () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    const finished = Array.from({ length: 30 }, (_, n) => trial(n, [n, n + 1]));
    const { view, change } = changingView(finished, { filter: true });
    const current = trial(30, [], "RUNNING");
    const bracketView = pruner.samplingView(view, current);
    const version = bracketView.version;
    expect(pruner.samplingView(view, current)).toBe(bracketView);
    expect(bracketView.version).toBe(version);
    const bracket = pruner.bracketId(view, current.number);
    const members = bracketView.getTrials().map((t) => t.number);
    expect(members.length).toBeGreaterThan(0);
    expect(members.every((n) => pruner.bracketId(view, n) === bracket)).toBe(true);

    change([...finished, trial(31, [1, 2])]);
    expect(pruner.samplingView(view, current)).toBe(bracketView);
    expect(bracketView.version).not.toBe(version);
  });
});
