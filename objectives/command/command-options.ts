import { z } from "zod";
import { describeZodIssues } from "./describe-zod-issues.ts";
import { parseGpuList } from "./gpu-slot-pool.ts";
import { DEFAULT_MAX_LINE_LENGTH } from "./line-splitter.ts";

/** What `command()` takes. Only `cmd` is required. */
export interface CommandOptions {
  /**
   * The program and its arguments, run without a shell; `{name}` is replaced by the
   * trial's param `name` (and `{trial_number}`, `{study_name}`, `{trial_dir}` by those).
   */
  readonly cmd: readonly string[];
  /** Extra environment variables, on top of the runner's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** The program's working directory (default: the runner's). */
  readonly cwd?: string;
  /** Milliseconds a trial may run before it is stopped and fails (default: no limit). */
  readonly timeout?: number;
  /** Milliseconds between SIGTERM and SIGKILL when a trial is stopped (default 10 000). */
  readonly gracePeriod?: number;
  /**
   * GPUs to share out, one per concurrent trial, through CUDA_VISIBLE_DEVICES:
   * `[0, 1, 2, 3]` or `"0,1,2,3"`. Default: the HPO_GPUS variable (what `hpo run --gpus`
   * sets); when neither is set, CUDA_VISIBLE_DEVICES is left as inherited.
   */
  readonly gpus?: readonly (number | string)[] | string;
  /** Where per-trial folders go: `<logDir>/<study>/trial-<n>/` (default "hpo-trials"). */
  readonly logDir?: string;
  /** Longest stdout/stderr line kept whole, in characters (default 65 536). */
  readonly maxLineLength?: number;
  /** Lines of stderr quoted when the program fails (default 20). */
  readonly stderrTailLines?: number;
  /** Receives warnings such as an ignored hpo: line (default: console.warn). */
  readonly onWarning?: (message: string) => void;
}

/** Options after validation and defaults. `gpus` is null when HPO_GPUS decides at run time. */
export interface ResolvedCommandOptions {
  readonly cmd: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly timeout: number | null;
  readonly gracePeriod: number;
  readonly gpus: readonly string[] | null;
  readonly logDir: string;
  readonly maxLineLength: number;
  readonly stderrTailLines: number;
  readonly onWarning: (message: string) => void;
}

const milliseconds = (what: string) =>
  z.number({ error: `expected ${what} in milliseconds` }).finite().nonnegative({ error: `expected ${what} ≥ 0 ms` });

const gpuList = z
  .union([z.string(), z.array(z.union([z.number().int().nonnegative(), z.string()])).min(1)], {
    error: 'expected device ids, e.g. [0, 1] or "0,1"',
  })
  .transform((spec, ctx) => {
    try {
      return parseGpuList(typeof spec === "string" ? spec : spec.map(String).join(","));
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message.replace(/^gpus: /, "") });
      return z.NEVER;
    }
  });

const optionsSchema = z.strictObject({
  cmd: z
    .array(z.string({ error: "expected every argument to be a string" }), { error: 'expected an array such as ["python", "train.py"]' })
    .min(1, { error: "expected at least the program to run" })
    .refine((argv) => (argv[0] ?? "").length > 0, { error: "the program (cmd[0]) is empty" }),
  env: z.record(z.string(), z.string({ error: "expected every variable's value to be a string" })).default({}),
  cwd: z.string().min(1).optional(),
  timeout: milliseconds("a timeout").positive({ error: "expected a timeout > 0 ms" }).optional(),
  gracePeriod: milliseconds("a grace period").default(10_000),
  gpus: gpuList.optional(),
  logDir: z.string().min(1).default("hpo-trials"),
  maxLineLength: z.number().int().min(256).default(DEFAULT_MAX_LINE_LENGTH),
  stderrTailLines: z.number().int().min(1).max(1000).default(20),
  onWarning: z
    .custom<(message: string) => void>((v) => typeof v === "function", { error: "expected a function" })
    .optional(),
});

/**
 * Validates `command()`'s options, naming the field at fault.
 *
 * @example
 * resolveCommandOptions({ cmd: ["python", "train.py", "--lr", "{lr}"], timeout: 3_600_000 });
 */
export function resolveCommandOptions(options: CommandOptions): ResolvedCommandOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`command(): invalid options: ${describeZodIssues(parsed.error)}`);
  const o = parsed.data;
  return {
    cmd: o.cmd,
    env: o.env,
    cwd: o.cwd,
    timeout: o.timeout ?? null,
    gracePeriod: o.gracePeriod,
    gpus: o.gpus ?? null,
    logDir: o.logDir,
    maxLineLength: o.maxLineLength,
    stderrTailLines: o.stderrTailLines,
    onWarning: o.onWarning ?? ((message) => console.warn(message)),
  };
}

/** The GPUs from HPO_GPUS (set by `hpo run --gpus`), or null when it is unset or blank. */
export function gpusFromEnvironment(env: NodeJS.ProcessEnv = process.env): string[] | null {
  const spec = env.HPO_GPUS;
  if (spec === undefined || spec.trim() === "") return null;
  try {
    return parseGpuList(spec);
  } catch (e) {
    throw new Error(`HPO_GPUS: ${(e as Error).message.replace(/^gpus: /, "")}`);
  }
}
