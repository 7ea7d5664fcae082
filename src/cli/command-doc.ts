import type { ParseArgsConfig } from "node:util";

/** The parseArgs options of one command. */
export type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/** What `--help` says about one flag. */
export interface FlagDoc {
  /** The value's placeholder (`N`, `URL`); absent for a boolean flag. */
  readonly value?: string;
  /** One line of meaning. */
  readonly help: string;
  /** The default, in words, when the flag is left out. */
  readonly default?: string;
}

/** What `hpo <command> --help` prints: usage, a sentence, and every flag with its meaning and default. */
export interface CommandDoc<O extends FlagOptions = FlagOptions> {
  /** `hpo run <study.ts> [options]`. */
  readonly usage: string;
  /** What the command does, a sentence or two. */
  readonly about: string;
  /** One entry per flag the command takes (the type requires them all). */
  readonly flags: { readonly [K in keyof O]: FlagDoc };
  /** Lines after the flag list (examples, notes). */
  readonly notes?: readonly string[];
}

/** Widest flag column before the meaning moves to its own line. */
const FLAG_COLUMN = 26;

/**
 * The full help of a command: usage, about, one line per flag (`--name VALUE  meaning
 * (default: …)`), then notes.
 *
 * @example
 * renderCommandHelp({ usage: "hpo studies [options]", about: "Lists studies.", flags: { json: { help: "print JSON" } } }, { json: { type: "boolean" } })
 */
export function renderCommandHelp<O extends FlagOptions>(doc: CommandDoc<O>, options: O): string {
  const lines = [`usage: ${doc.usage}`, "", doc.about, "", "options:"];
  const entries = Object.entries(doc.flags as Record<string, FlagDoc>).sort(([a], [b]) => a.localeCompare(b));
  for (const [name, flag] of entries) {
    const short = options[name]?.short;
    const multiple = options[name]?.multiple ? " (repeatable)" : "";
    const left = `  ${short ? `-${short}, ` : ""}--${name}${flag.value ? ` ${flag.value}` : ""}`;
    const right = `${flag.help}${multiple}${flag.default !== undefined ? ` (default: ${flag.default})` : ""}`;
    const wrapped = wrapWords(right, HELP_WIDTH - FLAG_COLUMN).map((l) => `${" ".repeat(FLAG_COLUMN)}${l}`);
    if (left.length <= FLAG_COLUMN - 2) wrapped[0] = `${left.padEnd(FLAG_COLUMN)}${wrapped[0].trimStart()}`;
    else wrapped.unshift(left);
    lines.push(...wrapped);
  }
  lines.push(`  ${"-h, --help".padEnd(FLAG_COLUMN - 2)}this help`);
  if (doc.notes?.length) lines.push("", ...doc.notes.flatMap((n) => wrapWords(n, HELP_WIDTH)));
  lines[2] = wrapWords(doc.about, HELP_WIDTH).join("\n");
  return lines.join("\n");
}

/** Help fits a terminal 80 columns wide. */
const HELP_WIDTH = 79;

/** Text broken at spaces into lines of at most `width` characters (a longer word stands alone). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** The `--storage` flag every command that reads a study takes. */
export const STORAGE_FLAG_DOC: FlagDoc = {
  value: "URL",
  help: 'where studies live: a folder (embedded PGlite), "memory", or postgres://user@host:port/db',
  default: "$HPO_STORAGE, else ./.hpo",
};
