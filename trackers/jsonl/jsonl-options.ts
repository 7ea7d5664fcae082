import { z } from "zod";
import { formatZodError } from "../../src/internal/format-zod-error.ts";

/** Names unknown keys (typos) the way a user reads them. */
const unknownOption = (issue: { code?: string; keys?: readonly string[] }) =>
  issue.code === "unrecognized_keys" ? `unknown option ${(issue.keys ?? []).map((k) => `"${k}"`).join(", ")}` : undefined;

const MS = "must be a positive whole number of milliseconds";

/** Options of `jsonl({...})`. */
export const JsonlOptionsSchema = z.strictObject(
  {
    /** Folder of the event files, one `<study>.jsonl` per study (default "runs"). */
    path: z.string({ error: "must be a folder such as runs/" }).min(1, "must be a folder such as runs/").optional(),
    /** Accepted for older study files; lines are no longer held in memory but appended at once. */
    flushIntervalMs: z.number({ error: MS }).int(MS).positive(MS).optional(),
    /** Where the tracker's own messages go (default console.warn). */
    log: z.custom<(message: string) => void>((v) => typeof v === "function", "must be a function (message: string) => void").optional(),
  },
  { error: unknownOption },
);

/** Options of `jsonl({...})`. */
export type JsonlOptions = z.input<typeof JsonlOptionsSchema>;

/** Validated options with defaults applied. */
export interface JsonlSettings {
  readonly path: string;
  readonly flushIntervalMs: number;
  readonly log: (message: string) => void;
}

/** Validates options, throwing a TypeError that names the bad option. */
export function resolveJsonlSettings(options: JsonlOptions = {}): JsonlSettings {
  const parsed = JsonlOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`jsonl(): ${formatZodError(parsed.error)}`);
  return {
    path: parsed.data.path ?? "runs",
    flushIntervalMs: parsed.data.flushIntervalMs ?? 1_000,
    log: parsed.data.log ?? ((m) => console.warn(m)),
  };
}

/** Options from a CLI spec's `key=value` pairs (`jsonl:path=runs/,flushIntervalMs=500`). */
export function jsonlOptionsFromSpec(pairs: Readonly<Record<string, string>>): JsonlOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pairs)) out[key] = key === "flushIntervalMs" ? Number(value) : value;
  return out as JsonlOptions;
}
