import { describe, expect, it } from "vitest";
import { estimateRemainingMs, renderProgressLine, type ProgressFacts } from "../../trackers/console/progress-line.ts";

const facts: ProgressFacts = {
  done: 1234,
  total: 5000,
  running: 16,
  pruned: 321,
  failed: 12,
  best: { value: -1.234567e-7, number: 4321 },
  elapsedMs: 3 * 3600_000 + 25 * 60_000,
  etaMs: 10 * 3600_000,
};

describe("renderProgressLine", () => {
  it("uses the full form when it fits, and always stays below the width", () => {
    expect(renderProgressLine(facts, 200)).toBe(
      "[######------------------] 1234/5000 trials, 16 running, 321 pruned, 12 failed, best -1.235e-7 (#4321) | 3:25:00 eta 10:00:00",
    );
    for (const columns of [120, 100, 80, 60, 40, 20, 1]) {
      const line = renderProgressLine(facts, columns);
      expect(line.length, `${columns}: ${line}`).toBeLessThan(Math.max(2, columns));
    }
    expect(renderProgressLine(facts, 80)).toMatch(/^1234\/5000 16 run 321 pru 12 fail best -1\.235e-7 \(#4321\) 3:25:00 eta 10:00:00$/);
  });

  it("has no bar and no ETA without a budget, and no best before a COMPLETE trial", () => {
    expect(renderProgressLine({ ...facts, total: undefined, best: null, etaMs: null }, 80)).toBe("1234 trials, 16 running, 321 pruned, 12 failed | 3:25:00");
  });
});

describe("estimateRemainingMs", () => {
  it("counts down while a trial runs and never goes below zero", () => {
    expect(estimateRemainingMs(0, 10, 0, 5000)).toBeNull();
    expect(estimateRemainingMs(2, undefined, 1000, 0)).toBeNull();
    expect(estimateRemainingMs(2, 3, 10_000, 0)).toBe(15_000);
    expect(estimateRemainingMs(2, 3, 10_000, 4000)).toBe(11_000);
    expect(estimateRemainingMs(2, 3, 10_000, 60_000)).toBe(0);
  });
});
