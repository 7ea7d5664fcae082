import { StudyNotFoundError } from "../storage/storage-errors.ts";
import type { StudyRecord, Storage } from "../storage/storage.ts";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";

/** Longest note, in UTF-8 bytes: a note is a few paragraphs, not a log file. */
export const MAX_NOTE_BYTES = 16 * 1024;

/** A note as stored: its text and how many times it was saved (0: never). */
export interface StudyNote {
  readonly version: number;
  readonly text: string;
}

/**
 * The study system attribute that holds a note: `hpo:note` for the study's own,
 * `hpo:note:trial:<number>` for a trial's. Finished trials are never rewritten, so trial
 * notes live in the study too (as optuna-dashboard does).
 */
export function noteKey(trialNumber: number | null): string {
  return trialNumber === null ? "hpo:note" : `hpo:note:trial:${trialNumber}`;
}

/** The note stored under a key, or the empty version 0 when there is none (or it is malformed). */
export function readNote(systemAttrs: Readonly<Record<string, AttrValue>>, key: string): StudyNote {
  const v = systemAttrs[key];
  if (v && typeof v === "object" && !Array.isArray(v) && typeof v.version === "number" && typeof v.text === "string") {
    return { version: v.version, text: v.text };
  }
  return { version: 0, text: "" };
}

/** What saving a note did: saved (the new version), or refused because the base was stale. */
export type NoteWrite = { readonly saved: true; readonly note: StudyNote } | { readonly saved: false; readonly current: StudyNote };

/**
 * Saves notes with an optimistic-concurrency check: a write names the version it edited,
 * and a stale one is refused with the current note, so two editors never silently
 * overwrite each other. Writes of one study are serialized within this process (the
 * check and the write are two storage calls).
 */
export class NoteWriter {
  readonly #storage: Storage;
  readonly #queues = new Map<number, Promise<unknown>>();

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Saves `text` as the note under `key` if its stored version is still `baseVersion`. */
  write(study: StudyRecord, key: string, baseVersion: number, text: string): Promise<NoteWrite> {
    const previous = this.#queues.get(study.studyId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#checkAndWrite(study.studyName, key, baseVersion, text));
    this.#queues.set(study.studyId, next);
    void next.finally(() => {
      if (this.#queues.get(study.studyId) === next) this.#queues.delete(study.studyId);
    }).catch(() => undefined);
    return next;
  }

  async #checkAndWrite(studyName: string, key: string, baseVersion: number, text: string): Promise<NoteWrite> {
    // Read again inside the queue: the record the caller holds may predate another save.
    const fresh = await this.#storage.findStudy(studyName);
    if (!fresh) throw new StudyNotFoundError(studyName);
    const current = readNote(fresh.systemAttrs, key);
    if (current.version !== baseVersion) return { saved: false, current };
    const note = { version: current.version + 1, text };
    await this.#storage.setStudyAttrs(fresh.studyId, "system", { [key]: note });
    return { saved: true, note };
  }
}
