#!/usr/bin/python3
"""Proposal-distribution fixtures for hpo's TPE sampler, from Optuna 3.1.0 (Debian's python3-optuna).

    /usr/bin/python3 scripts/golden/tpe_proposal_fixtures.py

The estimator fixtures (tpe_fixtures.py) pin what TPE builds from a history; these pin what
it proposes: for a fixed history, the next trial's params drawn by TPESampler(seed=s) for
s = 0..N-1. hpo draws from the same random streams as Optuna (seeded alike), so single
draws agree too (tests/samplers/tpe-trajectory-golden.test.ts checks whole studies); this
test checks the weaker, stream-independent property: the two samples come from the same
distribution (two-sample Kolmogorov-Smirnov per param). Writes
tests/fixtures/tpe/proposals-*.json.
"""

import json
import math
import os
import random

import optuna
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.trial import TrialState

optuna.logging.set_verbosity(optuna.logging.WARNING)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "tpe")
SAMPLES = 2000


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def lora(p):
    # A captioner-like surface: best near lr 3e-4 and r 16.
    return (math.log10(p["lr"]) + 3.5) ** 2 + 0.02 * (p["r"] - 16) ** 2 / 16


CASES = {
    # Half uniform, half near an optimum: a study in mid-run.
    "branin-40": (branin, {"x1": FloatDistribution(-5, 10), "x2": FloatDistribution(0, 15)}, 40),
    "branin-90": (branin, {"x1": FloatDistribution(-5, 10), "x2": FloatDistribution(0, 15)}, 90),
    "lora-60": (lora, {"lr": FloatDistribution(1e-5, 1e-1, log=True), "r": IntDistribution(1, 64)}, 60),
}


def history(objective, space, n, rnd):
    trials = []
    for i in range(n):
        params = {}
        for name, d in space.items():
            if isinstance(d, IntDistribution):
                params[name] = rnd.randint(d.low, d.high) if i % 2 == 0 else min(d.high, max(d.low, round(rnd.gauss(16, 4))))
            elif d.log:
                lo, hi = math.log(d.low), math.log(d.high)
                v = rnd.uniform(lo, hi) if i % 2 == 0 else min(hi, max(lo, rnd.gauss(math.log(3e-4), 1.0)))
                params[name] = math.exp(v)
            else:
                centre = {"x1": math.pi, "x2": 2.275}[name]
                params[name] = rnd.uniform(d.low, d.high) if i % 2 == 0 else min(d.high, max(d.low, rnd.gauss(centre, 1.0)))
        trials.append({"params": params, "value": objective(params)})
    return trials


def main():
    for name, (objective, space, n) in CASES.items():
        rnd = random.Random(123)
        trials = history(objective, space, n, rnd)
        study = optuna.create_study()
        for t in trials:
            study.add_trial(optuna.trial.create_trial(params=t["params"], distributions=space, value=t["value"]))
        samples = []
        for seed in range(SAMPLES):
            study.sampler = optuna.samplers.TPESampler(seed=seed)
            trial = study.ask()
            drawn = {}
            for pname, d in space.items():
                if isinstance(d, IntDistribution):
                    drawn[pname] = trial.suggest_int(pname, d.low, d.high)
                else:
                    drawn[pname] = float("%.9g" % trial.suggest_float(pname, d.low, d.high, log=d.log))
            samples.append(drawn)
            study.tell(trial, state=TrialState.FAIL)
        spec = {
            pname: {"type": "int" if isinstance(d, IntDistribution) else "float", "low": d.low, "high": d.high, "log": d.log}
            for pname, d in space.items()
        }
        out = {"optuna": optuna.__version__, "space": spec, "history": trials, "samples": samples}
        with open(os.path.join(OUT, f"proposals-{name}.json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
        print(name, len(samples))


if __name__ == "__main__":
    main()
