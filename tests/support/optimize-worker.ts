// A worker process for multi-process tests: joins (or creates) a study and runs trials.
// usage: tsx optimize-worker.ts <storage-url> <study-name> <n-trials>
import { createStudy, RandomSampler } from "../../src/index.ts";

const [url, name, n] = process.argv.slice(2);
const study = await createStudy({ studyName: name, storage: url, loadIfExists: true, sampler: new RandomSampler() });
await study.optimize(
  (trial) => {
    const x = trial.suggestFloat("x", -1, 1);
    trial.report(x, 0);
    return x * x;
  },
  { nTrials: Number(n) },
);
await study.close();
