import type { ServerResponse } from "node:http";
import { encodeJson } from "../storage/json-codec.ts";

/**
 * Sends a JSON body. Non-finite numbers are written as {"$hpo:num": "NaN"} (as on the
 * feed), so values survive exactly.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = encodeJson(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(text);
}

/** Sends `{ "error": message }` with a status. */
export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: message }, headers);
}
