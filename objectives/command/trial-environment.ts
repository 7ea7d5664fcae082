import type { ParamValue } from "../../src/vocabulary/distribution.ts";

/** What a trial's program learns about its trial, besides its params. */
export interface TrialContext {
  readonly trialNumber: number;
  readonly studyName: string;
  readonly trialDir: string;
  /** For a retried trial: the number and folder of the trial it retries (its checkpoints are there). */
  readonly retryOf?: { readonly trialNumber: number; readonly trialDir: string } | null;
}

/**
 * The environment variable that carries one param: `HPO_PARAM_` and the name upper-cased,
 * every character outside A-Z and 0-9 turned into `_`.
 *
 * @example
 * paramEnvName("lora.dropout") // "HPO_PARAM_LORA_DROPOUT"
 */
export function paramEnvName(name: string): string {
  return `HPO_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** A param as text, the same in arguments and variables (null becomes ""). */
export function formatParam(value: ParamValue): string {
  return value === null ? "" : String(value);
}

/**
 * The variables a trial's program gets on top of the inherited environment: HPO_PARAMS
 * (JSON), HPO_PARAM_<NAME> each, HPO_TRIAL_NUMBER, HPO_STUDY_NAME, HPO_TRIAL_DIR, and for a
 * retried trial HPO_RETRY_OF (the failed trial's number) and HPO_RETRY_OF_DIR (its folder). Throws
 * when two param names map to one variable, since one would silently hide the other.
 */
export function trialEnvironment(params: Readonly<Record<string, ParamValue>>, context: TrialContext): Record<string, string> {
  const env: Record<string, string> = {
    HPO_PARAMS: JSON.stringify(params),
    HPO_TRIAL_NUMBER: String(context.trialNumber),
    HPO_STUDY_NAME: context.studyName,
    HPO_TRIAL_DIR: context.trialDir,
  };
  if (context.retryOf) {
    env.HPO_RETRY_OF = String(context.retryOf.trialNumber);
    env.HPO_RETRY_OF_DIR = context.retryOf.trialDir;
  }
  const owner = new Map<string, string>();
  for (const [name, value] of Object.entries(params)) {
    const variable = paramEnvName(name);
    const other = owner.get(variable);
    if (other !== undefined) throw new Error(`command: params "${other}" and "${name}" both map to ${variable}`);
    owner.set(variable, name);
    env[variable] = formatParam(value);
  }
  return env;
}

// `{lr}` is a placeholder; `{{lr}}` is the literal text `{lr}`. Names are identifier-like,
// so JSON such as `{"a": 1}` in an argument is left alone.
const PLACEHOLDER = /\{\{([A-Za-z0-9_][A-Za-z0-9_.\/-]*)\}\}|\{([A-Za-z0-9_][A-Za-z0-9_.\/-]*)\}/g;

/**
 * Fills `{name}` placeholders in each argument with the trial's params, or with the
 * built-ins `{trial_number}`, `{study_name}`, `{trial_dir}` (a param of the same name wins).
 * Throws for a placeholder that names neither, saying which argument holds it.
 *
 * @example
 * renderArguments(["train.py", "--lr", "{lr}"], { lr: 0.01 }, context) // ["train.py", "--lr", "0.01"]
 */
export function renderArguments(
  argv: readonly string[],
  params: Readonly<Record<string, ParamValue>>,
  context: TrialContext,
): string[] {
  const builtins: Record<string, string> = {
    trial_number: String(context.trialNumber),
    study_name: context.studyName,
    trial_dir: context.trialDir,
  };
  return argv.map((arg, index) =>
    arg.replace(PLACEHOLDER, (_match, escaped: string | undefined, name: string | undefined) => {
      if (escaped !== undefined) return `{${escaped}}`;
      const key = name as string;
      if (Object.hasOwn(params, key)) return formatParam(params[key] as ParamValue);
      if (Object.hasOwn(builtins, key)) return builtins[key] as string;
      const known = [...Object.keys(params), ...Object.keys(builtins)].join(", ");
      throw new Error(`command: cmd[${index}] ${JSON.stringify(arg)} uses {${key}}, which is neither a param nor a built-in (known: ${known})`);
    }),
  );
}
