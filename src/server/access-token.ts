import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The cookie a browser gets after opening the dashboard with `?token=`, so its assets and feed carry the token. */
export const TOKEN_COOKIE = "hpo_token";

/** Where a request's token came from. */
export type TokenSource = "header" | "query" | "cookie";

/** A request's token and where it came from, or null when it has none. */
export function tokenOf(req: IncomingMessage, url: URL): { token: string; source: TokenSource } | null {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return { token: m[1], source: "header" };
  }
  const query = url.searchParams.get("token");
  if (query !== null) return { token: query, source: "query" };
  const cookie = readCookie(req.headers.cookie, TOKEN_COOKIE);
  if (cookie !== null) return { token: cookie, source: "cookie" };
  return null;
}

/** Compares tokens in constant time (digests first, so lengths do not leak either). */
export function tokensMatch(expected: string, given: string): boolean {
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}
