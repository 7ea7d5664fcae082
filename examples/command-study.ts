// Tune a program instead of a function: each trial runs examples/command/train-logistic.mjs
// (any language would do: it only prints `hpo:report` / `hpo:result` lines) with the
// trial's params as arguments. Median pruning stops poor runs early by SIGTERM.
// Run it with `npx hpo run examples/command-study.ts`; trial logs land in hpo-trials/.
// On a GPU machine, add `gpus: [0, 1]` to command() (or run with HPO_GPUS=0,1): each of
// the concurrent trials then gets its own GPU through CUDA_VISIBLE_DEVICES.
import { fileURLToPath } from "node:url";
import { defineStudy, MedianPruner, param, RandomSampler } from "hpo";
import { command } from "hpo/command";

const script = fileURLToPath(new URL("./command/train-logistic.mjs", import.meta.url));

export default defineStudy({
  name: "command-logistic",
  direction: "minimize",
  space: {
    lr: param.float(1e-3, 3, { log: true }),
    momentum: param.float(0, 0.99),
    batch_size: param.categorical([16, 32, 64, 128]),
    weight_decay: param.float(1e-6, 1e-1, { log: true }),
  },
  sampler: new RandomSampler({ seed: 1 }),
  pruner: new MedianPruner({ nStartupTrials: 4, nWarmupSteps: 5 }),
  nTrials: 24,
  concurrency: 2,
  objective: command({
    cmd: [
      process.execPath,
      script,
      "--lr",
      "{lr}",
      "--momentum",
      "{momentum}",
      "--batch-size",
      "{batch_size}",
      "--weight-decay",
      "{weight_decay}",
    ],
    timeout: 60_000,
    gracePeriod: 2_000,
  }),
});
