import type { StudyDirection } from "../../vocabulary/study-direction.ts";
import type { StudyView } from "../../vocabulary/study-view.ts";

/** The study's one direction; pruning a multi-objective study is refused, as in Optuna. */
export function singleDirection(study: StudyView, pruner: string): StudyDirection {
  if (study.directions.length !== 1) {
    throw new Error(`${pruner}: pruning is not supported for multi-objective studies (${study.directions.length} directions)`);
  }
  return study.directions[0];
}
