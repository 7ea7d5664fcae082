import type { StudyView } from "../../src/study/study-view.ts";
import type { FrozenTrial } from "../../src/trial/frozen-trial.ts";

/** A pruner that can narrow a study to the trials of one trial's bracket (Hyperband). */
interface BracketAwarePruner {
  bracketStudyView(study: StudyView, trial: FrozenTrial): StudyView;
}

function isBracketAware(pruner: unknown): pruner is BracketAwarePruner {
  return typeof pruner === "object" && pruner !== null && typeof (pruner as BracketAwarePruner).bracketStudyView === "function";
}

/**
 * The history TPE should learn from for `trial`: with a Hyperband-style pruner, only the
 * trials of the same bracket (as Optuna does, since brackets prune at different rates);
 * otherwise the whole study. Duck-typed so samplers do not depend on one pruner class.
 */
export function samplingView(study: StudyView, trial: FrozenTrial): StudyView {
  const pruner: unknown = study.pruner;
  return isBracketAware(pruner) ? pruner.bracketStudyView(study, trial) : study;
}
