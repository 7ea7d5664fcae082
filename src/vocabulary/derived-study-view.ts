import type { FrozenTrial } from "./frozen-trial.ts";
import type { StudyDirection } from "./study-direction.ts";
import { nextStudyViewVersion, type StudyView } from "./study-view.ts";

/** What a derived view changes about its parent. */
export interface StudyViewDerivation {
  /** Directions to show instead of the parent's (a pruner watching a metric in its own direction). */
  readonly directions?: readonly StudyDirection[];
  /**
   * Which of the parent's trials to keep, given the parent: asked again whenever the
   * parent's version moves, so the choice may depend on the parent's trials (Hyperband's
   * brackets do); absent: all of them.
   */
  readonly keepsFor?: (parent: StudyView) => (trial: FrozenTrial) => boolean;
}

/**
 * A view derived from `parent` and read through it. Its version is its own (no two views
 * share one) and follows the parent's: a new one each time the parent's moves.
 */
export function derivedStudyView(parent: StudyView, derivation: StudyViewDerivation): StudyView {
  let seen = Number.NaN;
  let version = 0;
  let keeps: ((trial: FrozenTrial) => boolean) | null = null;
  const follow = (): void => {
    const current = parent.version;
    if (current === seen) return;
    seen = current;
    version = nextStudyViewVersion();
    keeps = derivation.keepsFor?.(parent) ?? null;
  };
  return {
    studyName: parent.studyName,
    directions: derivation.directions ?? parent.directions,
    get version() {
      follow();
      return version;
    },
    getTrials(states) {
      follow();
      const trials = parent.getTrials(states);
      return keeps ? trials.filter(keeps) : trials;
    },
  };
}

/**
 * Derived views made once per parent and key (Hyperband: one per bracket): a sampler that
 * asks again for the same part of the same view gets the same view, so the caches keyed on
 * its version keep their work.
 */
export class DerivedStudyViews<K> {
  readonly #views = new WeakMap<StudyView, Map<K, StudyView>>();

  /** The view derived from `parent` under `key`; `derivation` is used by the first call for that parent and key. */
  of(parent: StudyView, key: K, derivation: StudyViewDerivation): StudyView {
    let byKey = this.#views.get(parent);
    if (!byKey) this.#views.set(parent, (byKey = new Map()));
    let view = byKey.get(key);
    if (!view) byKey.set(key, (view = derivedStudyView(parent, derivation)));
    return view;
  }
}
