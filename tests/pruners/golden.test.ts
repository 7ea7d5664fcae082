import { describe, expect, it } from "vitest";
import { HyperbandPruner, SuccessiveHalvingPruner } from "hpo";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";
import { decode, loadGolden, replay } from "./golden-replay.ts";

const FILES = ["median", "percentile", "threshold", "patient", "successive-halving", "hyperband"] as const;

for (const file of FILES) {
  const golden = loadGolden(file);
  describe(`golden vs Optuna ${golden.meta.optuna}: ${file}`, () => {
    for (const scenario of golden.scenarios) {
      it(`${scenario.name}: every prune decision agrees`, () => {
        const { mismatches, decisions, study, pruner } = replay(scenario);
        expect(decisions).toBeGreaterThan(100);
        expect(mismatches.slice(0, 5)).toEqual([]);

        if (pruner instanceof SuccessiveHalvingPruner && scenario.rungs) {
          const rungs = study.getTrials().map((t) => [...pruner.rungValues(study, t)]);
          expect(rungs).toEqual(scenario.rungs.map((r) => r.map(decode)));
          expect(pruner.minResourceFor(study)).toBe(scenario.minResource);
        }
        if (pruner instanceof HyperbandPruner && scenario.brackets) {
          expect(study.getTrials().map((t) => pruner.bracketId(study, t.number))).toEqual(scenario.brackets);
          expect(pruner.bracketCount(study)).toBe(scenario.nBrackets);
        }
      });
    }
  });
}

describe("golden vs Optuna: Hyperband bracket assignment", () => {
  for (const table of loadGolden("hyperband").bracketTables ?? []) {
    it(`${JSON.stringify(table.studyName)} with ${JSON.stringify(table.options)}`, () => {
      const pruner = new HyperbandPruner(table.options);
      const study = studyViewOf({ studyName: table.studyName, trials: [] });
      expect(pruner.bracketCount(study)).toBe(table.nBrackets);
      expect(table.brackets.map((_, n) => pruner.bracketId(study, n))).toEqual(table.brackets);
    });
  }
});
