#!/usr/bin/python3
"""Fixtures for the NumPy pieces hpo reproduces so seeded samplers follow Optuna's streams.

    /usr/bin/python3 scripts/golden/numpy_stream_fixtures.py

Writes tests/fixtures/random/numpy-streams.json: RandomState(seed).random_sample() draws,
np.argsort (default kind) on arrays full of ties, np.sum (pairwise) on awkward arrays,
np.log on arrays (vectorised: SVML on AVX-512 CPUs, so generate on such a CPU), and a
study of Optuna 3.1.0's RandomSampler over every distribution kind.
"""

import json
import os

import numpy as np
import optuna
from optuna.samplers import RandomSampler

assert optuna.__version__ == "3.1.0", f"expected Optuna 3.1.0, got {optuna.__version__}"
optuna.logging.set_verbosity(optuna.logging.ERROR)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "random", "numpy-streams.json")


def draws():
    out = []
    for seed in [0, 1, 42, 123456789, 2**32 - 1]:
        r = np.random.RandomState(seed)
        x = r.random_sample(2000)
        out.append({"seed": seed, "first": x[:5].tolist(), "at": {"623": x[623], "1999": x[1999]}})
    return out


def argsorts():
    rng = np.random.RandomState(2024)
    cases = []
    for n in [2, 5, 16, 17, 18, 33, 64, 100, 257, 1000]:
        for distinct in [1, 2, 3, 7, 50]:
            v = rng.randint(0, distinct, size=n).astype(float)
            cases.append({"values": v.tolist(), "order": np.argsort(v).tolist()})
    # Kernel centres as TPE sees them: integers with a prior in the middle.
    v = np.concatenate([rng.randint(1, 21, size=200).astype(float), [10.5]])
    cases.append({"values": v.tolist(), "order": np.argsort(v).tolist()})
    # A pipe organ (up, then down: every value twice) exhausts introsort's depth budget, so
    # heapsort orders the ties of many partitions.
    n = 3000
    v = np.array([i if i < n / 2 else n - i for i in range(n)], dtype=float)
    cases.append({"values": v.tolist(), "order": np.argsort(v).tolist()})
    return cases


def sums():
    rng = np.random.RandomState(7)
    cases = []
    for n in [1, 3, 7, 8, 9, 15, 16, 17, 100, 128, 129, 200, 1000, 2000]:
        v = rng.rand(n) * 10.0 ** rng.randint(-8, 9, size=n)
        cases.append({"values": v.tolist(), "sum": float(np.sum(v))})
    return cases


def logs():
    """np.log on arrays (SVML's vectorised log on AVX-512 CPUs), over several magnitudes."""
    rng = np.random.RandomState(11)
    x = np.concatenate([rng.rand(1200), 1 + rng.rand(400), rng.rand(200) * 1e6, rng.rand(200) * 1e-9])
    return {"x": x.tolist(), "log": np.log(x).tolist()}


def random_sampler_study():
    study = optuna.create_study(sampler=RandomSampler(seed=7))

    def objective(t):
        t.suggest_float("uniform", -2.0, 3.0)
        t.suggest_float("log", 1e-5, 1e-1, log=True)
        t.suggest_float("step", 0.0, 1.0, step=0.1)
        t.suggest_int("int", -3, 9)
        t.suggest_int("int_step", 16, 256, step=16)
        t.suggest_int("int_log", 1, 1000, log=True)
        t.suggest_categorical("cat", ["a", "b", "c", "d"])
        t.suggest_categorical("flag", [True, False])
        return 0.0

    study.optimize(objective, n_trials=40)
    return [t.params for t in study.trials]


def main():
    data = {
        "generator": "scripts/golden/numpy_stream_fixtures.py",
        "numpy": np.__version__,
        "optuna": optuna.__version__,
        "draws": draws(),
        "argsort": argsorts(),
        "sum": sums(),
        "log": logs(),
        "random_sampler": random_sampler_study(),
    }
    with open(OUT, "w") as f:
        json.dump(data, f)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
