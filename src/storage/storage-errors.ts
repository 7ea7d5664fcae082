/** Base of every storage error users may want to catch. */
export class StorageError extends Error {
  override name = "StorageError";
}

/** A study of that name already exists. */
export class DuplicatedStudyError extends StorageError {
  override name = "DuplicatedStudyError";
  constructor(readonly studyName: string) {
    super(`a study named "${studyName}" already exists (use loadIfExists: true to continue it)`);
  }
}

/** No study of that name exists. */
export class StudyNotFoundError extends StorageError {
  override name = "StudyNotFoundError";
  constructor(readonly studyName: string, readonly location?: string) {
    super(`no study named "${studyName}"${location ? ` in ${location}` : ""}`);
  }
}

/** A write reached a trial that is no longer RUNNING (finished, or failed as stale). */
export class TrialNotRunningError extends StorageError {
  override name = "TrialNotRunningError";
  constructor(readonly trialNumber: number, readonly state: string) {
    super(`trial ${trialNumber} is ${state}, not RUNNING: it cannot be changed`);
  }
}

/** The storage URL or folder cannot be used. */
export class StorageConfigError extends StorageError {
  override name = "StorageConfigError";
}

/** Data a storage cannot hold (an attr JSON cannot encode, a NUL in a name, a step out of range); names the field. */
export class UnstorableDataError extends StorageError {
  override name = "UnstorableDataError";
}

/** A write reached a storage this process can only read (an embedded folder read through the process that holds it). */
export class ReadOnlyStorageError extends StorageError {
  override name = "ReadOnlyStorageError";
}
