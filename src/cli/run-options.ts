import { CliError } from "./cli-error.ts";
import { STORAGE_FLAG_DOC, type CommandDoc } from "./command-doc.ts";
import { intFlag, MAX_TRIALS, numberFlag } from "./parse-flags.ts";

/** Trials one process runs at once, at most (each is an async loop holding a trial). */
export const MAX_CONCURRENCY = 10_000;

/** Flags shared by `hpo run` and `hpo worker`. */
export const RUN_FLAGS = {
  storage: { type: "string" },
  "n-trials": { type: "string" },
  "more-trials": { type: "string" },
  concurrency: { type: "string" },
  timeout: { type: "string" },
  "no-catch": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  gpus: { type: "string" },
  tracker: { type: "string", multiple: true },
} as const;

/** What `--help` says about each of RUN_FLAGS. */
export const RUN_FLAG_DOCS: CommandDoc<typeof RUN_FLAGS>["flags"] = {
  storage: { ...STORAGE_FLAG_DOC, default: "$HPO_STORAGE, else the study file's storage, else ./.hpo" },
  "n-trials": { value: "N", help: "study-wide budget: stop once the study holds N finished trials (earlier runs' count)", default: "the study file's nTrials; none: until --timeout or Ctrl-C" },
  "more-trials": { value: "N", help: "run N trials more than the study has finished now (a budget of finished + N; instead of --n-trials)" },
  concurrency: { value: "N", help: "trials run at once in each process", default: "the study file's concurrency, else 1; with --gpus, one process per trial" },
  timeout: { value: "SECONDS", help: "start no new trial after this long", default: "the study file's timeout, else none" },
  "no-catch": { help: "stop at the first trial whose objective throws (it is still recorded FAIL)", default: "record it FAIL and go on" },
  quiet: { help: "no progress bar or per-trial lines" },
  gpus: { value: "0,1,...", help: "GPU indices; each concurrent trial runs in a process pinned to its own (CUDA_VISIBLE_DEVICES)" },
  tracker: { value: "SPEC", help: 'also log to a tracker: "jsonl:path=runs/" or "wandb:project=NAME"' },
};

/** The parsed values of RUN_FLAGS. */
export interface RunFlags {
  storage?: string;
  nTrials?: number;
  /** Trials to run beyond those the study has finished (resolved into a budget at start). */
  moreTrials?: number;
  concurrency?: number;
  timeout?: number;
  noCatch: boolean;
  quiet: boolean;
  gpus?: number[];
  /** Tracker specs such as "wandb:project=x" or "jsonl:path=runs/". */
  trackers: string[];
}

/** Validates RUN_FLAGS values, naming the flag in errors. */
export function parseRunFlags(values: Record<string, string | boolean | string[] | undefined>): RunFlags {
  if (values["n-trials"] !== undefined && values["more-trials"] !== undefined) {
    throw new CliError("--n-trials (the study-wide budget) and --more-trials (trials beyond those finished) both set the budget: give one");
  }
  return {
    storage: values.storage as string | undefined,
    nTrials: intFlag("n-trials", values["n-trials"] as string | undefined, 0, MAX_TRIALS),
    moreTrials: intFlag("more-trials", values["more-trials"] as string | undefined, 1, MAX_TRIALS),
    concurrency: intFlag("concurrency", values.concurrency as string | undefined, 1, MAX_CONCURRENCY),
    timeout: numberFlag("timeout", values.timeout as string | undefined),
    noCatch: Boolean(values["no-catch"]),
    quiet: Boolean(values.quiet),
    gpus: values.gpus === undefined ? undefined : parseGpuFlag(values.gpus as string),
    trackers: (values.tracker as string[] | undefined) ?? [],
  };
}

/** `--gpus 0,1,2,3` → [0, 1, 2, 3]: distinct non-negative device indices. */
export function parseGpuFlag(spec: string): number[] {
  const parts = spec.split(",").map((p) => p.trim());
  const gpus = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (parts.length === 0 || gpus.some((g) => Number.isNaN(g))) {
    throw new CliError(`--gpus expects a comma-separated list of GPU indices such as 0,1,2,3, got "${spec}"`);
  }
  if (new Set(gpus).size !== gpus.length) throw new CliError(`--gpus lists a GPU twice: "${spec}"`);
  return gpus;
}
