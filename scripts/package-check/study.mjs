// A user's plain-Node script: imports the installed package, runs a 10-trial study.
import { createStudy, TPESampler } from "hpo";

const study = await createStudy({ studyName: "package-check", direction: "minimize", sampler: new TPESampler({ seed: 3 }), storage: "memory" });
await study.optimize(
  (trial) => {
    const x = trial.suggestFloat("x", -5, 5);
    const kind = trial.suggestCategorical("kind", ["a", "b"]);
    return (x - 1) ** 2 + (kind === "b" ? 0.5 : 0);
  },
  { nTrials: 10 },
);
const complete = (await study.trials()).filter((t) => t.state === "COMPLETE").length;
if (complete !== 10) throw new Error(`expected 10 complete trials, found ${complete}`);
const best = await study.bestTrial;
console.log(`mjs study: ${complete} trials, best ${best.value?.toFixed(4)} at x=${Number(best.params.x).toFixed(3)}`);
await study.close();
