import type { Study } from "../study/study.ts";
import { TrialHistory } from "../study/trial-history.ts";
import type { Tracker } from "../tracking/tracker.ts";
import { isFinished, type TrialState } from "../vocabulary/trial-state.ts";

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
  let reading: Promise<void> = Promise.resolve();
  const read = async () => {
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
  // Reads run one after another, so a state change is never told twice.
  const update = (): Promise<void> => (reading = reading.then(read).catch(() => undefined));
  const unwatch = await study.storage.watchEvents((studyId) => {
    if (studyId !== study.studyId || scheduled) return;
    scheduled = true;
    // Coalesce bursts of events into one read.
    setTimeout(() => {
      scheduled = false;
      if (!stopped) void update();
    }, 100);
  });
  return async () => {
    stopped = true;
    await unwatch();
    // The last read catches up with everything the workers finished (before: it returned
    // early once stopped, so the bar could end at 2/4 and miss a failure's line).
    await update();
  };
}
