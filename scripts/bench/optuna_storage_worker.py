#!/usr/bin/python3
"""One Optuna worker process of `npm run bench -- storage` (driven by bench/storage.ts).

    /usr/bin/python3 scripts/bench/optuna_storage_worker.py create URL STUDY
    /usr/bin/python3 scripts/bench/optuna_storage_worker.py work URL STUDY random|tpe SECONDS
    /usr/bin/python3 scripts/bench/optuna_storage_worker.py delete URL STUDY

Runs Optuna's RDBStorage (SQLAlchemy + psycopg2; Debian's python3-optuna is 3.1) on the
study the benchmark created, with the objective hpo's workers run: one float, three
report() + should_prune() pairs, MedianPruner. `work` runs 5 warm-up trials, prints
{"ready": true}, waits for a line on stdin, runs trials for SECONDS and prints
{"finished", "elapsed", "cpu_ms", "system_ms", "prune_median_ms"}, then waits for another line before
it closes its connections (so the benchmark can read the server's CPU time first).
"""

import json
import os
import sys
import time
import warnings

import optuna
from optuna.pruners import MedianPruner
from optuna.samplers import RandomSampler, TPESampler

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.simplefilter("ignore")


def storage_of(url):
    return optuna.storages.RDBStorage(url)


def work(url, study_name, sampler_name, stop):
    # After some seconds, or after K measured trials ("trials=K", the benchmark's --trials).
    measured = {"n_trials": int(stop[len("trials="):])} if stop.startswith("trials=") else {"timeout": float(stop)}
    seed = os.getpid()
    sampler = TPESampler(seed=seed) if sampler_name == "tpe" else RandomSampler(seed=seed)
    study = optuna.load_study(study_name=study_name, storage=storage_of(url), sampler=sampler, pruner=MedianPruner())
    prune_ms = []
    measuring = [False]

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        for step in range(3):
            trial.report(x * x + 1 / (step + 1), step)
            t0 = time.perf_counter()
            prune = trial.should_prune()
            if measuring[0]:
                prune_ms.append((time.perf_counter() - t0) * 1000)
            if prune:
                raise optuna.TrialPruned()
        return x * x

    finished = [0]

    def count(_study, _trial):
        finished[0] += 1

    study.optimize(objective, n_trials=5)
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()
    measuring[0] = True
    c0 = time.process_time()
    s0 = os.times().system
    t0 = time.perf_counter()
    study.optimize(objective, callbacks=[count], **measured)
    elapsed = time.perf_counter() - t0
    cpu_ms = (time.process_time() - c0) * 1000
    system_ms = (os.times().system - s0) * 1000
    prune_ms.sort()
    prune_median = prune_ms[len(prune_ms) // 2] if prune_ms else None
    print(
        json.dumps({"finished": finished[0], "elapsed": elapsed, "cpu_ms": cpu_ms, "system_ms": system_ms, "prune_median_ms": prune_median}),
        flush=True,
    )
    sys.stdin.readline()


def main():
    command, url, study_name = sys.argv[1:4]
    if command == "create":
        study = optuna.create_study(study_name=study_name, storage=storage_of(url), direction="minimize")
        print(json.dumps({"optuna": optuna.__version__, "study_id": study._study_id}), flush=True)
    elif command == "delete":
        optuna.delete_study(study_name=study_name, storage=storage_of(url))
    elif command == "work":
        work(url, study_name, sys.argv[4], sys.argv[5])
    else:
        sys.exit(f"unknown command {command!r}: expected create, work or delete")


if __name__ == "__main__":
    main()
