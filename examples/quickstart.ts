// The smallest useful study: minimise a 2-D function with a float and a categorical.
// Run it with `npx hpo run examples/quickstart.ts`; run it again to continue the study.
import { defineStudy, RandomSampler } from "hpo";

export default defineStudy({
  name: "quickstart",
  direction: "minimize",
  sampler: new RandomSampler({ seed: 1 }),
  nTrials: 30,
  objective: async (trial) => {
    const x = trial.suggestFloat("x", -10, 10);
    const shape = trial.suggestCategorical("shape", ["bowl", "ridge"]);
    const y = trial.suggestInt("y", -5, 5);
    for (let step = 0; step < 3; step++) trial.report((x - 2) ** 2 + step, step);
    return (x - 2) ** 2 + (y - 1) ** 2 + (shape === "ridge" ? 1 : 0);
  },
});
