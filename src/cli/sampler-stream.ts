import { deriveSeed, randomSeed } from "../numpy/index.ts";
import type { Sampler } from "../samplers/sampler.ts";

/** Set by `hpo run --workers` for each worker: its index, and how many trials the study had when the run began. */
export const WORKER_INDEX_ENV = "HPO_WORKER_INDEX";
export const RUN_START_TRIALS_ENV = "HPO_RUN_START_TRIALS";

/** Where this process stands among the processes running one study. */
export type StreamRole =
  | { kind: "runner"; trialsAtStart: number }
  | { kind: "worker"; env: Readonly<Record<string, string | undefined>> };

/**
 * Gives the study file's seeded sampler a stream of its own when this process is not the one
 * process running the study from its start: every process loads the same `seed`, and on
 * the seed's first stream they would all propose the same trials (and a continued run would
 * repeat the first run's). A fresh single-process run keeps the seed's first stream, the one
 * Optuna's sampler draws. Pool workers and continued runs get deterministic streams (seed,
 * trials at the start, worker index); a worker started by hand gets a random one.
 * Returns whether the stream changed.
 */
export function separateSamplerStream(sampler: Sampler | undefined, role: StreamRole): boolean {
  if (!sampler?.reseedRng) return false;
  if (role.kind === "runner") {
    if (role.trialsAtStart === 0) return false;
    sampler.reseedRng(deriveSeed(role.trialsAtStart, 0));
    return true;
  }
  const index = Number(role.env[WORKER_INDEX_ENV]);
  const trialsAtStart = Number(role.env[RUN_START_TRIALS_ENV]);
  if (Number.isInteger(index) && index >= 0 && Number.isInteger(trialsAtStart) && trialsAtStart >= 0) {
    sampler.reseedRng(deriveSeed(trialsAtStart, index + 1));
  } else {
    sampler.reseedRng(randomSeed());
  }
  return true;
}
