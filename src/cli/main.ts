import { packageVersion } from "../internal/package-root.ts";
import { PeerDependencyError } from "../internal/peer-dependencies.ts";
import { DistributionError } from "../distributions/distribution.ts";
import { StorageError } from "../storage/storage-errors.ts";
import { StudyOptionsError } from "../study/create-study.ts";
import { StudyDefinitionError } from "../study-file/study-definition.ts";
import { CliError, HelpRequested } from "./cli-error.ts";
import { logLine } from "./stderr-log.ts";
import { exitWhenDone, reportWorkThatNeverSettles } from "./process-exit.ts";
import { deleteCommand } from "./commands/delete-command.ts";
import { exportCommand } from "./commands/export-command.ts";
import { runCommand } from "./commands/run-command.ts";
import { serveCommand } from "./commands/serve-command.ts";
import { resumeCommand } from "./commands/resume-command.ts";
import { scoreCaptionsCommand } from "./commands/score-captions-command.ts";
import { captionerCommand } from "./commands/captioner-command.ts";
import { workerCommand } from "./commands/worker-command.ts";
import { studiesCommand } from "./commands/studies-command.ts";
import { trialsCommand } from "./commands/trials-command.ts";

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: "run (or continue) the study a file defines" },
  worker: { run: workerCommand, summary: "join a study (any machine, shared PostgreSQL) and run trials until its budget" },
  captioner: { run: captionerCommand, summary: "captioner tools: pretrain a base captioner (hpo captioner pretrain --help)" },
  resume: { run: resumeCommand, summary: "continue a study (from the study file given, or the recorded one once you confirm it)" },
  studies: { run: studiesCommand, summary: "list studies with counts and best values" },
  trials: { run: trialsCommand, summary: "show a study's trials" },
  export: { run: exportCommand, summary: "export a study's trials as CSV or JSON" },
  delete: { run: deleteCommand, summary: "delete a study and its trials" },
  serve: { run: serveCommand, summary: "serve the dashboard and live feed (WebSocket) for a storage" },
  "score-captions": { run: scoreCaptionsCommand, summary: "BLEU-1/2, ROUGE-L and METEOR of a JSONL file of predictions and references" },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "hpo — hyperparameter search for TypeScript",
    "",
    "usage: hpo <command> [options]",
    "",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Every command takes --storage URL: a folder (embedded PGlite, default ./.hpo or $HPO_STORAGE),",
    '"memory", or postgres://user@host:port/database. Set HPO_DEBUG=1 for stack traces.',
  ].join("\n");
}

const KNOWN_ERRORS = [CliError, StorageError, StudyDefinitionError, StudyOptionsError, DistributionError, PeerDependencyError];

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
    return await command.run(rest);
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.message}\n`);
      return 0;
    }
    const known = KNOWN_ERRORS.some((cls) => e instanceof cls);
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
