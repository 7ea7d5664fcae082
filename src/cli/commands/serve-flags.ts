import type { CommandDoc } from "../command-doc.ts";

/** The flags `hpo run` takes to serve its study: --serve [--port] [--host] [--token]. */
export const RUN_SERVE_FLAGS = {
  serve: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
} as const;

/** What `--help` says about each of RUN_SERVE_FLAGS. */
export const RUN_SERVE_FLAG_DOCS: CommandDoc<typeof RUN_SERVE_FLAGS>["flags"] = {
  serve: { help: "serve the dashboard and live feed of this run; it keeps serving, read-only, after the run until Ctrl-C" },
  port: { value: "PORT", help: "port of the dashboard (with --serve)", default: "8787" },
  host: { value: "HOST", help: "address to listen on (with --serve); other than loopback needs --token", default: "127.0.0.1" },
  token: { value: "T", help: "access token the dashboard and feed require (with --serve)", default: "$HPO_SERVE_TOKEN, else none" },
};
