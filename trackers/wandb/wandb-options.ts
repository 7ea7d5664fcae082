import { z } from "zod";
import { formatZodError } from "../../src/internal/format-zod-error.ts";
import { apiKeyFromNetrc } from "./netrc.ts";

/** The three W&B modes (`WANDB_MODE`). */
export type WandbMode = "online" | "offline" | "disabled";

/** Names unknown keys (typos) the way a user reads them. */
const unknownOption = (issue: { code?: string; keys?: readonly string[] }) =>
  issue.code === "unrecognized_keys" ? `unknown option ${(issue.keys ?? []).map((k) => `"${k}"`).join(", ")}` : undefined;

const MS = "must be a positive whole number of milliseconds";
const positiveMs = () => z.number({ error: MS }).int(MS).positive(MS);

/** Options of `wandb({...})`; every one is optional and falls back to W&B's env conventions. */
export const WandbOptionsSchema = z.strictObject(
  {
    /** W&B project (`WANDB_PROJECT`, default "hpo"). */
    project: z.string().min(1).optional(),
    /** Team or user (`WANDB_ENTITY`, default: the API key's default entity). */
    entity: z.string().min(1).optional(),
    /** Run group (`WANDB_RUN_GROUP`, default: the study name). */
    group: z.string().min(1).optional(),
    /** Job type of every run (default "trial"). */
    jobType: z.string().min(1).optional(),
    /** Tags of every run (`WANDB_TAGS`, comma-separated). */
    tags: z.array(z.string().min(1, "must be a non-empty string"), { error: "must be a list of strings" }).optional(),
    /** Run notes. */
    notes: z.string().optional(),
    /** online, offline or disabled (`WANDB_MODE`, default online). */
    mode: z.enum(["online", "offline", "disabled"], { error: 'must be "online", "offline" or "disabled"' }).optional(),
    /** API key (`WANDB_API_KEY`, then ~/.netrc). */
    apiKey: z.string().min(1).optional(),
    /** API server (`WANDB_BASE_URL`, default https://api.wandb.ai). */
    baseUrl: z.url({ error: "must be an absolute URL such as https://api.wandb.ai" }).optional(),
    /** Where offline runs go: `<dir>/wandb/offline-run-…` (`WANDB_DIR`, default the working directory). */
    dir: z.string().min(1).optional(),
    /** History/summary key of the objective value (default "value"). */
    metricName: z.string().min(1).optional(),
    /** Constant config added to every run (dataset, model size, ...); params win on clashes. */
    config: z.record(z.string(), z.unknown()).optional(),
    /** Longest wait before buffered history is sent (default 15 000). */
    batchIntervalMs: positiveMs().optional(),
    /** Idle time after which a heartbeat is sent (default 30 000). */
    heartbeatIntervalMs: positiveMs().optional(),
    /** Per-request timeout (default 30 000). */
    requestTimeoutMs: positiveMs().optional(),
    /** Retries of one request on network errors, timeouts, 5xx and 429 (default 10). */
    maxRetries: z.number({ error: "must be a whole number >= 0" }).int("must be a whole number >= 0").min(0, "must be a whole number >= 0").optional(),
    /** First backoff delay, doubled on each retry (default 1 000). */
    initialBackoffMs: positiveMs().optional(),
    /** Backoff ceiling (default 60 000). */
    maxBackoffMs: positiveMs().optional(),
    /** How long `close()` keeps sending before it drops what is left (default 20 000). */
    closeTimeoutMs: positiveMs().optional(),
    /** Environment to read the WANDB_* conventions from (default process.env). */
    env: z.record(z.string(), z.string().optional()).optional(),
    /** netrc file to read the API key from (default $NETRC or ~/.netrc). */
    netrcPath: z.string().min(1).optional(),
    /** Where the tracker's own messages go (default console.warn). */
    log: z.custom<(message: string) => void>((v) => typeof v === "function", "must be a function (message: string) => void").optional(),
  },
  { error: unknownOption },
);

/** Options of `wandb({...})`. */
export type WandbOptions = z.input<typeof WandbOptionsSchema>;

/** Everything a W&B tracker needs, with env conventions and defaults applied. */
export interface WandbSettings {
  readonly mode: WandbMode;
  readonly project: string;
  readonly entity: string | undefined;
  /** Undefined: use the study name. */
  readonly group: string | undefined;
  readonly jobType: string;
  readonly tags: readonly string[];
  readonly notes: string | undefined;
  readonly apiKey: string | undefined;
  readonly baseUrl: string;
  readonly dir: string;
  readonly metricName: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly batchIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly closeTimeoutMs: number;
  readonly log: (message: string) => void;
}

/** Default W&B API server. */
export const DEFAULT_BASE_URL = "https://api.wandb.ai";

const MODE_ALIASES: Readonly<Record<string, WandbMode>> = {
  online: "online", run: "online", offline: "offline", dryrun: "offline", disabled: "disabled",
};

/** Validates options (throwing a readable TypeError) and applies env conventions and defaults. */
export function resolveWandbSettings(options: WandbOptions = {}): WandbSettings {
  const parsed = WandbOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`wandb(): ${formatZodError(parsed.error)}`);
  const o = parsed.data;
  const env = o.env ?? process.env;
  const fromEnv = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };

  let mode: WandbMode = o.mode ?? "online";
  const envMode = fromEnv("WANDB_MODE");
  if (!o.mode && envMode) {
    const m = MODE_ALIASES[envMode.toLowerCase()];
    if (!m) throw new TypeError(`wandb(): WANDB_MODE="${envMode}" is not one of online, offline, disabled`);
    mode = m;
  }
  const baseUrl = (o.baseUrl ?? fromEnv("WANDB_BASE_URL") ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  if (!/^https?:\/\//.test(baseUrl)) throw new TypeError(`wandb(): base URL "${baseUrl}" must start with http:// or https://`);
  const tags = o.tags ?? (fromEnv("WANDB_TAGS") ?? "").split(",").map((t) => t.trim()).filter((t) => t !== "");
  const apiKey =
    o.apiKey ?? fromEnv("WANDB_API_KEY") ?? (mode === "online" ? apiKeyFromNetrc(baseUrl, o.netrcPath ?? fromEnv("NETRC")) : undefined);

  return {
    mode,
    project: o.project ?? fromEnv("WANDB_PROJECT") ?? "hpo",
    entity: o.entity ?? fromEnv("WANDB_ENTITY"),
    group: o.group ?? fromEnv("WANDB_RUN_GROUP"),
    jobType: o.jobType ?? fromEnv("WANDB_JOB_TYPE") ?? "trial",
    tags,
    notes: o.notes,
    apiKey,
    baseUrl,
    dir: o.dir ?? fromEnv("WANDB_DIR") ?? process.cwd(),
    metricName: o.metricName ?? "value",
    config: o.config ?? {},
    batchIntervalMs: o.batchIntervalMs ?? 15_000,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 30_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
    maxRetries: o.maxRetries ?? 10,
    initialBackoffMs: o.initialBackoffMs ?? 1_000,
    maxBackoffMs: o.maxBackoffMs ?? 60_000,
    closeTimeoutMs: o.closeTimeoutMs ?? 20_000,
    log: o.log ?? ((m) => console.warn(m)),
  };
}

/** Options from a CLI spec's `key=value` pairs (`wandb:project=foo,tags=a+b,mode=offline`). */
export function wandbOptionsFromSpec(pairs: Readonly<Record<string, string>>): WandbOptions {
  const numeric = new Set([
    "batchIntervalMs", "heartbeatIntervalMs", "requestTimeoutMs", "maxRetries", "initialBackoffMs", "maxBackoffMs", "closeTimeoutMs",
  ]);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pairs)) {
    if (key === "tags") out.tags = value.split("+").map((t) => t.trim()).filter((t) => t !== "");
    else if (numeric.has(key)) out[key] = Number(value);
    else out[key] = value;
  }
  return out as WandbOptions;
}
