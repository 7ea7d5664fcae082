// Type-checked (never run) in a fresh strict NodeNext project against the installed package's
// declarations: the public API as a user's code touches it.
import { createStudy, defineStudy, HyperbandPruner, TPESampler, TrialPruned, type FrozenTrial, type Trial } from "hpo";
import { corpusBleu, meteor, rougeL } from "hpo/metrics";
import { command } from "hpo/command";
import { jsonl } from "hpo/trackers/jsonl";
import { wandb } from "hpo/trackers/wandb";

export async function tune(): Promise<FrozenTrial | undefined> {
  const study = await createStudy({
    studyName: "typed",
    direction: "maximize",
    sampler: new TPESampler({ seed: 1 }),
    pruner: new HyperbandPruner({ minResource: 1, maxResource: 9 }),
    storage: "memory",
  });
  await study.optimize(
    async (trial: Trial) => {
      const lr = trial.suggestFloat("lr", 1e-5, 1e-2, { log: true });
      for (let epoch = 1; epoch <= 3; epoch++) {
        trial.report(lr * epoch, epoch);
        if (await trial.shouldPrune()) throw new TrialPruned();
      }
      const bleu: number = corpusBleu(["a red apple"], [["a red apple"]], { maxOrder: 2 }).bleu;
      return bleu + meteor("a b", ["a b"]) + rougeL("a", ["a"]).fmeasure;
    },
    { nTrials: 2 },
  );
  const best = await study.bestTrial;
  await study.close();
  return best;
}

export const definition = defineStudy({
  name: "typed-file",
  direction: "minimize",
  nTrials: 1,
  objective: command({ cmd: ["python3", "train.py", "--lr", "{lr}"] }),
  trackers: [jsonl({ path: "runs" }), wandb({ project: "p", mode: "offline" })],
});
