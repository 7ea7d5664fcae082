import { createStudy, InMemoryStorage, TrialPruned, type FrozenTrial, type Storage, type Tracker } from "hpo";

/** What a real study run left behind, for asserting that trackers did not disturb it. */
export interface RealStudyOutcome {
  readonly trials: FrozenTrial[];
  readonly finished: number;
  /** Longest time one objective call took (ms). */
  readonly slowestTrialMs: number;
}

/**
 * Runs a real study (a fresh in-memory storage unless one is given; continued if it exists) with `optimize(..., { trackers })`: define-by-run
 * params, a report per epoch; trial 1 is pruned at epoch 2 and trial 3 fails.
 */
export async function runRealStudy(
  studyName: string,
  trackers: Tracker[],
  nTrials = 4,
  storage: Storage = new InMemoryStorage(),
): Promise<RealStudyOutcome> {
  const study = await createStudy({ studyName, storage, direction: "maximize", loadIfExists: true });
  let slowest = 0;
  const result = await study.optimize(
    async (trial) => {
      const began = Date.now();
      try {
        const lr = trial.suggestFloat("lr", 1e-4, 1e-1, { log: true });
        const freeze = trial.suggestCategorical("freeze", ["none", "encoder", "decoder"]);
        let score = 0;
        for (let epoch = 1; epoch <= 3; epoch++) {
          score = epoch / 10 + lr;
          trial.report(score, epoch);
          if (trial.number === 1 && epoch === 2) throw new TrialPruned();
        }
        if (trial.number === 3) throw new Error(`diverged with freeze=${freeze}`);
        return score;
      } finally {
        slowest = Math.max(slowest, Date.now() - began);
      }
    },
    { nTrials, trackers, catch: true },
  );
  return { trials: await study.trials(), finished: result.finished, slowestTrialMs: slowest };
}
