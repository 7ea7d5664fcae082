import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { FeedHub, type FeedOptions } from "../feed/feed-hub.ts";
import type { Storage } from "../storage/storage.ts";
import { TOKEN_COOKIE, tokenOf, tokensMatch } from "./access-token.ts";
import { serveApi } from "./api-routes.ts";
import { checkBindPolicy, hostOfHeader, isLoopbackHost, ServeConfigError } from "./host-policy.ts";
import { sendError } from "./http-json.ts";
import { ImportanceCache } from "./importance-cache.ts";
import { noteTargetOf, sameOrigin, serveNoteWrite } from "./note-routes.ts";
import { NoteWriter } from "./study-notes.ts";
import { serveStaticFile, staticFileMap } from "./static-files.ts";
import type { FeedSocketOptions } from "./feed-socket-options.ts";
import { attachFeedSocket } from "./ws-adapter.ts";

/** Options of {@link startFeedServer}. */
export interface FeedServerOptions {
  /** The storage whose studies are served (not closed by the server). */
  readonly storage: Storage;
  /** TCP port (default 8787; 0 picks a free one). */
  readonly port?: number;
  /** Bind address (default 127.0.0.1). Any non-loopback address requires a token. */
  readonly host?: string;
  /** When set, every HTTP request and WebSocket must carry it (Bearer header, ?token= or the cookie the dashboard gets). */
  readonly token?: string | null;
  /** Where the server reports problems (default: stderr). */
  readonly log?: (line: string) => void;
  /** Feed tuning (queue limits, caches, polling). */
  readonly feed?: FeedOptions;
  /** WebSocket tuning (in-flight frames, heartbeat). */
  readonly socket?: FeedSocketOptions;
}

/** A running server. */
export interface FeedServer {
  /** Base URL, e.g. http://127.0.0.1:8787/ (the dashboard; the feed is at ws://…/ws). */
  readonly url: string;
  readonly port: number;
  /** The feed behind /ws (for its counters). */
  readonly feed: FeedHub;
  /** Closes every connection and stops listening; the storage stays open. */
  close(): Promise<void>;
}

const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/**
 * Starts the live feed (WebSocket at /ws), the dashboard (/) and the REST API (/api/…)
 * over one storage. Used by `hpo serve` and `hpo run --serve`.
 *
 * @example
 * const server = await startFeedServer({ storage, port: 0 });
 * console.log(`dashboard at ${server.url}`);
 * await server.close();
 */
export async function startFeedServer(options: FeedServerOptions): Promise<FeedServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8787;
  const token = options.token || null;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServeConfigError(`port must be an integer from 0 to 65535, got ${port}`);
  checkBindPolicy(host, token);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const files = staticFileMap();
  const feed = await FeedHub.open(options.storage, { log, ...options.feed });
  const importance = new ImportanceCache(options.storage);
  const notes = new NoteWriter(options.storage);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });

  /** Without a token the server trusts loopback, so only loopback names may address it (no DNS rebinding). */
  const hostAllowed = (req: IncomingMessage) => token !== null || isLoopbackHost(hostOfHeader(req.headers.host) ?? "");
  const authorized = (req: IncomingMessage, url: URL) => {
    if (token === null) return { ok: true, source: null };
    const given = tokenOf(req, url);
    return { ok: given !== null && tokensMatch(token, given.token), source: given?.source ?? null };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!hostAllowed(req)) return sendError(res, 403, "this server answers to loopback names only (start it with --token to serve other hosts)");
    const auth = authorized(req, url);
    if (!auth.ok) return sendError(res, 401, "a valid token is required (Authorization: Bearer <token>, or ?token=<token>)", { "www-authenticate": "Bearer" });
    const noteTarget = noteTargetOf(url.pathname);
    if (noteTarget && req.method === "PUT") return serveNoteWrite({ storage: options.storage, notes }, noteTarget, req, res);
    if (noteTarget) return sendError(res, 405, "a note is saved with PUT (JSON {text, baseVersion}) and read in its study's systemAttrs", { allow: "PUT" });
    if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, "only GET is served (and PUT of notes)", { allow: "GET, HEAD" });
    if (auth.source === "query" && (url.pathname === "/" || url.pathname === "/index.html")) {
      // The page's scripts, styles and feed then carry the token without it in every URL.
      res.setHeader("set-cookie", `${TOKEN_COOKIE}=${encodeURIComponent(token!)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (url.pathname.startsWith("/api/")) {
      if (await serveApi({ storage: options.storage, feed, importance }, url, req, res)) return;
      return sendError(res, 404, `no API route ${url.pathname}`);
    }
    if (await serveStaticFile(files, url.pathname, req, res)) return;
    sendError(res, 404, `not found: ${url.pathname}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`hpo serve: ${req.method} ${req.url}: ${(e as Error)?.message ?? e}`);
      if (!res.headersSent) sendError(res, 500, (e as Error)?.message ?? String(e));
      else res.destroy();
    });
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://localhost");
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (url.pathname !== "/ws") return refuse("404 Not Found");
    if (!hostAllowed(req)) return refuse("403 Forbidden");
    const auth = authorized(req, url);
    // A browser page from another site may open a WebSocket here: only our own pages may
    // rely on ambient credentials (none, or the cookie); an explicit token is fine from anywhere.
    const origin = req.headers.origin;
    if (origin && auth.source !== "header" && auth.source !== "query" && !sameOrigin(origin, req.headers.host)) return refuse("403 Forbidden");
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!auth.ok) {
        ws.close(4401, "unauthorized");
        return;
      }
      attachFeedSocket(ws, feed.openSession(), options.socket);
    });
  });

  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((e: NodeJS.ErrnoException) => {
    void feed.close();
    if (e.code === "EADDRINUSE") throw new ServeConfigError(`port ${port} on ${host} is already in use (pick another with --port, or --port 0 for any free one)`);
    if (e.code === "EADDRNOTAVAIL") throw new ServeConfigError(`cannot bind ${host}: no such address on this machine`);
    throw e;
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    feed,
    close: () =>
      (closing ??= (async () => {
        // Clients get the last committed events before the goodbye.
        await feed.flush(2000).catch(() => undefined);
        for (const ws of wss.clients) ws.close(1001, "server shutting down");
        await feed.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Idle keep-alive and closing WebSocket connections would hold close() open.
          setTimeout(() => {
            for (const ws of wss.clients) ws.terminate();
            for (const s of sockets) s.destroy();
          }, 250).unref();
        });
        wss.close();
      })()),
  };
}
