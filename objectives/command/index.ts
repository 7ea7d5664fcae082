/**
 * hpo/command — tune any program (Python, PyTorch, a shell script) as an objective: it
 * reads params from its arguments or environment and reports on stdout.
 */
export * from "./command-objective.ts";
export type { CommandOptions } from "./command-options.ts";
export { gpusFromEnvironment } from "./command-options.ts";
export type * from "./command-trial.ts";
export * from "./gpu-slot-pool.ts";
export * from "./report-line-parser.ts";
export { paramEnvName, renderArguments, trialEnvironment, type TrialContext } from "./trial-environment.ts";
export * from "./line-splitter.ts";
export * from "./bounded-tail.ts";
export { ProcessGroup, processGroupExists, type ExitStatus } from "./process-group.ts";
export { isShuttingDown, liveProcessGroupCount } from "./process-group-registry.ts";
