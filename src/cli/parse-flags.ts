import { parseArgs } from "node:util";
import { CliError, HelpRequested } from "./cli-error.ts";
import { renderCommandHelp, type CommandDoc, type FlagOptions } from "./command-doc.ts";

type ParsedFlags<O extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/**
 * Parses a subcommand's flags, turning node's messages into one-line usage errors;
 * `--help` (before a `--`) prints the command's full help.
 */
export function parseFlags<O extends FlagOptions>(argv: string[], options: O, doc: CommandDoc<O>): ParsedFlags<O> {
  const end = argv.indexOf("--");
  const own = end === -1 ? argv : argv.slice(0, end);
  if (own.includes("--help") || own.includes("-h")) throw new HelpRequested(renderCommandHelp(doc, options));
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message.replace(/\. To specify a positional argument.*$/, "")}\nusage: ${doc.usage}  (--help describes every option)`);
  }
}

/** Parsed flag values back to arguments (`--name value`, `--flag`), to hand on to another command. */
export function flagsToArgv(values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>): string[] {
  const argv: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === true) argv.push(`--${name}`);
      else if (typeof v === "string") argv.push(`--${name}`, v);
    }
  }
  return argv;
}

/** The most trials a study may hold: trial numbers are 32-bit integers in storage. */
export const MAX_TRIALS = 2_147_483_647;

/** Parses an integer flag value within bounds, naming the flag in errors (an empty value is an error, not 0). */
export function intFlag(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new CliError(`--${name} expects an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Parses a positive number flag value, naming the flag in errors. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name} expects a positive number, got "${value}"`);
  return n;
}
