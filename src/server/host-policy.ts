import { isIP } from "node:net";

/** Whether a bind address or host name is this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h);
  return false;
}

/** The host part of a Host header ("127.0.0.1:8787" → "127.0.0.1", "[::1]:80" → "::1"). */
export function hostOfHeader(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(header.trim());
  return m ? m[1].replace(/^\[|\]$/g, "") : null;
}

/** A server option that cannot work (a public host without a token, a bad port). */
export class ServeConfigError extends Error {
  override readonly name = "ServeConfigError";
}

/**
 * Refuses to expose studies without a token: any host other than loopback needs one.
 * (On loopback without a token, requests are still checked: see {@link hostOfHeader} use
 * in the server, which refuses other Host names so a web page cannot rebind to us.)
 */
export function checkBindPolicy(host: string, token: string | null): void {
  if (!isLoopbackHost(host) && !token) {
    throw new ServeConfigError(`--host ${host} is reachable from other machines: pass --token (or set HPO_SERVE_TOKEN) so requests must carry it`);
  }
  if (token !== null && token.length < 8) throw new ServeConfigError("the token must be at least 8 characters long");
}
