import { describe, expect, it } from "vitest";
import type { StudyView } from "hpo";
import { nextStudyViewVersion } from "../../src/vocabulary/study-view.ts";
import { CompletedStepIndex } from "../../src/pruners/internal/completed-step-index.ts";
import { running, trial } from "./history-builders.ts";
import { changingView } from "../support/changing-view.ts";

describe("CompletedStepIndex", () => {
  it("re-reads the study when its version moves, and only then", () => {
    const study = changingView([trial(0, [3, 2]), trial(1, [5, 4]), running(2, [1])], { filter: true });
    const index = new CompletedStepIndex();
    index.sync(study.view);
    expect([study.reads, index.size]).toEqual([1, 2]);
    expect(index.column(0).sorted).toEqual([3, 5]);
    index.sync(study.view);
    index.sync(study.view);
    expect(study.reads).toBe(1);

    study.change([trial(0, [3, 2]), trial(1, [5, 4]), trial(2, [1, 0])]);
    index.sync(study.view);
    expect([study.reads, index.size]).toEqual([2, 3]);
    expect(index.column(0).sorted).toEqual([1, 3, 5]);
    expect(index.finals).toEqual([0, 2, 4]);

    // Another view of the same name at another version: read, and rebuilt to match it.
    const other: StudyView = { studyName: study.view.studyName, directions: ["minimize"], version: nextStudyViewVersion(), getTrials: () => [trial(0, [7])] };
    index.sync(other);
    expect(index.size).toBe(1);
    expect(index.column(0).sorted).toEqual([7]);
    index.sync(study.view);
    expect([study.reads, index.size]).toEqual([3, 3]);
  });
});
