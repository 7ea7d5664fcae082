import type { StudyDirection } from "../vocabulary/study-direction.ts";
import { buildFrozenTrial, type TrialParts } from "./build-frozen-trial.ts";
import type { AttrValue, FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";
import { STUDY_DELETED_SEQ, type EventsListener, type FailedTrialReport, type NewTrial, type RetryPolicy, type Storage, type StorageTraits, type StoredCheckpoint, type TrialCounts, type StudyRecord, type StudySummary, type TrialPatch, type TrialsChanged } from "./storage.ts";
import { DuplicatedStudyError, StorageError, StudyNotFoundError, TrialNotRunningError } from "./storage-errors.ts";
import type { StudyEvent } from "./study-event.ts";
import {
  conflictingParam,
  emptyStateCounts,
  paramConflictError,
  patchEvents,
  failurePatch,
  staleReason,
  studyAttrEvents,
  studyCreatedEvent,
  trialCreatedEvent,
  trialRetriedEvent,
  trialStartedEvent,
  type EventDraft,
} from "./storage-protocol.ts";
import { isBetter } from "../vocabulary/study-direction.ts";
import { planRetry } from "./retry-plan.ts";
import { checkStorableName, storableAttrs, storableNewTrial, storablePatch } from "./storable-data.ts";

interface MemoryStudy {
  record: StudyRecord & { userAttrs: Record<string, AttrValue>; systemAttrs: Record<string, AttrValue> };
  trials: MemoryTrial[];
  events: StudyEvent[];
  /** How many trials are WAITING: a claim with none skips visiting every trial. */
  waiting: number;
}

/** The trials with an event after seq `since` (their version is above it), by number. */
function trialsChangedSince(s: MemoryStudy, since: number): MemoryTrial[] {
  const numbers = new Set<number>();
  // Event seq k sits at index k - 1.
  for (let i = Math.max(0, since); i < s.events.length; i++) {
    const n = s.events[i].trialNumber;
    if (n !== null) numbers.add(n);
  }
  return [...numbers].sort((a, b) => a - b).map((n) => s.trials[n]);
}

interface MemoryTrial {
  parts: TrialParts & { params: TrialParts["params"][number][]; intermediate: [number, number][]; metrics: [number, string, number][] };
  version: number;
  frozen: FrozenTrial | null;
  heartbeat: number;
  retriedBy: number | null;
  checkpoint: StoredCheckpoint | null;
  /** The steps in `parts.intermediate` and `${step}\0${name}` of `parts.metrics`: a report is checked in O(1), not O(reports). */
  reported: { steps: Set<number>; metrics: Set<string> };
}

/**
 * Studies in process memory: nothing survives the process. The fastest storage, for
 * notebooks, tests and benchmarks; same contract and events as the SQL storages.
 */
export class InMemoryStorage implements Storage {
  readonly kind = "memory" as const;
  readonly traits: StorageTraits = { sharedAcrossProcesses: false, remoteRoundTrips: false, acknowledgesBeforeDurable: false };
  readonly location = "memory";
  readonly #studies = new Map<string, MemoryStudy>();
  readonly #byId = new Map<number, MemoryStudy>();
  readonly #trials = new Map<number, { study: MemoryStudy; trial: MemoryTrial }>();
  readonly #listeners = new Set<EventsListener>();
  #nextStudyId = 1;
  #nextTrialId = 1;

  async createStudy(studyName: string, directions: readonly StudyDirection[]): Promise<StudyRecord> {
    checkStorableName("study name", studyName);
    if (this.#studies.has(studyName)) throw new DuplicatedStudyError(studyName);
    const study: MemoryStudy = {
      record: { studyId: this.#nextStudyId++, studyName, directions: [...directions], userAttrs: {}, systemAttrs: {}, createdAt: new Date() },
      trials: [],
      events: [],
      waiting: 0,
    };
    this.#studies.set(studyName, study);
    this.#byId.set(study.record.studyId, study);
    this.#append(study, null, [studyCreatedEvent(studyName, directions)]);
    return snapshotRecord(study);
  }

  async findStudy(studyName: string): Promise<StudyRecord | null> {
    const s = this.#studies.get(studyName);
    return s ? snapshotRecord(s) : null;
  }

  async deleteStudy(studyName: string): Promise<void> {
    const s = this.#studies.get(studyName);
    if (!s) throw new StudyNotFoundError(studyName, this.location);
    this.#studies.delete(studyName);
    this.#byId.delete(s.record.studyId);
    for (const t of s.trials) this.#trials.delete(t.parts.trialId);
    if (this.#listeners.size) queueMicrotask(() => this.#listeners.forEach((l) => l(s.record.studyId, STUDY_DELETED_SEQ)));
  }

  async listStudies(): Promise<StudySummary[]> {
    return [...this.#byId.values()].map((s) => {
      const counts = emptyStateCounts();
      let best: number | null = null;
      for (const t of s.trials) {
        counts[t.parts.state]++;
        const v = t.parts.values?.[0];
        if (t.parts.state === "COMPLETE" && v !== undefined && !Number.isNaN(v)) {
          if (best === null || isBetter(s.record.directions[0], v, best)) best = v;
        }
      }
      return { ...snapshotRecord(s), counts, bestValue: best, lastEventSeq: s.events.length };
    });
  }

  async setStudyAttrs(studyId: number, kind: "user" | "system", attrs: Readonly<Record<string, AttrValue>>): Promise<void> {
    const s = this.#study(studyId);
    const stored = storableAttrs(`study ${kind} attr`, attrs)!;
    Object.assign(kind === "user" ? s.record.userAttrs : s.record.systemAttrs, stored);
    const events = studyAttrEvents(kind, stored);
    if (events.length) this.#append(s, null, events);
  }

  async createTrial(studyId: number, trial: NewTrial): Promise<FrozenTrial> {
    return freeze(this.#insertTrial(this.#study(studyId), storableNewTrial(trial)));
  }

  #insertTrial(s: MemoryStudy, trial: NewTrial): MemoryTrial {
    const number = s.trials.length;
    const params: MemoryTrial["parts"]["params"] = [];
    // The same param listed twice (storableNewTrial refused different ones) is kept once.
    for (const p of trial.params ?? []) if (!params.some((x) => x.name === p.name)) params.push({ name: p.name, internal: p.internal, distribution: p.distribution });
    const t: MemoryTrial = {
      parts: {
        trialId: this.#nextTrialId++,
        number,
        state: trial.state,
        params,
        values: null,
        intermediate: [],
        metrics: [],
        userAttrs: structuredClone({ ...trial.userAttrs }),
        systemAttrs: structuredClone({ ...trial.systemAttrs }),
        datetimeStart: trial.state === "RUNNING" ? new Date() : null,
        datetimeComplete: null,
        workerId: trial.state === "RUNNING" ? (trial.workerId ?? null) : null,
      },
      version: 0,
      frozen: null,
      heartbeat: Date.now(),
      retriedBy: null,
      checkpoint: null,
      reported: { steps: new Set(), metrics: new Set() },
    };
    s.trials.push(t);
    if (t.parts.state === "WAITING") s.waiting++;
    this.#trials.set(t.parts.trialId, { study: s, trial: t });
    t.version = this.#append(s, number, [trialCreatedEvent(trial)]);
    return t;
  }

  async claimWaitingTrial(studyId: number, workerId: string): Promise<FrozenTrial | null> {
    const s = this.#study(studyId);
    if (s.waiting === 0) return null;
    const t = s.trials.find((x) => x.parts.state === "WAITING");
    if (!t) return null;
    s.waiting--;
    t.parts.state = "RUNNING";
    t.parts.datetimeStart = new Date();
    t.parts.workerId = workerId;
    t.heartbeat = Date.now();
    t.frozen = null;
    t.version = this.#append(s, t.parts.number, [trialStartedEvent(workerId)]);
    return freeze(t);
  }

  async claimOrCreateTrial(studyId: number, options: { workerId: string; maxTrials?: number }): Promise<FrozenTrial | null> {
    const claimed = await this.claimWaitingTrial(studyId, options.workerId);
    if (claimed) return claimed;
    if (options.maxTrials !== undefined) {
      const used = this.#study(studyId).trials.filter((t) => !(t.parts.state === "FAIL" && t.retriedBy !== null)).length;
      if (used >= options.maxTrials) return null;
    }
    return this.createTrial(studyId, { state: "RUNNING", workerId: options.workerId });
  }

  async countTrials(studyId: number): Promise<TrialCounts> {
    const byState = emptyStateCounts();
    let retriedFails = 0;
    for (const t of this.#study(studyId).trials) {
      byState[t.parts.state]++;
      if (t.parts.state === "FAIL" && t.retriedBy !== null) retriedFails++;
    }
    return { byState, retriedFails };
  }

  async recordHeartbeats(trialIds: readonly number[]): Promise<void> {
    const now = Date.now();
    for (const id of trialIds) {
      const entry = this.#trials.get(id);
      if (entry && entry.trial.parts.state === "RUNNING") entry.trial.heartbeat = now;
    }
  }

  async failStaleTrials(studyId: number, options: { graceMs: number } & RetryPolicy): Promise<FailedTrialReport[]> {
    const s = this.#study(studyId);
    const now = Date.now();
    const reports: FailedTrialReport[] = [];
    for (const t of [...s.trials]) {
      if (t.parts.state !== "RUNNING" || now - t.heartbeat < options.graceMs) continue;
      const reason = staleReason(options.graceMs, (now - t.heartbeat) / 1000, t.parts.workerId);
      await this.updateTrial(t.parts.trialId, failurePatch(reason));
      reports.push({ ...this.#retry(s, t, options.maxRetries), reason });
    }
    return reports;
  }

  async retryFailedTrials(studyId: number, options: { reasons: readonly string[] } & RetryPolicy): Promise<FailedTrialReport[]> {
    const s = this.#study(studyId);
    const reports: FailedTrialReport[] = [];
    for (const t of [...s.trials]) {
      const reason = t.parts.systemAttrs.fail_reason;
      if (t.parts.state !== "FAIL" || t.retriedBy !== null || typeof reason !== "string" || !options.reasons.includes(reason)) continue;
      reports.push({ ...this.#retry(s, t, options.maxRetries), reason });
    }
    return reports;
  }

  async saveCheckpoint(trialId: number, format: "bytes" | "json", data: Uint8Array): Promise<void> {
    const entry = this.#trials.get(trialId);
    if (!entry) throw new StorageError(`trial id ${trialId} does not exist`);
    entry.trial.checkpoint = { format, data: new Uint8Array(data), updatedAt: new Date() };
  }

  async loadCheckpoint(trialId: number): Promise<StoredCheckpoint | null> {
    const c = this.#trials.get(trialId)?.trial.checkpoint;
    return c ? { ...c, data: new Uint8Array(c.data) } : null;
  }

  #retry(s: MemoryStudy, failed: MemoryTrial, maxRetries: number): { failed: number; retry: number | null } {
    const plan = planRetry(freeze(failed), maxRetries);
    if (!plan) return { failed: failed.parts.number, retry: null };
    const { number } = this.#insertTrial(s, { state: "WAITING", systemAttrs: plan.systemAttrs }).parts;
    failed.retriedBy = number;
    failed.version = this.#append(s, failed.parts.number, [trialRetriedEvent(number, plan.systemAttrs.retry_count)]);
    return { failed: failed.parts.number, retry: number };
  }

  async updateTrial(trialId: number, given: TrialPatch): Promise<void> {
    const patch = storablePatch(trialId, given);
    const entry = this.#trials.get(trialId);
    if (!entry) throw new StorageError(`trial id ${trialId} does not exist`);
    const { study, trial } = entry;
    const p = trial.parts;
    if (p.state !== "RUNNING") throw new TrialNotRunningError(p.number, p.state);
    const conflict = conflictingParam(p.params, patch.params ?? []);
    if (conflict !== null) throw paramConflictError(p.number, conflict);
    for (const w of patch.params ?? []) {
      if (!p.params.some((x) => x.name === w.name)) p.params.push({ name: w.name, internal: w.internal, distribution: w.distribution });
    }
    const { reported } = trial;
    for (const v of patch.intermediateValues ?? []) {
      if (reported.steps.has(v.step)) continue;
      reported.steps.add(v.step);
      p.intermediate.push([v.step, v.value]);
    }
    for (const m of patch.metrics ?? []) {
      const key = `${m.step}\u0000${m.name}`;
      if (reported.metrics.has(key)) continue;
      reported.metrics.add(key);
      p.metrics.push([m.step, m.name, m.value]);
    }
    // Fresh copies made by storablePatch: the caller's objects are not kept.
    Object.assign(p.userAttrs, patch.userAttrs);
    Object.assign(p.systemAttrs, patch.systemAttrs);
    if (patch.finish) {
      p.state = patch.finish.state;
      p.values = patch.finish.values ? [...patch.finish.values] : null;
      p.datetimeComplete = new Date();
    }
    trial.frozen = null;
    const events = patchEvents(patch);
    if (events.length) trial.version = this.#append(study, p.number, events);
  }

  async getTrial(trialId: number): Promise<FrozenTrial | null> {
    const entry = this.#trials.get(trialId);
    return entry ? freeze(entry.trial) : null;
  }

  async getTrials(studyId: number, options: { states?: readonly TrialState[]; changedSince?: number; excludeTrialIds?: readonly number[] } = {}): Promise<TrialsChanged> {
    const s = this.#study(studyId);
    const since = options.changedSince ?? -1;
    const trials: FrozenTrial[] = [];
    // A reader that keeps up (a study refreshing before each ask) has a few changes to
    // collect: find them through the events since, not by visiting every trial.
    const scan = since >= 0 && s.events.length - since < s.trials.length ? trialsChangedSince(s, since) : s.trials;
    for (const t of scan) {
      if (t.version <= since) continue;
      if (options.states && !options.states.includes(t.parts.state)) continue;
      if (options.excludeTrialIds?.includes(t.parts.trialId)) continue;
      trials.push(freeze(t));
    }
    return { trials, version: s.events.length };
  }

  async headSeq(studyId: number): Promise<number> {
    return this.#study(studyId).events.length;
  }

  async readEvents(studyId: number, afterSeq: number, limit = 10_000): Promise<StudyEvent[]> {
    const s = this.#study(studyId);
    return s.events.slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + limit);
  }

  async watchEvents(listener: EventsListener): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    return async () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    // Nothing to release; the data lives as long as this object.
  }

  #study(studyId: number): MemoryStudy {
    const s = this.#byId.get(studyId);
    if (!s) throw new StorageError(`study ${studyId} no longer exists`);
    return s;
  }

  /** The one place sequence numbers are allocated: appends one write's events, of one trial (or of the study: null). */
  #append(s: MemoryStudy, trialNumber: number | null, events: readonly EventDraft[]): number {
    for (const e of events) {
      s.events.push({
        studyId: s.record.studyId,
        seq: s.events.length + 1,
        type: e.type,
        trialNumber,
        payload: structuredClone(e.payload),
        createdAt: new Date(),
      });
    }
    const last = s.events.length;
    // Listeners hear of it after the caller's write completes, as after a commit.
    if (this.#listeners.size) queueMicrotask(() => this.#listeners.forEach((l) => l(s.record.studyId, last)));
    return last;
  }
}

function freeze(t: MemoryTrial): FrozenTrial {
  t.frozen ??= buildFrozenTrial(structuredClone(t.parts));
  return t.frozen;
}

function snapshotRecord(s: MemoryStudy): StudyRecord {
  return structuredClone(s.record);
}
