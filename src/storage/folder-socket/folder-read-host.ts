import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { Storage } from "../storage.ts";
import { READ_METHODS, readSocketPath, type HolderMessage, type ReaderMessage } from "./read-protocol.ts";
import { readFrames, writeFrame } from "./socket-frames.ts";

/** Longest socket path the kernel takes (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

const ALLOWED = new Set<string>(READ_METHODS);

/**
 * Answers other processes' reads of an embedded folder this process holds (`hpo trials`,
 * `hpo serve` beside a running `hpo run`): PGlite allows one process per folder, so they
 * read through this one, over a Unix socket in the folder that only this user can open.
 * Writes are not served. Returns null where no socket can be made (a path too long);
 * readers then get the usual "in use" error.
 */
export async function serveFolderReads(storage: Storage, folder: string): Promise<{ close(): Promise<void> } | null> {
  const path = readSocketPath(folder);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) return null;
  // This process holds the folder's lock: a socket file left there is a dead holder's.
  if (existsSync(path)) unlinkSync(path);
  const sockets = new Set<Socket>();
  const watchers = new Set<Socket>();
  let unwatch: (() => Promise<void>) | null = null;
  const syncWatch = async () => {
    if (watchers.size > 0 && !unwatch) {
      unwatch = await storage.watchEvents((studyId, lastSeq) => {
        for (const w of watchers) writeFrame(w, { events: [studyId, lastSeq] } satisfies HolderMessage);
      });
    } else if (watchers.size === 0 && unwatch) {
      const u = unwatch;
      unwatch = null;
      await u();
    }
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      sockets.delete(socket);
      if (watchers.delete(socket)) void syncWatch().catch(() => undefined);
    });
    readFrames(socket, (m) => void answer(socket, m as ReaderMessage));
  });
  const answer = async (socket: Socket, m: ReaderMessage) => {
    if (!m || typeof m !== "object") return;
    if ("watch" in m) {
      if (m.watch) watchers.add(socket);
      else watchers.delete(socket);
      await syncWatch().catch(() => undefined);
      return;
    }
    let reply: HolderMessage;
    if (!ALLOWED.has(m.call) || !Array.isArray(m.args)) {
      reply = { id: m.id, error: `"${String(m.call)}" is not a read: a process holding the folder serves reads only` };
    } else {
      try {
        const fn = storage[m.call] as (...args: unknown[]) => Promise<unknown>;
        reply = { id: m.id, value: await fn.apply(storage, m.args) };
      } catch (e) {
        reply = { id: m.id, error: (e as Error)?.message ?? String(e) };
      }
    }
    if (!socket.destroyed) writeFrame(socket, reply);
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  // Readers must not keep the process alive once its own work is done.
  server.unref();
  return {
    close: async () => {
      for (const s of sockets) s.destroy();
      watchers.clear();
      await syncWatch().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
    },
  };
}
