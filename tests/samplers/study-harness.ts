/**
 * A minimal in-memory ask/tell loop for sampler tests: builds FrozenTrials the way the core
 * does (relative proposal at trial start, independent proposals for the rest) without
 * storage, so sampler behaviour is tested on its own.
 */
import {
  type Distribution,
  type FrozenTrial,
  type ParamValue,
  type Pruner,
  type Sampler,
  type StudyDirection,
  type StudyView,
  type TrialState,
} from "hpo";
import { distributionsEqual } from "../../src/distributions/distribution-ops.ts";
import { nextStudyViewVersion } from "../../src/vocabulary/study-view.ts";

/** Suggest function handed to a harness objective. */
export type Suggest = (name: string, distribution: Distribution) => ParamValue;

/** A harness study: its trials, a view for samplers, and ask/tell helpers. */
export class HarnessStudy {
  readonly trials: FrozenTrial[] = [];
  readonly view: StudyView;
  #version = nextStudyViewVersion();

  constructor(
    readonly sampler: Sampler,
    readonly directions: readonly StudyDirection[] = ["minimize"],
    pruner: Pruner = { prune: () => false },
  ) {
    const trials = this.trials;
    const version = (): number => this.#version;
    const view: StudyView = {
      studyName: "harness",
      directions,
      get version() {
        return version();
      },
      getTrials: (states) => (states ? trials.filter((t) => states.includes(t.state)) : trials),
      samplingView: (trial) => pruner.samplingView?.(view, trial) ?? view,
    };
    this.view = view;
  }

  /** Starts a trial: RUNNING, no params, relative proposal made. */
  ask(): HarnessTrial {
    const number = this.trials.length;
    const frozen = frozenTrial({ number, state: "RUNNING" });
    this.trials.push(frozen);
    this.changed();
    return new HarnessTrial(this, number);
  }

  /** Finishes a trial with a value (COMPLETE), or as PRUNED/FAIL. */
  tell(trial: HarnessTrial, result: number | number[] | { state: TrialState; intermediate?: [number, number][] }): FrozenTrial {
    const current = this.trials[trial.number];
    let next: FrozenTrial;
    if (typeof result === "number" || Array.isArray(result)) {
      const values = Array.isArray(result) ? result : [result];
      next = { ...current, state: "COMPLETE", value: values[0], values };
    } else {
      const intermediate = new Map(result.intermediate ?? current.intermediateValues);
      const last = [...intermediate.entries()].sort((a, b) => a[0] - b[0]).at(-1);
      const value = result.state === "PRUNED" && last ? last[1] : null;
      next = { ...current, state: result.state, value, values: value === null ? null : [value], intermediateValues: intermediate };
    }
    this.trials[trial.number] = next;
    this.changed();
    return next;
  }

  /** Gives the view a new version: call after every change to `trials` (StudyView's promise). */
  changed(): void {
    this.#version = nextStudyViewVersion();
  }

  /** Runs `objective` for n trials; returns the values in order. */
  optimize(objective: (suggest: Suggest, trial: HarnessTrial) => number, nTrials: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < nTrials; i++) {
      const trial = this.ask();
      const v = objective((name, d) => trial.suggest(name, d), trial);
      this.tell(trial, v);
      out.push(v);
    }
    return out;
  }
}

/** A running harness trial: suggest follows the core's relative-then-independent protocol. */
export class HarnessTrial {
  readonly relativeSpace: Record<string, Distribution>;
  readonly relativeParams: Record<string, ParamValue>;

  constructor(
    readonly study: HarnessStudy,
    readonly number: number,
  ) {
    const frozen = study.trials[number];
    study.sampler.beforeTrial?.(study.view, frozen);
    this.relativeSpace = study.sampler.inferRelativeSearchSpace(study.view, frozen);
    this.relativeParams = study.sampler.sampleRelative(study.view, frozen, this.relativeSpace);
  }

  get frozen(): FrozenTrial {
    return this.study.trials[this.number];
  }

  /** Suggests a value (relative when the sampler proposed one for this distribution). */
  suggest(name: string, distribution: Distribution): ParamValue {
    const frozen = this.frozen;
    if (name in frozen.params) return frozen.params[name];
    const rel = this.relativeSpace[name];
    const value =
      name in this.relativeParams && rel !== undefined && distributionsEqual(rel, distribution)
        ? this.relativeParams[name]
        : this.study.sampler.sampleIndependent(this.study.view, frozen, name, distribution);
    this.study.trials[this.number] = {
      ...frozen,
      params: { ...frozen.params, [name]: value },
      distributions: { ...frozen.distributions, [name]: distribution },
    };
    this.study.changed();
    return value;
  }

  /** Records an intermediate value. */
  report(value: number, step: number): void {
    const frozen = this.frozen;
    const intermediateValues = new Map(frozen.intermediateValues);
    intermediateValues.set(step, value);
    this.study.trials[this.number] = { ...frozen, intermediateValues };
    this.study.changed();
  }
}

/** A FrozenTrial with defaults for every field not given. */
export function frozenTrial(fields: Partial<FrozenTrial> & { number: number }): FrozenTrial {
  return {
    trialId: fields.number + 1000,
    state: "COMPLETE",
    value: null,
    values: fields.value !== undefined && fields.value !== null ? [fields.value] : null,
    params: {},
    distributions: {},
    intermediateValues: new Map(),
    metrics: new Map(),
    userAttrs: {},
    systemAttrs: {},
    datetimeStart: null,
    datetimeComplete: null,
    ...fields,
  };
}
