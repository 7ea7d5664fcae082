import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError, HelpRequested } from "./cli-error.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;
type ParsedFlags<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** Parses a subcommand's flags, turning node's messages into one-line usage errors. */
export function parseFlags<O extends Options>(argv: string[], options: O, usage: string): ParsedFlags<O> {
  if (argv.includes("--help") || argv.includes("-h")) throw new HelpRequested(`usage: ${usage}`);
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message.replace(/\. To specify a positional argument.*$/, "")}\nusage: ${usage}`);
  }
}

/** Parses an integer flag value with bounds, naming the flag in errors. */
export function intFlag(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} expects an integer >= ${min}, got "${value}"`);
  return n;
}

/** Parses a positive number flag value, naming the flag in errors. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name} expects a positive number, got "${value}"`);
  return n;
}
