import type { FrozenTrial, StudyDirection, StudyView } from "hpo";
import { nextStudyViewVersion } from "../../src/vocabulary/study-view.ts";

/** A study view whose trials a test replaces, counting its reads: what a cache keyed on the version is checked with. */
export interface ChangingView {
  readonly view: StudyView;
  /** The trials the view lists now. */
  readonly trials: FrozenTrial[];
  /** Replaces the trials (a new array, as StudyView promises) and gives the view a new version. */
  change(next: FrozenTrial[]): void;
  /** How many times getTrials was called. */
  readonly reads: number;
}

/** A view over `initial` that ignores `states` unless `filter` (then it filters by them, as a study's history does). */
export function changingView(initial: FrozenTrial[], options: { filter?: boolean; directions?: readonly StudyDirection[] } = {}): ChangingView {
  let trials = initial;
  let version = nextStudyViewVersion();
  let reads = 0;
  const view: StudyView = {
    studyName: "changing",
    directions: options.directions ?? ["minimize"],
    get version() {
      return version;
    },
    getTrials: (states) => {
      reads++;
      return states && options.filter ? trials.filter((t) => states.includes(t.state)) : trials;
    },
  };
  return {
    view,
    get trials() {
      return trials;
    },
    change(next) {
      trials = next;
      version = nextStudyViewVersion();
    },
    get reads() {
      return reads;
    },
  };
}
