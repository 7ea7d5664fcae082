import { z } from "zod";
import type { Distribution, ParamValue } from "../vocabulary/distribution.ts";
import type { StudyEventType } from "../storage/study-event.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";

/** The feed protocol version the server speaks (sent in `hello`). */
export const FEED_PROTOCOL_VERSION = 1;

const requestId = z.union([z.string().max(200), z.number()]).optional();
const studyName = z.string().min(1).max(1000);

/**
 * What a client may send, validated at the edge. Unknown fields are refused so a typo
 * (`sinse`) is an error the client sees, not a silently ignored option.
 */
export const feedClientMessageSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("subscribe"),
      study: studyName,
      /** The last sequence number the client has; it gets the events after it. */
      since: z.number().int().min(0).optional(),
      /** The study id the client's `since` belongs to; a different id gets a snapshot. */
      studyId: z.number().int().optional(),
      id: requestId,
    })
    .strict(),
  z.object({ type: z.literal("unsubscribe"), study: studyName, id: requestId }).strict(),
  z.object({ type: z.literal("subscribe_studies"), id: requestId }).strict(),
  z.object({ type: z.literal("unsubscribe_studies"), id: requestId }).strict(),
]);

/** A validated client message. */
export type FeedClientMessage = z.infer<typeof feedClientMessageSchema>;

/** An id the client attached to a request, echoed in the reply. */
export type FeedRequestId = string | number;

/** A study as the feed describes it. */
export interface FeedStudy {
  readonly studyId: number;
  readonly name: string;
  readonly directions: readonly StudyDirection[];
  readonly userAttrs: Readonly<Record<string, AttrValue>>;
  readonly systemAttrs: Readonly<Record<string, AttrValue>>;
  readonly createdAt: string;
}

/** A study in the studies list, with counts. */
export interface FeedStudySummary extends FeedStudy {
  readonly counts: Readonly<Record<TrialState, number>>;
  readonly bestValue: number | null;
  readonly lastEventSeq: number;
}

/** A trial as the feed sends it (timestamps as ISO strings, intermediate values as [step, value] pairs). */
export interface FeedTrial {
  readonly trialId: number;
  readonly number: number;
  readonly state: TrialState;
  readonly value: number | null;
  readonly values: readonly number[] | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly intermediate: readonly (readonly [number, number])[];
  /** Every metric reported, as [step, { name: value }] pairs in step order. */
  readonly metrics: readonly (readonly [number, Readonly<Record<string, number>>])[];
  readonly userAttrs: Readonly<Record<string, AttrValue>>;
  readonly systemAttrs: Readonly<Record<string, AttrValue>>;
  readonly start: string | null;
  readonly complete: string | null;
  /** The process that ran it (host:pid:random), or null when unknown. */
  readonly workerId: string | null;
}

/** One event of a study's log. */
export interface FeedEvent {
  readonly seq: number;
  readonly type: StudyEventType;
  readonly trial: number | null;
  readonly payload: Readonly<Record<string, AttrValue>>;
  readonly at: string;
}

/** Why the server answered with an error. */
export type FeedErrorCode = "bad_message" | "unknown_study" | "study_deleted" | "too_many_subscriptions" | "internal";

/** Everything the server sends. */
export type FeedServerMessage =
  | { readonly type: "hello"; readonly protocol: number }
  | { readonly type: "snapshot"; readonly id?: FeedRequestId; readonly study: FeedStudy; readonly seq: number; readonly trials: readonly FeedTrial[] }
  | { readonly type: "subscribed"; readonly id?: FeedRequestId; readonly study: string; readonly studyId: number; readonly since: number; readonly head: number }
  | { readonly type: "events"; readonly study: string; readonly studyId: number; readonly events: readonly FeedEvent[] }
  | { readonly type: "resync"; readonly study: string; readonly studyId: number; readonly since: number; readonly reason: "slow_client" }
  | { readonly type: "unsubscribed"; readonly id?: FeedRequestId; readonly study: string }
  | { readonly type: "studies"; readonly id?: FeedRequestId; readonly studies: readonly FeedStudySummary[] }
  | { readonly type: "error"; readonly id?: FeedRequestId; readonly code: FeedErrorCode; readonly message: string; readonly study?: string };
