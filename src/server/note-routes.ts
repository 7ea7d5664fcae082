import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { formatZodError } from "../internal/format-zod-error.ts";
import { decodeJson } from "../storage/json-codec.ts";
import { ReadOnlyStorageError, StudyNotFoundError } from "../storage/storage-errors.ts";
import type { Storage } from "../storage/storage.ts";
import { sendError, sendJson } from "./http-json.ts";
import { MAX_NOTE_BYTES, noteKey, type NoteWriter } from "./study-notes.ts";

/** Largest request body read (the note plus its JSON envelope, escapes included). */
const MAX_BODY_BYTES = 8 * MAX_NOTE_BYTES;

const noteBody = z.strictObject({
  text: z.string(),
  baseVersion: z.number().int().min(0),
});

/** A note route's target: the study's note (trial null) or a trial's. */
export interface NoteTarget {
  readonly studyName: string;
  readonly trial: number | null;
}

/** The target of PUT /api/studies/:name/note or /api/studies/:name/trials/:number/note, else null. */
export function noteTargetOf(pathname: string): NoteTarget | null {
  const m = /^\/api\/studies\/([^/]+)\/(?:trials\/([^/]+)\/)?note$/.exec(pathname);
  if (!m) return null;
  let studyName: string;
  try {
    studyName = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  const trial = m[2] === undefined ? null : /^\d+$/.test(m[2]) ? Number(m[2]) : -1;
  return { studyName, trial };
}

/**
 * The one write the server takes: PUT of a study's or a trial's note, as JSON
 * `{text, baseVersion}`. Browsers send Origin with every PUT, so one from another site is
 * refused (no cross-site writes on the strength of the cookie), and a JSON content type is
 * required (a plain HTML form cannot send it). A stale `baseVersion` gets 409 with the
 * current note.
 */
export async function serveNoteWrite(
  ctx: { readonly storage: Storage; readonly notes: NoteWriter },
  target: NoteTarget,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, req.headers.host)) {
    return sendError(res, 403, `notes can only be saved from this server's own dashboard (Origin ${origin} is another site)`);
  }
  if (req.headers["sec-fetch-site"] === "cross-site") return sendError(res, 403, "notes can only be saved from this server's own dashboard (cross-site request)");
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") return sendError(res, 415, `content-type must be application/json, got ${type || "none"}`);
  const raw = await readBody(req, MAX_BODY_BYTES);
  // The rest of the body is never read, so the connection cannot be reused.
  if (raw === null) return sendError(res, 413, `request body is over ${MAX_BODY_BYTES} bytes; a note is at most ${MAX_NOTE_BYTES} bytes`, { connection: "close" });
  let json: unknown;
  try {
    json = decodeJson(raw);
  } catch {
    return sendError(res, 400, "request body is not JSON; expected {\"text\": string, \"baseVersion\": integer}");
  }
  const body = noteBody.safeParse(json);
  if (!body.success) return sendError(res, 400, formatZodError(body.error));
  const bytes = Buffer.byteLength(body.data.text);
  if (bytes > MAX_NOTE_BYTES) return sendError(res, 413, `text: the note is ${bytes} bytes; at most ${MAX_NOTE_BYTES} bytes (UTF-8)`);

  const study = await ctx.storage.findStudy(target.studyName);
  if (!study) return sendError(res, 404, `no study named "${target.studyName}"`);
  if (target.trial !== null) {
    if (target.trial < 0) return sendError(res, 400, "trial number must be a non-negative integer");
    const { trials } = await ctx.storage.getTrials(study.studyId);
    if (!trials.some((t) => t.number === target.trial)) return sendError(res, 404, `study "${study.studyName}" has no trial ${target.trial}`);
  }
  try {
    const result = await ctx.notes.write(study, noteKey(target.trial), body.data.baseVersion, body.data.text);
    if (!result.saved) {
      return sendJson(res, 409, {
        error: `the note changed since version ${body.data.baseVersion} (now version ${result.current.version}); merge your text into the current one and save again`,
        note: result.current,
      });
    }
    sendJson(res, 200, { study: study.studyName, trial: target.trial, note: result.note });
  } catch (e) {
    if (e instanceof ReadOnlyStorageError) {
      return sendError(res, 403, `notes are read-only here: this server reads ${ctx.storage.location}; save notes from the dashboard of the process that holds it`);
    }
    if (e instanceof StudyNotFoundError) return sendError(res, 404, `no study named "${target.studyName}"`);
    throw e;
  }
}

/** Whether an Origin header names this very server (scheme aside, as the Host header cannot say it). */
export function sameOrigin(origin: string, hostHeader: string | undefined): boolean {
  try {
    return new URL(origin).host === hostHeader;
  } catch {
    return false;
  }
}

/** The body as text, or null once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
