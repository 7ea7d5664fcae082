#!/usr/bin/python3
"""Optuna on the conditional space of `npm run bench -- tpe-conditional`.

    /usr/bin/python3 scripts/bench/optuna_conditional.py SEEDS SETTINGS
    e.g. ... 0..19 tpe,tpe-mv,tpe-mv-group

For whichever Optuna `import optuna` finds (Debian's 3.1, or 4.9's source on PYTHONPATH):
one fresh in-memory study per setting and seed. Prints one JSON object: {"optuna": version,
"results": {setting: {"finals": [best value per seed], "at": {checkpoint: [...]}}}} (the
optimum is 0, so best value = regret).
"""

import json
import os
import sys
import time
import warnings

import optuna

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conditional_space import CONDITIONAL_TRIALS, conditional_objective  # noqa: E402
from optuna_quality import make_sampler, seeds_of  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")

CHECKPOINTS = [10, 25, 50, 100]


def main():
    seeds, settings = seeds_of(sys.argv[1]), sys.argv[2].split(",")
    results = {}
    for setting in settings:
        t0 = time.perf_counter()
        finals, at = [], {str(c): [] for c in CHECKPOINTS}
        for seed in seeds:
            study = optuna.create_study(sampler=make_sampler(setting, seed), direction="minimize")
            study.optimize(conditional_objective, n_trials=CONDITIONAL_TRIALS)
            best = float("inf")
            for i, trial in enumerate(study.trials, start=1):
                best = min(best, trial.value)
                if str(i) in at:
                    at[str(i)].append(best)
            finals.append(best)
        results[setting] = {"finals": finals, "at": at}
        sys.stderr.write(f"  Optuna {optuna.__version__} conditional {setting}: {time.perf_counter() - t0:.1f} s\n")
    print(json.dumps({"optuna": optuna.__version__, "results": results}))


if __name__ == "__main__":
    main()
