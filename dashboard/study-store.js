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

  /** The metric pruners watch (the study's `metric`, else "value"). */
  watchedMetric() {
    const m = this.study?.systemAttrs?.metric;
    return typeof m === "string" ? m : typeof m?.name === "string" ? m.name : "value";
  }

  /** Every metric name reported in the study, the watched one first. */
  metricNames() {
    const names = new Set([this.watchedMetric()]);
    for (const t of this.trials.values()) for (const [, m] of t.metrics) for (const k of Object.keys(m)) names.add(k);
    return [...names];
  }

  /** Trials in number order. */
  list() {
    return [...this.trials.values()].sort((a, b) => a.number - b.number);
  }

  #trial(number, at) {
    let t = this.trials.get(number);
    if (!t) {
      t = { number, trialId: null, workerId: null, state: "WAITING", value: null, values: null, params: {}, distributions: {}, intermediate: [], metrics: [], userAttrs: {}, systemAttrs: {}, start: null, complete: null, retriedBy: null, createdAt: at };
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
        // Attrs given at creation: an enqueued trial's, a retry's retry_of.
        Object.assign(t.userAttrs, p.userAttrs ?? {});
        Object.assign(t.systemAttrs, p.systemAttrs ?? {});
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
        // value: the study's watched metric (absent when this report did not include it);
        // metrics: every metric recorded at that step, by name.
        if (p.value !== undefined) insertAtStep(t.intermediate, p.step, p.value, false);
        if (p.metrics) insertAtStep(t.metrics, p.step, p.metrics, true);
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

/**
 * Adds a step's entry to [step, x] pairs kept in step order; a step already there keeps its
 * value, or (`merge`) gains the names it did not have, as storage keeps the first report.
 */
function insertAtStep(pairs, step, value, merge) {
  const at = pairs.findIndex(([s]) => s >= step);
  if (at >= 0 && pairs[at][0] === step) {
    if (merge) pairs[at][1] = { ...value, ...pairs[at][1] };
    return;
  }
  const entry = [step, merge ? { ...value } : value];
  if (at < 0) pairs.push(entry);
  else pairs.splice(at, 0, entry);
}

function fromFeed(t) {
  return {
    ...t,
    workerId: t.workerId ?? null,
    params: { ...t.params },
    distributions: { ...t.distributions },
    intermediate: t.intermediate.map(([s, v]) => [s, v]),
    metrics: (t.metrics ?? []).map(([s, m]) => [s, { ...m }]),
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
