import type { CommandTrial } from "./command-trial.ts";
import { resolveCommandOptions, type CommandOptions } from "./command-options.ts";
import { runCommandTrial } from "./command-trial-run.ts";
import type { ReportedValue } from "./report-line-parser.ts";

/**
 * An objective that runs a program per trial; accepts the core's Trial. Resolves to the
 * trial's value, or to named metrics of which the study's watched metric is the value.
 */
export type CommandObjective = (trial: CommandTrial) => Promise<ReportedValue>;

/**
 * An objective that runs any program once per trial. Params reach it as templated
 * arguments (`{lr}`), as HPO_PARAMS (JSON) and as HPO_PARAM_<NAME>; it reports by printing
 * `hpo:report {"step": 3, "value": 0.41}` or, for several metrics at once,
 * `hpo:report {"step": 3, "metrics": {"val_loss": 2.4, "meteor": 0.22}}`, and finishes with
 * `hpo:result {"value": 0.52}` (else its last report counts). Pruning and timeouts stop its whole process group
 * (SIGTERM, grace period, SIGKILL); with `gpus`, each concurrent trial gets its own GPU.
 * Options are validated here, so a typo fails before the first trial.
 *
 * @example
 * await study.optimize(
 *   command({ cmd: ["python", "train.py", "--lr", "{lr}"], timeout: 3_600_000, gpus: [0, 1] }),
 *   { nTrials: 20, concurrency: 2 },
 * );
 */
export function command(options: CommandOptions): CommandObjective {
  const resolved = resolveCommandOptions(options);
  return (trial) => runCommandTrial(resolved, trial);
}
