import { decodeJson, encodeJson } from "../storage/json-codec.ts";
import type { StudyRecord, StudySummary } from "../storage/storage.ts";
import type { StudyEvent } from "../storage/study-event.ts";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { FeedEvent, FeedServerMessage, FeedStudy, FeedStudySummary, FeedTrial } from "./feed-protocol.ts";

/** A study record as the feed sends it. */
export function studyToFeed(s: StudyRecord): FeedStudy {
  return {
    studyId: s.studyId,
    name: s.studyName,
    directions: s.directions,
    userAttrs: s.userAttrs,
    systemAttrs: s.systemAttrs,
    createdAt: s.createdAt.toISOString(),
  };
}

/** A study summary (with counts) as the feed sends it. */
export function summaryToFeed(s: StudySummary): FeedStudySummary {
  return { ...studyToFeed(s), counts: s.counts, bestValue: s.bestValue, lastEventSeq: s.lastEventSeq };
}

/** A trial snapshot as the feed sends it. */
export function trialToFeed(t: FrozenTrial): FeedTrial {
  return {
    trialId: t.trialId,
    number: t.number,
    state: t.state,
    value: t.value,
    values: t.values,
    params: t.params,
    distributions: t.distributions,
    intermediate: [...t.intermediateValues].sort((a, b) => a[0] - b[0]),
    metrics: [...t.metrics].sort((a, b) => a[0] - b[0]),
    userAttrs: t.userAttrs,
    systemAttrs: t.systemAttrs,
    start: t.datetimeStart?.toISOString() ?? null,
    complete: t.datetimeComplete?.toISOString() ?? null,
    workerId: t.workerId ?? null,
  };
}

/** A stored event as the feed sends it. */
export function eventToFeed(e: StudyEvent): FeedEvent {
  return { seq: e.seq, type: e.type, trial: e.trialNumber, payload: e.payload, at: e.createdAt.toISOString() };
}

/**
 * The wire form of a server message: JSON in which NaN and ±Infinity are written as
 * `{"$hpo:num": "NaN"}` (plain JSON cannot carry them; a string would be ambiguous with a
 * categorical choice).
 */
export function encodeFeedMessage(message: FeedServerMessage): string {
  return encodeJson(message);
}

/** Parses a server message (restoring NaN and ±Infinity); for TypeScript clients of the feed. */
export function decodeFeedMessage(text: string): FeedServerMessage {
  return decodeJson<FeedServerMessage>(text);
}
