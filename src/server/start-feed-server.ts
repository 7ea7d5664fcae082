import type { FeedServer, FeedServerOptions } from "./feed-server.ts";

export type { FeedServer, FeedServerOptions } from "./feed-server.ts";

/**
 * Starts the dashboard, live feed (WebSocket /ws) and REST API over a storage; resolves
 * once it listens. Loads the HTTP and WebSocket server on first use, so `import "hpo"`
 * stays light.
 *
 * @example
 * const server = await startFeedServer({ storage: study.storage, port: 8787 });
 * console.log(`dashboard at ${server.url}`);
 * // ... later
 * await server.close();
 */
export async function startFeedServer(options: FeedServerOptions): Promise<FeedServer> {
  const { startFeedServer: start } = await import("./feed-server.ts");
  return start(options);
}
