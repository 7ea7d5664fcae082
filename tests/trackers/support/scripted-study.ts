import { TrackerHub, type Tracker } from "hpo";
import { frozenTrial } from "./frozen-trials.ts";

/**
 * Drives trackers through a TrackerHub exactly as `optimize` does, with a fixed script:
 * trial 0 completes (params up front), trial 1 is define-by-run and pruned (its events
 * interleave with trial 0's), trial 2 fails after reporting a step twice and a step that
 * goes backwards. Returns once the hub is closed.
 */
export async function runScriptedStudy(trackers: Tracker[], studyName = "sweep-a", log?: (m: string) => void): Promise<void> {
  const hub = new TrackerHub(trackers, log);
  const t0 = new Date(Date.now() - 5_000);
  hub.studyStart({ studyName, directions: ["maximize"], nTrials: 3, finishedBefore: 0 });
  hub.trialStart({ studyName, trial: frozenTrial({ number: 0, state: "RUNNING", params: { lr: 0.01, layers: 2 }, start: t0 }) });
  hub.trialStart({ studyName, trial: frozenTrial({ number: 1, state: "RUNNING", start: t0 }) });
  hub.report({ studyName, trialNumber: 0, step: 1, value: 0.5, metrics: { value: 0.5 }, params: { lr: 0.01, layers: 2 } });
  hub.report({ studyName, trialNumber: 1, step: 1, value: 0.2, metrics: { value: 0.2 }, params: { lr: 0.1 } });
  hub.report({ studyName, trialNumber: 0, step: 2, value: 0.7, metrics: { value: 0.7 }, params: { lr: 0.01, layers: 2 } });
  hub.report({ studyName, trialNumber: 1, step: 2, value: 0.1, metrics: { value: 0.1 }, params: { lr: 0.1, freeze: "encoder" } });
  await pause(30);
  hub.report({ studyName, trialNumber: 0, step: 3, value: 0.9, metrics: { value: 0.9 }, params: { lr: 0.01, layers: 2 } });
  hub.trialFinish({
    studyName,
    trial: frozenTrial({ number: 1, state: "PRUNED", params: { lr: 0.1, freeze: "encoder" }, value: 0.1, intermediate: [[1, 0.2], [2, 0.1]], start: t0 }),
  });
  hub.trialFinish({
    studyName,
    trial: frozenTrial({ number: 0, state: "COMPLETE", params: { lr: 0.01, layers: 2 }, value: 0.95, intermediate: [[1, 0.5], [2, 0.7], [3, 0.9]], start: t0, userAttrs: { epochs: 3 } }),
  });
  hub.trialStart({ studyName, trial: frozenTrial({ number: 2, state: "RUNNING", params: { lr: 0.5 }, start: t0 }) });
  hub.report({ studyName, trialNumber: 2, step: 4, value: 1.5, metrics: { value: 1.5 }, params: { lr: 0.5 } });
  hub.report({ studyName, trialNumber: 2, step: 4, value: 9.9, metrics: { value: 9.9 }, params: { lr: 0.5 } });
  hub.report({ studyName, trialNumber: 2, step: 2, value: 8.8, metrics: { value: 8.8 }, params: { lr: 0.5 } });
  hub.report({ studyName, trialNumber: 2, step: 6, value: Number.NaN, metrics: { value: Number.NaN }, params: { lr: 0.5 } });
  hub.trialFinish({ studyName, trial: frozenTrial({ number: 2, state: "FAIL", params: { lr: 0.5 }, intermediate: [[4, 1.5], [6, Number.NaN]], start: t0 }) });
  hub.studyEnd({ studyName, reason: "completed" });
  await hub.close(10_000);
}

/** What the scripted study should leave in any W&B backend, per trial number. */
export const EXPECTED_RUNS = [
  {
    displayName: "trial-0",
    config: { lr: 0.01, layers: 2 },
    steps: [1, 2, 3],
    values: [0.5, 0.7, 0.9],
    summary: { value: 0.95, trial_state: "complete", trial_number: 0, _step: 3, user_attrs: { epochs: 3 } },
    exitCode: 0,
  },
  {
    displayName: "trial-1",
    config: { lr: 0.1, freeze: "encoder" },
    steps: [1, 2],
    values: [0.2, 0.1],
    summary: { value: 0.1, trial_state: "pruned", trial_number: 1, _step: 2 },
    exitCode: 0,
  },
  {
    displayName: "trial-2",
    config: { lr: 0.5 },
    steps: [4, 6],
    values: [1.5, Number.NaN],
    summary: { value: Number.NaN, trial_state: "failed", trial_number: 2, _step: 6 },
    exitCode: 1,
  },
] as const;

/** Resolves after `ms`. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
