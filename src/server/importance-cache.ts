import { paramImportancesAsync, type ParamImportanceResult } from "../importance/param-importance.ts";
import type { Storage, StudyRecord } from "../storage/storage.ts";

/** Trials the server feeds the estimator at most (the most recent COMPLETE ones), to bound its cost. */
export const MAX_IMPORTANCE_TRIALS = 1000;

const MAX_ENTRIES = 64;

/**
 * Parameter importances per study, objective and seed, recomputed only when the study has
 * more COMPLETE trials than when it was last computed (a COMPLETE trial never changes, so
 * the count identifies the input). Concurrent requests share one computation.
 */
export class ImportanceCache {
  readonly #storage: Storage;
  readonly #entries = new Map<string, { complete: number; result: Promise<ParamImportanceResult> }>();

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** The importances of a study's COMPLETE trials. */
  async get(study: StudyRecord, objective: number, seed: number): Promise<ParamImportanceResult> {
    const { trials } = await this.#storage.getTrials(study.studyId, { states: ["COMPLETE"] });
    const key = `${study.studyId}:${objective}:${seed}`;
    const hit = this.#entries.get(key);
    if (hit && hit.complete === trials.length) return hit.result;
    const recent = trials.length > MAX_IMPORTANCE_TRIALS ? [...trials].sort((a, b) => a.number - b.number).slice(-MAX_IMPORTANCE_TRIALS) : trials;
    const result = paramImportancesAsync(recent, { objective, seed });
    this.#entries.delete(key);
    this.#entries.set(key, { complete: trials.length, result });
    result.catch(() => this.#entries.delete(key));
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    return result;
  }
}
