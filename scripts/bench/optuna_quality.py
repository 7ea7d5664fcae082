#!/usr/bin/python3
"""Optuna's regret curves on the shared benchmark functions, for `npm run bench -- samplers
--optuna live` (driven by bench/_optuna-curves.ts).

    /usr/bin/python3 scripts/bench/optuna_quality.py FUNCTIONS_JSON FUNCTIONS SEEDS SETTINGS
    e.g. ... ../shared/bench/functions.json branin,hartmann6 0..19 random,tpe,tpe-mv,tpe-mv-group

For whichever Optuna `import optuna` finds (Debian's 3.1, or 4.9's source on PYTHONPATH):
one fresh in-memory study per function, setting and seed, params suggested in the listed
order, the function's trial budget. Prints one JSON object: {"optuna": version, "blas":
the BLAS library NumPy loaded, "results":
{function: {setting: {"finals": [regret per seed], "at": {checkpoint: [regret per seed]}}}}},
regret = best value so far - optimum. The settings are those of
../shared/bench/optuna-baseline.json: random = RandomSampler(seed=s), tpe = TPESampler(seed=s),
tpe-mv = TPESampler(seed=s, multivariate=True), tpe-mv-group = (..., group=True).
"""

import json
import os
import sys
import time
import warnings

import optuna
from optuna.samplers import RandomSampler, TPESampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_functions import FUNCTIONS, suggest  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")

CHECKPOINTS = [10, 25, 50, 100, 200]


def make_sampler(setting, seed):
    if setting == "random":
        return RandomSampler(seed=seed)
    if setting == "tpe":
        return TPESampler(seed=seed)
    if setting == "tpe-mv":
        return TPESampler(seed=seed, multivariate=True)
    if setting == "tpe-mv-group":
        return TPESampler(seed=seed, multivariate=True, group=True)
    raise SystemExit(f"unknown setting {setting!r}: expected random, tpe, tpe-mv or tpe-mv-group")


def seeds_of(text):
    if ".." in text:
        a, b = text.split("..")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def blas_library():
    """The BLAS NumPy runs on: it decides some of TPE's ties, so results can depend on it."""
    import numpy

    numpy.ones((2, 2)) @ numpy.ones((2, 2))
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.split()[-1].lower() and ".so" in line}
    return sorted(paths)[0] if paths else None


def main():
    path, names, seeds, settings = sys.argv[1], sys.argv[2].split(","), seeds_of(sys.argv[3]), sys.argv[4].split(",")
    with open(path) as f:
        specs = {spec["name"]: spec for spec in json.load(f)["functions"]}
    results = {}
    for name in names:
        spec = specs[name]
        fn = FUNCTIONS[name]
        optimum = spec["optimum"]["value"]
        n_trials = spec["budget"]["n_trials"]
        checkpoints = [c for c in CHECKPOINTS if c <= n_trials]
        results[name] = {}
        for setting in settings:
            t0 = time.perf_counter()
            finals, at = [], {str(c): [] for c in checkpoints}
            for seed in seeds:
                study = optuna.create_study(sampler=make_sampler(setting, seed), direction="minimize")
                study.optimize(lambda trial: fn({p["name"]: suggest(trial, p) for p in spec["params"]}), n_trials=n_trials)
                best = float("inf")
                for i, trial in enumerate(study.trials, start=1):
                    best = min(best, trial.value)
                    if str(i) in at:
                        at[str(i)].append(best - optimum)
                finals.append(best - optimum)
            results[name][setting] = {"finals": finals, "at": at}
            sys.stderr.write(f"  Optuna {optuna.__version__} {name} {setting}: {time.perf_counter() - t0:.1f} s\n")
    print(json.dumps({"optuna": optuna.__version__, "blas": blas_library(), "results": results}))


if __name__ == "__main__":
    main()
