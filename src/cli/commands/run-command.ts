import { consoleTracker } from "../../../trackers/console/console-tracker.ts";
import { formatNumber, formatParams } from "../../../trackers/console/format-value.ts";
import { createStudy } from "../../study/create-study.ts";
import type { Study } from "../../study/study.ts";
import { FINISHED_STATES } from "../../trial/trial-state.ts";
import { loadStudyFile } from "../../study-file/load-study-file.ts";
import { withSpace } from "../../study-file/search-space.ts";
import type { Tracker } from "../../tracking/tracker.ts";
import { parseStorageUrl } from "../../storage/open-storage.ts";
import { CliError } from "../cli-error.ts";
import { intFlag, numberFlag, parseFlags } from "../parse-flags.ts";

const USAGE =
  "hpo run <study.ts> [--storage URL] [--n-trials N] [--concurrency N] [--timeout SECONDS] [--no-catch] [--quiet]";

/** `hpo run`: creates or continues the study a file defines and runs it to its budget. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      storage: { type: "string" },
      "n-trials": { type: "string" },
      concurrency: { type: "string" },
      timeout: { type: "string" },
      "no-catch": { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
    },
    USAGE,
  );
  if (positionals.length !== 1) throw new CliError(`expected one study file\nusage: ${USAGE}`);
  const nTrialsFlag = intFlag("n-trials", values["n-trials"], 0);
  const concurrencyFlag = intFlag("concurrency", values.concurrency, 1);
  const timeoutFlag = numberFlag("timeout", values.timeout);

  // Validate everything before touching storage: bad input writes nothing.
  const def = await loadStudyFile(positionals[0]);
  const storageUrl = values.storage ?? process.env.HPO_STORAGE ?? def.storage;
  const target = parseStorageUrl(storageUrl);
  const log = (m: string) => process.stderr.write(`${m}\n`);

  const study = await createStudy({
    studyName: def.name,
    storage: storageUrl,
    directions: def.directions ? [...def.directions] : undefined,
    direction: def.directions ? undefined : def.direction,
    sampler: def.sampler,
    pruner: def.pruner,
    loadIfExists: true,
  });
  try {
    const finishedBefore = (await study.trials({ states: FINISHED_STATES })).length;
    const budget = nTrialsFlag ?? def.nTrials;
    const remaining = budget === undefined ? undefined : Math.max(0, budget - finishedBefore);
    const where = target.kind === "pglite" ? `embedded storage ${target.folder ?? "(memory)"}` : study.storage.location;
    log(
      `hpo: study "${study.studyName}" (${study.directions.join(", ")}) on ${where}: ${finishedBefore} trial(s) already finished` +
        (budget !== undefined ? `, budget ${budget}, ${remaining} to run` : ", no trial budget (runs until --timeout or Ctrl-C)"),
    );
    const catchAll = !values["no-catch"];
    if (catchAll && def.catch === undefined) {
      log("hpo: a trial whose objective throws is recorded as FAIL and the study goes on (--no-catch stops at the first error)");
    }
    if (remaining === 0) {
      log("hpo: the budget is already reached; nothing to run");
      await printSummary(study, log);
      return 0;
    }

    const trackers: Tracker[] = [...(values.quiet ? [] : [consoleTracker()]), ...(def.trackers ?? [])];
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      log("\nhpo: interrupted: marking running trials FAIL (interrupted); press Ctrl-C again to quit at once");
      controller.abort();
    };
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigint);
    let reason: string;
    try {
      const result = await study.optimize(withSpace(def.space, def.objective), {
        nTrials: remaining,
        timeout: timeoutFlag ?? def.timeout,
        concurrency: concurrencyFlag ?? def.concurrency ?? 1,
        catch: catchAll ? (def.catch ?? true) : false,
        trackers,
        signal: controller.signal,
      });
      reason = result.reason;
    } finally {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigint);
    }
    await printSummary(study, log);
    if (reason === "interrupted") {
      log(`hpo: stopped; run the same command again to continue study "${study.studyName}"`);
      return 130;
    }
    return 0;
  } finally {
    await study.close();
  }
}

async function printSummary(study: Study, log: (m: string) => void): Promise<void> {
  const trials = await study.trials();
  const count = (s: string) => trials.filter((t) => t.state === s).length;
  log(
    `hpo: ${trials.length} trial(s): ${count("COMPLETE")} complete, ${count("PRUNED")} pruned, ${count("FAIL")} failed` +
      (count("RUNNING") ? `, ${count("RUNNING")} running elsewhere` : "") +
      (count("WAITING") ? `, ${count("WAITING")} waiting` : ""),
  );
  if (study.directions.length > 1) {
    const front = await study.bestTrials;
    log(`hpo: Pareto front: ${front.map((t) => `trial ${t.number} [${t.values!.map(formatNumber).join(", ")}]`).join("; ") || "empty"}`);
    return;
  }
  if (count("COMPLETE") === 0) return;
  const best = await study.bestTrial;
  log(`hpo: best trial ${best.number}: value ${formatNumber(best.value)} with ${formatParams(best.params)}`);
  const attrs = Object.entries(best.userAttrs);
  if (attrs.length) log(`hpo:   user attrs: ${attrs.map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : JSON.stringify(v)}`).join(" ")}`);
}
