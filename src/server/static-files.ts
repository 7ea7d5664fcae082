import { readdirSync, statSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
};

/** The dashboard's folder: plain ES modules and CSS, served as they are (no build step). */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../dashboard/", import.meta.url));

/**
 * The files the server may send, by URL path: the dashboard folder's files (listed once at
 * start, so no request can name a path outside it) and echarts' ES module build.
 */
export function staticFileMap(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && TYPES[extname(entry.name)]) files.set(`/${relative(DASHBOARD_DIR, full).split(sep).join("/")}`, full);
    }
  };
  if (statSync(DASHBOARD_DIR, { throwIfNoEntry: false })?.isDirectory()) walk(DASHBOARD_DIR);
  const index = files.get("/index.html");
  if (index) files.set("/", index);
  // The build copies echarts' ES module file into dashboard/vendor/ (the package ships that
  // file, not echarts); a checkout's sources serve it from the echarts devDependency.
  if (!files.has("/vendor/echarts.js")) files.set("/vendor/echarts.js", createRequire(import.meta.url).resolve("echarts/dist/echarts.esm.min.js"));
  return files;
}

/** Sends one of the known files (with an ETag, so reloads are cheap); false when the path is not one. */
export async function serveStaticFile(files: Map<string, string>, path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const file = files.get(path);
  if (!file) return false;
  const info = await stat(file);
  const etag = `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
  const headers = {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-cache",
    etag,
    "x-content-type-options": "nosniff",
  };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers).end();
    return true;
  }
  const body = await readFile(file);
  res.writeHead(200, { ...headers, "content-length": body.byteLength });
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}
