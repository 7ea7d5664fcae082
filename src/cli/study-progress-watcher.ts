import type { Study } from "../study/study.ts";
import { TrialHistory } from "../study/trial-history.ts";
import type { Tracker } from "../tracking/tracker.ts";
import { isFinished, type TrialState } from "../trial/trial-state.ts";

/**
 * Follows a study that other processes run (hpo run --workers): on every committed event
 * it reads what changed and tells the tracker about trials that started or finished, so
 * the parent shows one progress display for all workers.
 */
export async function watchStudyProgress(study: Study, tracker: Tracker): Promise<() => Promise<void>> {
  const known = new Map<number, TrialState>();
  // Its own history, of every state: the study's may skip other workers' running trials.
  const view = new TrialHistory(study.storage, study.studyId, study.studyName, study.directions, study.pruner);
  await view.refresh();
  for (const t of view.getTrials()) known.set(t.number, t.state);
  let scheduled = false;
  let stopped = false;
  const update = async () => {
    scheduled = false;
    if (stopped) return;
    await view.refresh();
    for (const t of view.getTrials()) {
      const before = known.get(t.number);
      if (before === t.state) continue;
      known.set(t.number, t.state);
      if (t.state === "WAITING") continue;
      const startedNow = before === undefined || before === "WAITING";
      if (startedNow) tracker.onTrialStart?.({ studyName: study.studyName, trial: t });
      if (isFinished(t.state)) tracker.onTrialFinish?.({ studyName: study.studyName, trial: t });
    }
  };
  const unwatch = await study.storage.watchEvents((studyId) => {
    if (studyId !== study.studyId || scheduled) return;
    scheduled = true;
    // Coalesce bursts of events into one read.
    setTimeout(() => void update().catch(() => undefined), 100);
  });
  return async () => {
    stopped = true;
    await unwatch();
    await update().catch(() => undefined);
  };
}
