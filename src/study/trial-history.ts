import type { Pruner } from "../pruners/pruner.ts";
import type { Storage } from "../storage/storage.ts";
import type { FrozenTrial } from "../trial/frozen-trial.ts";
import { isFinished, type TrialState } from "../trial/trial-state.ts";
import type { StudyDirection } from "./study-direction.ts";
import type { StudyView } from "./study-view.ts";

/**
 * A study's trials, cached in process and refreshed incrementally: each refresh reads only
 * trials changed since the last one (by the study's event sequence), so asking and pruning
 * stay cheap as history grows and see other workers' trials.
 */
export class TrialHistory implements StudyView {
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  readonly pruner: Pruner;
  readonly #storage: Storage;
  readonly #studyId: number;
  /** Indexed by trial number (numbers are dense per study). */
  readonly #trials: (FrozenTrial | undefined)[] = [];
  #version = -1;
  #all: FrozenTrial[] | null = null;
  readonly #byStates = new Map<string, FrozenTrial[]>();
  #inflight: Promise<void> | null = null;
  #queued: Promise<void> | null = null;

  constructor(storage: Storage, studyId: number, studyName: string, directions: readonly StudyDirection[], pruner: Pruner) {
    this.#storage = storage;
    this.#studyId = studyId;
    this.studyName = studyName;
    this.directions = directions;
    this.pruner = pruner;
  }

  /** Brings the cache up to date with storage; concurrent callers share one round trip. */
  refresh(): Promise<void> {
    if (!this.#inflight) return this.#start();
    // A refresh already running may have read before the caller's writes: queue one more.
    this.#queued ??= this.#inflight.then(
      () => {
        this.#queued = null;
        return this.#start();
      },
      () => {
        this.#queued = null;
        return this.#start();
      },
    );
    return this.#queued;
  }

  #start(): Promise<void> {
    const run = (async () => {
      const { trials, version } = await this.#storage.getTrials(this.#studyId, { changedSince: this.#version });
      for (const t of trials) this.#put(t);
      if (version > this.#version) this.#version = version;
    })();
    this.#inflight = run.finally(() => {
      if (this.#inflight === guarded) this.#inflight = null;
    });
    const guarded = this.#inflight;
    return guarded;
  }

  /** Records a trial this process just created or changed (before the next refresh). */
  upsert(trial: FrozenTrial): void {
    this.#put(trial);
  }

  /** Trials ordered by number, optionally filtered by state. */
  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    if (!this.#all) {
      this.#all = this.#trials.filter((t): t is FrozenTrial => t !== undefined);
      this.#byStates.clear();
    }
    if (!states) return this.#all;
    const key = states.length === 1 ? states[0] : [...states].sort().join(",");
    let list = this.#byStates.get(key);
    if (!list) {
      list = this.#all.filter((t) => states.includes(t.state));
      this.#byStates.set(key, list);
    }
    return list;
  }

  /** The cached trial with that number, if known. */
  byNumber(number: number): FrozenTrial | undefined {
    return this.#trials[number];
  }

  #put(t: FrozenTrial): void {
    const known = this.#trials[t.number];
    // A read that raced our own finish may bring an older snapshot; states only move forward.
    if (known && isFinished(known.state) && !isFinished(t.state)) return;
    this.#trials[t.number] = t;
    this.#all = null;
  }
}
