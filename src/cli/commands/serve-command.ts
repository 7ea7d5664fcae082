import { acquireStorage } from "../../storage/storage-handles.ts";
import { StorageConfigError } from "../../storage/storage-errors.ts";
import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { intFlag, parseFlags } from "../parse-flags.ts";
import { logLine } from "../stderr-log.ts";
import { STORAGE_FLAG_DOC, type CommandDoc } from "../command-doc.ts";
import { RUN_SERVE_FLAG_DOCS } from "./serve-flags.ts";

const SERVE_FLAGS = { storage: { type: "string" }, port: { type: "string" }, host: { type: "string" }, token: { type: "string" } } as const;

const DOC: CommandDoc<typeof SERVE_FLAGS> = {
  usage: "hpo serve [options]",
  about:
    "Serves the dashboard, the REST API and the live feed (WebSocket /ws) over a storage until Ctrl-C. On an embedded folder that a running hpo run holds, it reads the study live through that process.",
  flags: {
    storage: STORAGE_FLAG_DOC,
    port: { ...RUN_SERVE_FLAG_DOCS.port, help: "port to listen on" },
    host: { ...RUN_SERVE_FLAG_DOCS.host, help: "address to listen on; other than loopback needs --token" },
    token: { ...RUN_SERVE_FLAG_DOCS.token, help: "access token the dashboard and feed require" },
  },
};

interface ServeFlagValues {
  port?: string | boolean | string[];
  host?: string | boolean | string[];
  token?: string | boolean | string[];
}

/** Validated --port/--host/--token (token also from HPO_SERVE_TOKEN). */
async function serveOptions(values: ServeFlagValues): Promise<{ port: number; host: string; token: string | null }> {
  const port = intFlag("port", values.port as string | undefined, 0, 65535) ?? 8787;
  const host = (values.host as string | undefined) ?? "127.0.0.1";
  const token = (values.token as string | undefined) ?? process.env.HPO_SERVE_TOKEN ?? null;
  const { ServeConfigError, checkBindPolicy } = await import("../../server/host-policy.ts");
  try {
    checkBindPolicy(host, token);
  } catch (e) {
    if (e instanceof ServeConfigError) throw new CliError(e.message);
    throw e;
  }
  return { port, host, token };
}

/** The server of `hpo run --serve`. */
export interface RunServer {
  /** Says the run is over and keeps serving until SIGINT or SIGTERM. */
  serveUntilInterrupted(): Promise<void>;
  /** Stops the server and releases the storage. */
  close(): Promise<void>;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

/**
 * For `hpo run … --serve`: starts the dashboard and feed on the run's own storage (the
 * process-wide instance that the run then shares, so an embedded folder works), or returns
 * null without --serve. `close()` stops the server and releases the storage.
 */
export async function startRunServer(
  values: ServeFlagValues & { serve?: string | boolean | string[] },
  storageUrl: string | undefined,
  log: (m: string) => void,
): Promise<RunServer | null> {
  if (!values.serve) {
    for (const flag of ["port", "host", "token"] as const) if (values[flag] !== undefined) throw new CliError(`--${flag} needs --serve`);
    return null;
  }
  const { port, host, token } = await serveOptions(values);
  const handle = await acquireStorage(storageUrl);
  try {
    const { startFeedServer } = await import("../../server/feed-server.ts");
    const server = await startFeedServer({ storage: handle.storage, port, host, token, log });
    log(`hpo: dashboard ${server.url}${token ? `?token=${encodeURIComponent(token)}` : ""}  (feed ${server.url.replace(/^http/, "ws")}ws)`);
    const dashboard = `${server.url}${token ? `?token=${encodeURIComponent(token)}` : ""}`;
    return {
      serveUntilInterrupted: async () => {
        log(`hpo: the run is over; the dashboard stays up at ${dashboard} (read-only) until Ctrl-C`);
        await untilInterrupted();
        log("hpo: stopping the server");
      },
      close: async () => {
        await server.close();
        await handle.release();
      },
    };
  } catch (e) {
    await handle.release();
    const { ServeConfigError } = await import("../../server/host-policy.ts");
    if (e instanceof ServeConfigError) throw new CliError(e.message, 1);
    throw e;
  }
}

/**
 * `hpo serve`: the dashboard, the live feed (WebSocket /ws) and the REST API over a
 * storage, until Ctrl-C. The token may also come from HPO_SERVE_TOKEN (kept out of `ps`).
 */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, SERVE_FLAGS, DOC);
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"\nusage: ${DOC.usage}`);
  const { port, host, token } = await serveOptions(values);
  // Loaded here so that other commands never load the server or ws.
  const { startFeedServer } = await import("../../server/feed-server.ts");
  const { ServeConfigError } = await import("../../server/host-policy.ts");

  let handle;
  try {
    handle = await openExistingStorage(values.storage);
  } catch (e) {
    if (e instanceof StorageConfigError && /in use by/.test(e.message)) {
      throw new CliError(`${e.message}\nTo watch a study that \`hpo run\` is running on an embedded folder, start it with \`hpo run <study.ts> --serve\`.`, 1);
    }
    throw e;
  }
  const log = logLine;
  try {
    let server;
    try {
      server = await startFeedServer({ storage: handle.storage, port, host, token, log });
    } catch (e) {
      if (e instanceof ServeConfigError) throw new CliError(e.message, 1);
      throw e;
    }
    const ws = server.url.replace(/^http/, "ws");
    log(`hpo: serving ${handle.storage.location}`);
    log(`hpo: dashboard ${server.url}${token ? `?token=${encodeURIComponent(token)}` : ""}`);
    log(`hpo: feed ${ws}ws  (Ctrl-C to stop)`);
    await untilInterrupted();
    log("hpo: stopping the server");
    await server.close();
    return 0;
  } finally {
    await handle.release();
  }
}
