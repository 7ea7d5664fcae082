import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A fresh W&B-style run id: 8 characters of [a-z0-9]. */
export function newRunId(): string {
  // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps ids uniform.
  let id = "";
  while (id.length < 8) {
    for (const b of randomBytes(16)) {
      if (b < 252 && id.length < 8) id += ALPHABET[b % 36];
    }
  }
  return id;
}

/**
 * The run id of a trial, the same in every process: from the study's name, the trial's
 * number and the moment it started (as stored). A process that finds the trial dead (stale)
 * addresses the run its own process created, to end it as failed.
 */
export function trialRunId(studyName: string, trialNumber: number, startedAt: Date): string {
  const digest = createHash("sha256").update(`${studyName}\u0000${trialNumber}\u0000${startedAt.getTime()}`).digest();
  let id = "";
  for (const b of digest) {
    if (b < 252 && id.length < 8) id += ALPHABET[b % 36];
  }
  // 32 bytes give 8 usable ones but for a vanishing chance; pad from a second digest then.
  return id.length === 8 ? id : (id + trialRunId(`${studyName}\u0001`, trialNumber, startedAt)).slice(0, 8);
}
