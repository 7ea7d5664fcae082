import { packageVersion } from "../internal/package-root.ts";
import { CliError, HelpRequested } from "./cli-error.ts";
import { logLine } from "./stderr-log.ts";
import { exitWhenDone, reportWorkThatNeverSettles } from "./process-exit.ts";

type Command = (argv: string[]) => Promise<number>;

// Each command's module is loaded only when it runs, so `--version` and `--help` answer
// without loading storage, the study-file loader or the server.
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  run: { load: async () => (await import("./commands/run-command.ts")).runCommand, summary: "run (or continue) the study a file defines" },
  worker: {
    load: async () => (await import("./commands/worker-command.ts")).workerCommand,
    summary: "join a study (any machine, shared PostgreSQL) and run trials until its budget",
  },
  captioner: {
    load: async () => (await import("./commands/captioner-command.ts")).captionerCommand,
    summary: "captioner tools: pretrain a base captioner (hpo captioner pretrain --help)",
  },
  resume: {
    load: async () => (await import("./commands/resume-command.ts")).resumeCommand,
    summary: "continue a study (from the study file given, or the recorded one once you confirm it)",
  },
  studies: { load: async () => (await import("./commands/studies-command.ts")).studiesCommand, summary: "list studies with counts and best values" },
  trials: { load: async () => (await import("./commands/trials-command.ts")).trialsCommand, summary: "show a study's trials" },
  best: { load: async () => (await import("./commands/best-command.ts")).bestCommand, summary: "print a study's best trial (or its Pareto front)" },
  export: { load: async () => (await import("./commands/export-command.ts")).exportCommand, summary: "export a study's trials as CSV or JSON" },
  delete: { load: async () => (await import("./commands/delete-command.ts")).deleteCommand, summary: "delete a study and its trials" },
  serve: { load: async () => (await import("./commands/serve-command.ts")).serveCommand, summary: "serve the dashboard and live feed (WebSocket) for a storage" },
  "score-captions": {
    load: async () => (await import("./commands/score-captions-command.ts")).scoreCaptionsCommand,
    summary: "BLEU-1/2, ROUGE-L and METEOR of a JSONL file of predictions and references",
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "hpo — hyperparameter search for TypeScript",
    "",
    "usage: hpo <command> [options]",
    "       hpo <command> --help (or hpo help <command>) describes its options",
    "",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Every command takes --storage URL: a folder (embedded PGlite, default ./.hpo or $HPO_STORAGE),",
    '"memory", or postgres://user@host:port/database. Set HPO_DEBUG=1 for stack traces.',
  ].join("\n");
}

/** Errors whose message is already one line for the user (no class name, no stack). */
async function isKnownError(e: unknown): Promise<boolean> {
  if (e instanceof CliError) return true;
  // Loaded only on the error path: they come with the modules that throw them.
  const [{ PeerDependencyError }, { DistributionError }, { StorageError }, { StudyOptionsError }, { StudyDefinitionError }] = await Promise.all([
    import("../internal/peer-dependencies.ts"),
    import("../vocabulary/distribution.ts"),
    import("../storage/storage-errors.ts"),
    import("../study/create-study.ts"),
    import("../study-file/study-definition.ts"),
  ]);
  return [StorageError, StudyDefinitionError, StudyOptionsError, DistributionError, PeerDependencyError].some((cls) => e instanceof cls);
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (name === "help" && rest.length > 0) {
    // `hpo help run` is `hpo run --help`.
    [name, ...rest] = [rest[0], "--help"];
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    logLine(`hpo: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.message}\n`);
      return 0;
    }
    const known = await isKnownError(e).catch(() => false);
    const err = e as Error;
    logLine(`hpo: ${known ? err.message : `${err?.name ?? "Error"}: ${err?.message ?? String(e)}`}`);
    if (process.env.HPO_DEBUG && err?.stack) process.stderr.write(`${err.stack}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  }
}

/**
 * Runs the CLI as the `hpo` process: the command, then the exit once programs stopping in
 * their grace period are gone and stdout has drained; a promise that never settles is named
 * instead of ending the process silently.
 */
export async function runCli(argv: string[]): Promise<never> {
  const stopWatching = reportWorkThatNeverSettles();
  const code = await main(argv);
  stopWatching();
  return exitWhenDone(code);
}
