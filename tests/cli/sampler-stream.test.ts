/**
 * Processes that load one seeded study file must not propose the same trials: pool workers
 * and continued runs move the sampler to a stream of its own, deterministically; a fresh
 * single-process run keeps the seed's first stream (Optuna's).
 */
import { describe, expect, it } from "vitest";
import { floatDistribution, RandomSampler, type Sampler, TPESampler } from "hpo";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";
import {
  RUN_START_TRIALS_ENV,
  separateSamplerStream,
  WORKER_INDEX_ENV,
} from "../../src/cli/sampler-stream.ts";
import { frozenTrial } from "../samplers/study-harness.ts";

const X = floatDistribution(0, 1);

function firstDraws(sampler: Sampler, n = 3): number[] {
  const view = studyViewOf({ trials: [] });
  return Array.from({ length: n }, (_, i) => sampler.sampleIndependent(view, frozenTrial({ number: i, state: "RUNNING" }), "x", X) as number);
}

describe("reseedRng", () => {
  for (const make of [(seed: number) => new RandomSampler({ seed }), (seed: number) => new TPESampler({ seed })]) {
    it(`${make(0).constructor.name}: another stream of the same seed, the same for the same salt`, () => {
      const plain = firstDraws(make(4));
      const salted = make(4);
      salted.reseedRng(7);
      const again = make(4);
      again.reseedRng(7);
      const other = make(4);
      other.reseedRng(8);
      const draws = firstDraws(salted);
      expect(draws).not.toEqual(plain);
      expect(firstDraws(again)).toEqual(draws);
      expect(firstDraws(other)).not.toEqual(draws);
    });
  }
});

describe("separateSamplerStream", () => {
  it("keeps a fresh single-process run on the seed's first stream", () => {
    const sampler = new RandomSampler({ seed: 1 });
    expect(separateSamplerStream(sampler, { kind: "runner", trialsAtStart: 0 })).toBe(false);
    expect(firstDraws(sampler)).toEqual(firstDraws(new RandomSampler({ seed: 1 })));
  });

  it("moves a continued run to a stream set by the study's size, so it does not replay the first run", () => {
    const a = new RandomSampler({ seed: 1 });
    const b = new RandomSampler({ seed: 1 });
    expect(separateSamplerStream(a, { kind: "runner", trialsAtStart: 4 })).toBe(true);
    separateSamplerStream(b, { kind: "runner", trialsAtStart: 4 });
    expect(firstDraws(a)).toEqual(firstDraws(b));
    expect(firstDraws(a)).not.toEqual(firstDraws(new RandomSampler({ seed: 1 })));
  });

  it("gives pool workers distinct, repeatable streams, and a hand-started worker a random one", () => {
    const worker = (index: number) => {
      const s = new TPESampler({ seed: 1 });
      separateSamplerStream(s, { kind: "worker", env: { [WORKER_INDEX_ENV]: String(index), [RUN_START_TRIALS_ENV]: "0" } });
      return firstDraws(s);
    };
    expect(worker(0)).not.toEqual(worker(1));
    expect(worker(1)).toEqual(worker(1));
    const loose = new TPESampler({ seed: 1 });
    expect(separateSamplerStream(loose, { kind: "worker", env: {} })).toBe(true);
    expect(firstDraws(loose)).not.toEqual(firstDraws(new TPESampler({ seed: 1 })));
  });

  it("leaves samplers without reseedRng alone", () => {
    const sampler: Sampler = { inferRelativeSearchSpace: () => ({}), sampleRelative: () => ({}), sampleIndependent: () => 0.5 };
    expect(separateSamplerStream(sampler, { kind: "runner", trialsAtStart: 3 })).toBe(false);
    expect(separateSamplerStream(undefined, { kind: "worker", env: {} })).toBe(false);
  });
});
