import { distributionsEqual, toExternal } from "../distributions/distribution-ops.ts";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";
import type { NewTrial, ParamWrite, TrialPatch } from "./storage.ts";
import { StorageError } from "./storage-errors.ts";
import type { StudyEventType } from "./study-event.ts";

/**
 * The storage protocol, written once for every backend (memory, PGlite, PostgreSQL; the
 * worker and folder-read storages pass calls on): the event each write appends and its
 * payload, the reason a stale trial fails with, the rule for a param written twice, and the
 * empty count table. Backends decide only where things are kept; what a feed reader sees is
 * decided here, and tests/storage/storage-protocol.test.ts pins it on every backend.
 */

/** An event before the storage gives it its sequence number and the trial's number. */
export interface EventDraft {
  readonly type: StudyEventType;
  readonly payload: Record<string, AttrValue>;
}

const FINISH_EVENT = { COMPLETE: "trial_completed", PRUNED: "trial_pruned", FAIL: "trial_failed" } as const;

/** study_created: the study's name and directions. */
export function studyCreatedEvent(studyName: string, directions: readonly StudyDirection[]): EventDraft {
  return { type: "study_created", payload: { studyName, directions: [...directions] } };
}

/** One study_attr_set per attr, in the order given. */
export function studyAttrEvents(kind: "user" | "system", attrs: Readonly<Record<string, AttrValue>>): EventDraft[] {
  return Object.entries(attrs).map(([key, value]) => ({ type: "study_attr_set", payload: { kind, key, value } }));
}

/**
 * trial_created: state, params (external values), attrs; a trial created RUNNING names its
 * worker, so a feed reader knows which process runs it.
 */
export function trialCreatedEvent(trial: NewTrial): EventDraft {
  const params: Record<string, AttrValue> = {};
  for (const p of trial.params ?? []) params[p.name] = toExternal(p.distribution, p.internal);
  const payload: Record<string, AttrValue> = { state: trial.state, params, userAttrs: { ...trial.userAttrs }, systemAttrs: { ...trial.systemAttrs } };
  if (trial.state === "RUNNING" && trial.workerId) payload.workerId = trial.workerId;
  return { type: "trial_created", payload };
}

/** trial_started: a WAITING trial claimed by a worker. */
export function trialStartedEvent(workerId: string): EventDraft {
  return { type: "trial_started", payload: { workerId } };
}

/** trial_retried, on the failed trial: the number of its retry and how many retries its chain has had. */
export function trialRetriedEvent(retry: number, retryCount: AttrValue): EventDraft {
  return { type: "trial_retried", payload: { retry, retryCount } };
}

/**
 * The events one trial patch appends, in the order its changes apply: param_set per param,
 * reported per step (the watched value and every named metric of that step), trial_attr_set
 * per attr, and the final state's event (with the fail reason, when set). Every write is
 * logged as sent: a re-sent write appends its events again, and applying one twice is harmless.
 */
export function patchEvents(patch: TrialPatch): EventDraft[] {
  const events: EventDraft[] = [];
  for (const p of patch.params ?? []) {
    events.push({ type: "param_set", payload: { name: p.name, value: toExternal(p.distribution, p.internal), distribution: p.distribution as unknown as AttrValue } });
  }
  const reported = new Map<number, { step: number; value?: number; metrics?: Record<string, number> }>();
  const atStep = (step: number) => {
    let payload = reported.get(step);
    if (!payload) reported.set(step, (payload = { step }));
    return payload;
  };
  for (const v of patch.intermediateValues ?? []) atStep(v.step).value ??= v.value;
  for (const m of patch.metrics ?? []) {
    const payload = atStep(m.step);
    payload.metrics ??= {};
    if (!Object.hasOwn(payload.metrics, m.name)) payload.metrics[m.name] = m.value;
  }
  for (const payload of reported.values()) events.push({ type: "reported", payload });
  for (const [kind, attrs] of [["user", patch.userAttrs], ["system", patch.systemAttrs]] as const) {
    for (const [key, value] of Object.entries(attrs ?? {})) events.push({ type: "trial_attr_set", payload: { kind, key, value } });
  }
  if (patch.finish) {
    const payload: Record<string, AttrValue> = { state: patch.finish.state, values: patch.finish.values ? [...patch.finish.values] : null };
    const reason = patch.systemAttrs?.fail_reason;
    if (reason !== undefined) payload.reason = reason;
    events.push({ type: FINISH_EVENT[patch.finish.state], payload });
  }
  return events;
}

/**
 * Why a RUNNING trial is failed as stale: its heartbeat was silent for `silentSeconds` (with
 * a grace period), or, with none, the process running it ended; and which worker ran it.
 */
export function staleReason(graceMs: number, silentSeconds: number, workerId: string | null | undefined): string {
  const what = graceMs > 0 ? `no heartbeat for ${silentSeconds.toFixed(1)} s` : "the process running it ended";
  return `stale: ${what}${workerId ? ` (worker ${workerId})` : ""}`;
}

/** The patch that fails a trial for `reason` (stale, or claimed and never run): the fail_reason attr, then the FAIL state (so the same events as any failure). */
export function failurePatch(reason: string): TrialPatch {
  return { systemAttrs: { fail_reason: reason }, finish: { state: "FAIL", values: null } };
}

/** A count of zero for every trial state, in the order states are listed. */
export function emptyStateCounts(): Record<TrialState, number> {
  return { WAITING: 0, RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 };
}

/** Whether two writes of a param are the same write: same internal value (NaN equals NaN) and same distribution. */
export function sameParamWrite(a: ParamWrite, b: ParamWrite): boolean {
  const sameValue = a.internal === b.internal || (Number.isNaN(a.internal) && Number.isNaN(b.internal));
  return sameValue && distributionsEqual(a.distribution, b.distribution);
}

/**
 * The first param of `writes` that conflicts with one the trial has (`stored`) or with an
 * earlier write of the same name, or null. A param is written once: the same write again is
 * no conflict (a retry after a lost connection re-sends it), another value or distribution is.
 */
export function conflictingParam(stored: readonly ParamWrite[], writes: readonly ParamWrite[]): string | null {
  const known = new Map(stored.map((p) => [p.name, p]));
  for (const w of writes) {
    const first = known.get(w.name);
    if (first && !sameParamWrite(first, w)) return w.name;
    if (!first) known.set(w.name, w);
  }
  return null;
}

/** The error of a write that gives a param a second value or distribution. */
export function paramConflictError(trialNumber: number, name: string): StorageError {
  return new StorageError(`trial ${trialNumber} already has param ${JSON.stringify(name)} with another value or distribution: a param is written once`);
}
