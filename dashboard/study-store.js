/**
 * A study's trials as the dashboard knows them: a snapshot from the feed, then every event
 * applied in order (the same changes the server's storage made).
 */
export class StudyStore {
  study = null;
  /** number -> trial */
  trials = new Map();
  seq = 0;
  /** Bumped on every change, so views can tell whether to redraw. */
  version = 0;
  /** Bumped when a trial completes (importance depends only on COMPLETE trials). */
  completeCount = 0;

  /** Replaces everything with a snapshot message. */
  reset(snapshot) {
    this.study = { ...snapshot.study, userAttrs: { ...snapshot.study.userAttrs }, systemAttrs: { ...snapshot.study.systemAttrs } };
    this.trials = new Map(snapshot.trials.map((t) => [t.number, fromFeed(t)]));
    this.seq = snapshot.seq;
    this.completeCount = [...this.trials.values()].filter((t) => t.state === "COMPLETE").length;
    this.version++;
  }

  /** Applies events (already in order, each after the last one seen). */
  apply(events) {
    for (const e of events) {
      if (e.seq <= this.seq) continue;
      this.seq = e.seq;
      this.#applyOne(e);
    }
    this.version++;
  }

  /** Trials in number order. */
  list() {
    return [...this.trials.values()].sort((a, b) => a.number - b.number);
  }

  #trial(number, at) {
    let t = this.trials.get(number);
    if (!t) {
      t = { number, trialId: null, workerId: null, state: "WAITING", value: null, values: null, params: {}, distributions: {}, intermediate: [], userAttrs: {}, systemAttrs: {}, start: null, complete: null, retriedBy: null, createdAt: at };
      this.trials.set(number, t);
    }
    return t;
  }

  #applyOne(e) {
    const at = Date.parse(e.at);
    const p = e.payload;
    if (e.type === "study_attr_set") {
      if (this.study) this.study[p.kind === "user" ? "userAttrs" : "systemAttrs"][p.key] = p.value;
      return;
    }
    if (e.trial === null || e.trial === undefined) return;
    const t = this.#trial(e.trial, at);
    switch (e.type) {
      case "trial_created":
        t.state = p.state;
        Object.assign(t.params, p.params ?? {});
        if (p.state === "RUNNING") t.start = at;
        if (p.workerId) t.workerId = p.workerId;
        break;
      case "trial_started":
        t.state = "RUNNING";
        t.start = at;
        if (p.workerId) t.workerId = p.workerId;
        break;
      case "param_set":
        t.params[p.name] = p.value;
        t.distributions[p.name] = p.distribution;
        break;
      case "reported": {
        const last = t.intermediate[t.intermediate.length - 1];
        if (!last || last[0] < p.step) t.intermediate.push([p.step, p.value]);
        else if (!t.intermediate.some(([s]) => s === p.step)) {
          t.intermediate.push([p.step, p.value]);
          t.intermediate.sort((a, b) => a[0] - b[0]);
        }
        break;
      }
      case "trial_attr_set":
        t[p.kind === "user" ? "userAttrs" : "systemAttrs"][p.key] = p.value;
        break;
      case "trial_completed":
      case "trial_pruned":
      case "trial_failed":
        if (p.state === "COMPLETE" && t.state !== "COMPLETE") this.completeCount++;
        t.state = p.state;
        t.values = p.values ?? null;
        t.value = t.values ? t.values[0] : null;
        t.complete = at;
        if (p.reason !== undefined) t.systemAttrs.fail_reason = p.reason;
        break;
      case "trial_retried":
        t.retriedBy = p.retry ?? null;
        break;
    }
  }
}

function fromFeed(t) {
  return {
    ...t,
    workerId: t.workerId ?? null,
    params: { ...t.params },
    distributions: { ...t.distributions },
    intermediate: t.intermediate.map(([s, v]) => [s, v]),
    userAttrs: { ...t.userAttrs },
    systemAttrs: { ...t.systemAttrs },
    start: t.start ? Date.parse(t.start) : null,
    complete: t.complete ? Date.parse(t.complete) : null,
    retriedBy: null,
  };
}

/** Whether `a` is a better value than `b` for a direction (NaN never is). */
export function isBetter(direction, a, b) {
  if (Number.isNaN(a)) return false;
  if (b === null || Number.isNaN(b)) return true;
  return direction === "minimize" ? a < b : a > b;
}
