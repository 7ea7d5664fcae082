import {
  DuplicatedStudyError,
  StorageConfigError,
  StorageError,
  UnstorableDataError,
  StudyNotFoundError,
  TrialNotRunningError,
} from "../storage-errors.ts";
import { describeThrown } from "../../internal/describe-thrown.ts";
import type { Storage } from "../storage.ts";

/** Storage methods a worker process calls through its parent (all but close and watchEvents). */
export const FORWARDED_METHODS = [
  "createStudy",
  "findStudy",
  "deleteStudy",
  "listStudies",
  "setStudyAttrs",
  "createTrial",
  "claimWaitingTrial",
  "claimOrCreateTrial",
  "countTrials",
  "recordHeartbeats",
  "failStaleTrials",
  "retryFailedTrials",
  "saveCheckpoint",
  "loadCheckpoint",
  "updateTrial",
  "getTrial",
  "getTrials",
  "headSeq",
  "readEvents",
] as const satisfies readonly (keyof Storage)[];

/**
 * One end of a Node IPC channel: a forked ChildProcess (the parent's end) or `process` in the
 * child. Messages are plain data, structured-cloned with `serialization: "advanced"`.
 */
export interface IpcEndpoint {
  send(message: WorkerToParent | ParentToWorker): boolean;
  /** "message" (with the message) or "disconnect". */
  on(event: string, listener: (...args: never[]) => void): unknown;
  readonly connected: boolean;
}

/** A forwarded method name. */
export type ForwardedMethod = (typeof FORWARDED_METHODS)[number];

/** Messages from a worker to its parent. */
export type WorkerToParent =
  | { readonly hpo: "call"; readonly id: number; readonly method: ForwardedMethod; readonly args: unknown[] }
  | { readonly hpo: "watch"; readonly on: boolean };

/** Messages from the parent to a worker. */
export type ParentToWorker =
  | { readonly hpo: "result"; readonly id: number; readonly value: unknown }
  | { readonly hpo: "error"; readonly id: number; readonly error: SerializedError }
  | { readonly hpo: "events"; readonly studyId: number; readonly lastSeq: number };

/** An error as it crosses the process boundary. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly props: Record<string, unknown>;
}

const ERROR_CLASSES: Record<string, new (...args: never[]) => Error> = {
  DuplicatedStudyError,
  StudyNotFoundError,
  TrialNotRunningError,
  StorageConfigError,
  UnstorableDataError,
  StorageError,
};

/** Serialises an error (name, message and own fields such as studyName). */
export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: "Error", message: describeThrown(e), props: {} };
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (typeof v !== "function") props[k] = v;
  return { name: e.name, message: e.message, props };
}

/** Rebuilds an error with its original class where it is a storage error. */
export function reviveError(s: SerializedError): Error {
  const cls = ERROR_CLASSES[s.name] ?? Error;
  const err = Object.create(cls.prototype) as Error;
  Object.assign(err, s.props);
  Object.defineProperty(err, "message", { value: s.message, enumerable: false, writable: true });
  Object.defineProperty(err, "name", { value: s.name, enumerable: false, writable: true });
  err.stack = `${s.name}: ${s.message}\n    at (hpo parent process)`;
  return err;
}
