// A user's TypeScript study file, run by `npx hpo run study.ts` from the installed package.
import { defineStudy, RandomSampler, type Trial } from "hpo";

function objective(trial: Trial): number {
  const lr: number = trial.suggestFloat("lr", 1e-4, 1e-1, { log: true });
  const layers: number = trial.suggestInt("layers", 1, 4);
  trial.report(Math.abs(Math.log10(lr) + 2), 0);
  return Math.abs(Math.log10(lr) + 2) + layers / 10;
}

export default defineStudy({
  name: "package-check-ts",
  direction: "minimize",
  sampler: new RandomSampler({ seed: 1 }),
  nTrials: 6,
  objective,
});
