#!/usr/bin/python3
"""Whole-study fixtures for hpo's TPE sampler, from Optuna 3.1.0 (Debian's python3-optuna).

    /usr/bin/python3 scripts/golden/tpe_trajectory_fixtures.py

hpo's seeded TPE draws from the same random streams as Optuna's (MT19937 seeded as NumPy's
RandomState, the start-up RandomSampler's search-space transform, NumPy's choice/argsort/sum
arithmetic), so a seeded study should make the same proposals trial after trial, not merely
proposals from the same distribution. Each case here runs a real Optuna study and records
every trial (params, state, value, intermediate values); the test replays the objective in
hpo and expects the same trials. Writes tests/fixtures/tpe/trajectories.json.

The one place the streams are known to part: when two categorical choices are equally good
to the last bit but for rounding, which one wins depends on how log() rounds (NumPy's is
vectorised per CPU); the cases below are ones where it does not come up.
"""

import json
import math
import os

import optuna
from optuna.pruners import MedianPruner
from optuna.samplers import TPESampler

assert optuna.__version__ == "3.1.0", f"expected Optuna 3.1.0, got {optuna.__version__}"
optuna.logging.set_verbosity(optuna.logging.ERROR)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "tpe", "trajectories.json")

BRANIN = [
    {"name": "x1", "type": "float", "low": -5.0, "high": 10.0},
    {"name": "x2", "type": "float", "low": 0.0, "high": 15.0},
]
MIXED = [
    {"name": "lr", "type": "float", "low": 1e-5, "high": 1e-1, "log": True},
    {"name": "units", "type": "int", "low": 16, "high": 256, "step": 16},
    {"name": "depth", "type": "int", "low": 1, "high": 64, "log": True},
    {"name": "dropout", "type": "float", "low": 0.0, "high": 0.5, "step": 0.05},
    {"name": "act", "type": "categorical", "choices": ["relu", "gelu", "tanh"]},
    {"name": "momentum", "type": "float", "low": 0.5, "high": 0.99},
]
ACT_PENALTY = {"relu": 0.1, "gelu": 0.0, "tanh": 0.3}


def suggest(trial, spec):
    if spec["type"] == "categorical":
        return trial.suggest_categorical(spec["name"], spec["choices"])
    options = {key: spec[key] for key in ("log", "step") if spec.get(key)}
    suggest_number = trial.suggest_float if spec["type"] == "float" else trial.suggest_int
    return suggest_number(spec["name"], spec["low"], spec["high"], **options)


def branin(p):
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (p["x2"] - b * p["x1"] ** 2 + c * p["x1"] - 6) ** 2 + 10 * (1 - t) * math.cos(p["x1"]) + 10


def mixed(p):
    return (
        (math.log10(p["lr"]) + 3) ** 2
        + ((p["units"] - 128) / 64) ** 2
        + (math.log2(p["depth"]) - 3) ** 2 / 4
        + (p["dropout"] - 0.2) ** 2 * 10
        + ACT_PENALTY[p["act"]]
        + (p["momentum"] - 0.9) ** 2 * 5
    )


def conditional(trial):
    """A two-branch space: each branch's params exist only in its trials."""
    kind = trial.suggest_categorical("kind", ["a", "b"])
    if kind == "a":
        x = trial.suggest_float("x", -5.0, 5.0)
        return (x - 1.5) ** 2
    y = trial.suggest_int("y", 0, 10)
    z = trial.suggest_float("z", 0.01, 1.0, log=True)
    return 0.5 + (y - 7) ** 2 / 10 + (math.log10(z) + 1) ** 2


CASES = [
    {"name": "branin-univariate", "space": BRANIN, "objective": "branin", "seed": 0, "n_trials": 80, "sampler": {}},
    {"name": "mixed-univariate", "space": MIXED, "objective": "mixed", "seed": 5, "n_trials": 60, "sampler": {}},
    {"name": "mixed-multivariate", "space": MIXED, "objective": "mixed", "seed": 2, "n_trials": 50, "sampler": {"multivariate": True}},
    {"name": "branin-median-pruned", "space": BRANIN, "objective": "branin-curve", "seed": 1, "n_trials": 50, "sampler": {},
     "pruner": {"kind": "median", "n_startup_trials": 5, "n_warmup_steps": 2}},
    {"name": "conditional-group", "space": None, "objective": "conditional", "seed": 3, "n_trials": 40,
     "sampler": {"multivariate": True, "group": True}},
    {"name": "mixed-custom-options", "space": MIXED, "objective": "mixed", "seed": 11, "n_trials": 45,
     "sampler": {"n_startup_trials": 5, "n_ei_candidates": 12, "consider_endpoints": True, "prior_weight": 2.0}},
]


def run(case):
    s = case["sampler"]
    sampler = TPESampler(
        seed=case["seed"],
        multivariate=s.get("multivariate", False),
        group=s.get("group", False),
        n_startup_trials=s.get("n_startup_trials", 10),
        n_ei_candidates=s.get("n_ei_candidates", 24),
        consider_endpoints=s.get("consider_endpoints", False),
        prior_weight=s.get("prior_weight", 1.0),
    )
    pr = case.get("pruner")
    pruner = MedianPruner(n_startup_trials=pr["n_startup_trials"], n_warmup_steps=pr["n_warmup_steps"]) if pr else None
    study = optuna.create_study(sampler=sampler, pruner=pruner)

    def objective(trial):
        if case["objective"] == "conditional":
            return conditional(trial)
        p = {spec["name"]: suggest(trial, spec) for spec in case["space"]}
        if case["objective"] == "mixed":
            return mixed(p)
        base = branin(p)
        if case["objective"] == "branin":
            return base
        # A learning curve that falls towards the Branin value over 8 steps.
        for step in range(8):
            v = base * (1 + 2 / (step + 1))
            trial.report(v, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return base

    study.optimize(objective, n_trials=case["n_trials"])
    trials = []
    for t in study.trials:
        trials.append(
            {
                "state": t.state.name,
                "params": t.params,
                "value": t.value,
                "intermediate": [[k, v] for k, v in sorted(t.intermediate_values.items())],
            }
        )
    return {k: v for k, v in case.items()} | {"trials": trials}


def main():
    out = {"generator": "scripts/golden/tpe_trajectory_fixtures.py", "optuna": optuna.__version__, "cases": [run(c) for c in CASES]}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    for c in out["cases"]:
        states = [t["state"] for t in c["trials"]]
        print(c["name"], len(states), "trials", states.count("PRUNED"), "pruned")


if __name__ == "__main__":
    main()
