import { toExternal } from "../distributions/distribution-ops.ts";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";
import type { NewTrial, TrialPatch } from "./storage.ts";
import type { StudyEventType } from "./study-event.ts";

/** An event before it has a sequence number. */
export interface PendingEvent {
  readonly type: StudyEventType;
  readonly trialNumber: number | null;
  readonly payload: Record<string, AttrValue>;
}

const FINISH_EVENT = { COMPLETE: "trial_completed", PRUNED: "trial_pruned", FAIL: "trial_failed" } as const;

/**
 * The payload of a trial_created event (shared by all storages): a trial created RUNNING
 * names its worker, so a feed reader knows which process runs it.
 */
export function trialCreatedPayload(trial: NewTrial, externalParams: Record<string, AttrValue>): Record<string, AttrValue> {
  const payload: Record<string, AttrValue> = { state: trial.state, params: externalParams, userAttrs: { ...trial.userAttrs }, systemAttrs: { ...trial.systemAttrs } };
  if (trial.state === "RUNNING" && trial.workerId) payload.workerId = trial.workerId;
  return payload;
}

/** The events one trial patch appends, in the order its changes apply (shared by all storages). */
export function eventsForPatch(trialNumber: number, patch: TrialPatch): PendingEvent[] {
  const events: PendingEvent[] = [];
  for (const p of patch.params ?? []) {
    events.push({
      type: "param_set",
      trialNumber,
      payload: { name: p.name, value: toExternal(p.distribution, p.internal), distribution: p.distribution as unknown as AttrValue },
    });
  }
  // One event per step: the watched metric's value (when reported) and every named metric.
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
  for (const payload of reported.values()) events.push({ type: "reported", trialNumber, payload });
  for (const [kind, attrs] of [["user", patch.userAttrs], ["system", patch.systemAttrs]] as const) {
    for (const [key, value] of Object.entries(attrs ?? {})) {
      events.push({ type: "trial_attr_set", trialNumber, payload: { kind, key, value } });
    }
  }
  if (patch.finish) {
    const values = patch.finish.values ? [...patch.finish.values] : null;
    const payload: Record<string, AttrValue> = { state: patch.finish.state, values };
    const reason = patch.systemAttrs?.fail_reason;
    if (reason !== undefined) payload.reason = reason;
    events.push({ type: FINISH_EVENT[patch.finish.state], trialNumber, payload });
  }
  return events;
}
