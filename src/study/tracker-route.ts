import type { FailedTrialReport } from "../storage/storage.ts";
import type { TrackerHub } from "../tracking/tracker-hub.ts";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";

/**
 * Where a study's tracker events go: the trackers of the optimize call running now, if any.
 * Trials failed as stale while none runs are kept and told to the next call's trackers:
 * their own process died before it could tell its own.
 */
export class TrackerRoute {
  readonly #studyName: string;
  readonly #readTrial: (number: number) => Promise<FrozenTrial | null>;
  #hub: TrackerHub | null = null;
  #unannounced: FailedTrialReport[] = [];

  /** `readTrial` reads a trial as stored now (a failed trial's final state). */
  constructor(studyName: string, readTrial: (number: number) => Promise<FrozenTrial | null>) {
    this.#studyName = studyName;
    this.#readTrial = readTrial;
  }

  /** The trackers of the optimize call running now, or null. */
  get hub(): TrackerHub | null {
    return this.#hub;
  }

  /** Routes events to `hub`, telling it first the failures kept for it; the returned function restores the previous route. */
  async attach(hub: TrackerHub): Promise<() => void> {
    const previous = this.#hub;
    this.#hub = hub;
    const pending = this.#unannounced;
    this.#unannounced = [];
    await this.announceFailed(pending);
    return () => {
      this.#hub = previous;
    };
  }

  /** Tells the trackers that trials failed as stale ended FAIL, with their reason (or keeps them for the next ones). */
  async announceFailed(reports: readonly FailedTrialReport[]): Promise<void> {
    if (reports.length === 0) return;
    const hub = this.#hub;
    if (!hub) {
      this.#unannounced.push(...reports);
      return;
    }
    for (const r of reports) {
      const t = await this.#readTrial(r.failed).catch(() => null);
      if (t && t.state === "FAIL") hub.trialFinish({ studyName: this.#studyName, trial: t });
    }
  }
}
