import { randomBytes } from "node:crypto";

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
