import { describe, expect, it } from "vitest";
import { InMemoryStorage, type FrozenTrial, type TrialState } from "hpo";
import { SeededRandom } from "../../src/random/seeded-random.ts";
import { TrialHistory } from "../../src/study/trial-history.ts";
import { buildFrozenTrial } from "../../src/storage/build-frozen-trial.ts";

const STATES: readonly TrialState[] = ["WAITING", "RUNNING", "COMPLETE", "PRUNED", "FAIL"];
const QUERIES: readonly (readonly TrialState[] | undefined)[] = [undefined, ["COMPLETE"], ["COMPLETE", "PRUNED"], ["RUNNING"], ["PRUNED", "COMPLETE", "RUNNING"]];

function trial(number: number, state: TrialState, tag: number): FrozenTrial {
  return buildFrozenTrial({
    trialId: number + 1,
    number,
    state,
    params: [],
    values: state === "COMPLETE" ? [tag] : null,
    intermediate: [],
    userAttrs: {},
    systemAttrs: {},
    datetimeStart: null,
    datetimeComplete: null,
  });
}

describe("TrialHistory lists", () => {
  it("match a plain filter of the history after any sequence of changes, and never change once handed out", () => {
    const history = new TrialHistory(new InMemoryStorage(), 1, "lists", ["minimize"], { prune: () => false });
    const rng = new SeededRandom(7);
    const latest = new Map<number, FrozenTrial>();
    const handedOut: { list: readonly FrozenTrial[]; copy: FrozenTrial[] }[] = [];
    for (let step = 0; step < 3000; step++) {
      // Mostly new trials at the end, some changes to old ones (states only move forward).
      const number = rng.random() < 0.6 ? latest.size : Math.floor(rng.random() * (latest.size + 1));
      const known = latest.get(number);
      const forward = known && known.state !== "WAITING" && known.state !== "RUNNING" ? [known.state] : STATES.slice(known?.state === "RUNNING" ? 1 : 0);
      const t = trial(number, forward[Math.floor(rng.random() * forward.length)], step);
      history.upsert(t);
      latest.set(number, t);
      if (step % 7 === 0) {
        const query = QUERIES[step % QUERIES.length];
        const got = history.getTrials(query);
        const expected = [...latest.values()].filter((x) => !query || query.includes(x.state)).sort((a, b) => a.number - b.number);
        expect(got).toEqual(expected);
        handedOut.push({ list: got, copy: [...got] });
      }
    }
    for (const { list, copy } of handedOut) expect(list).toEqual(copy);
  });

  it("hands out the same list while nothing changed", () => {
    const history = new TrialHistory(new InMemoryStorage(), 1, "same", ["minimize"], { prune: () => false });
    history.upsert(trial(0, "COMPLETE", 1));
    const first = history.getTrials(["COMPLETE"]);
    expect(history.getTrials(["COMPLETE"])).toBe(first);
    history.upsert(trial(1, "RUNNING", 2));
    expect(history.getTrials(["COMPLETE"])).toBe(first);
    expect(history.getTrials()).toHaveLength(2);
  });
});
