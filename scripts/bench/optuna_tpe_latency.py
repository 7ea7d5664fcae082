#!/usr/bin/python3
"""Optuna's side of `npm run bench -- tpe-latency` (driven by bench/tpe-latency.ts).

Times one ask() + the suggests of a search space with Optuna's TPESampler on an in-memory
study, or, when the hello names a PostgreSQL URL, on Optuna's RDB storage there (as
`optuna.create_study(storage=url)` opens it: RDBStorage behind Optuna's cache), for
whichever Optuna `import optuna` finds: Debian's python3-optuna (3.1) with
/usr/bin/python3, or Optuna 4.9's source on PYTHONPATH (it runs with Debian's numpy and
SQLAlchemy). The benchmark sends JSON lines on stdin and reads one JSON line back per
request on stdout:

    {"op": "hello", "space": [param specs as in functions.json], "storage": url or absent}
        -> {"optuna": version, "numpy": version, "path": optuna's folder}
    {"op": "grow", "trials": [{"params": {...}, "value": v}, ...]}
        -> {"n": COMPLETE trials in the study}
    {"op": "time", "sampler": "tpe" | "tpe-mv", "reps": k, "min_ms": t}
        -> {"wall_ms": [...], "cpu_ms": [...], "server_cpu_ms": [...] or null}
           (at least k asks, and more until t ms of wall time have passed since the first)
           (per ask: perf_counter and process_time; on PostgreSQL also the CPU time its
           database's backends used during the ask, read from /proc outside the timed part)

The history is built once (study.add_trials) and shared by both samplers, which are created
once each (seed 1) so that whatever they cache carries over between requests, as in a real
study. Every timed trial is told FAIL afterwards so the COMPLETE history stays at its size.
When stdin closes, a study on PostgreSQL is deleted.
"""

import json
import os
import sys
import time
import warnings

import numpy
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers import TPESampler
from optuna.trial import TrialState, create_trial

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_functions import suggest  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)
# Optuna 3.1 marks multivariate TPE experimental; the warning is not part of the timing.
warnings.simplefilter("ignore")


def distribution_of(spec):
    if spec["type"] == "categorical":
        return CategoricalDistribution(spec["choices"])
    if spec["type"] == "int":
        return IntDistribution(spec["low"], spec["high"], log=spec.get("log", False), step=spec.get("step", 1))
    return FloatDistribution(spec["low"], spec["high"], log=spec.get("log", False), step=spec.get("step"))


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_ms(database):
    """CPU ms used so far by each PostgreSQL backend serving `database`, by pid (this machine's /proc)."""
    by_pid = {}
    marker = f" {database} ".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                title = f.read()
            if not title.startswith(b"postgres: ") or marker not in title:
                continue
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            by_pid[entry] = (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS  # utime, stime
        except OSError:
            continue  # a backend that exited between listing and reading
    return by_pid


def backend_cpu_between(before, after):
    """CPU ms the backends used between two samples, as bench/_postgres-backend-cpu.ts counts it:
    a backend new in `after` counts in full, one gone from it is left out."""
    return sum(ms - before.get(pid, 0) for pid, ms in after.items())


class Bench:
    def __init__(self, space, storage=None):
        self.space = space
        self.distributions = {spec["name"]: distribution_of(spec) for spec in space}
        self.database = storage.rsplit("/", 1)[1].split("?")[0] if storage else None
        self.storage = storage
        self.study = optuna.create_study(direction="minimize", storage=storage, study_name=f"tpe-latency-{os.getpid()}")
        self.samplers = {
            "tpe": TPESampler(seed=1),
            "tpe-mv": TPESampler(seed=1, multivariate=True),
        }
        self.complete = 0

    def grow(self, trials):
        self.study.add_trials(
            [create_trial(params=t["params"], distributions=self.distributions, value=t["value"]) for t in trials]
        )
        self.complete += len(trials)
        return {"n": self.complete}

    def time(self, sampler, reps, min_ms=0):
        self.study.sampler = self.samplers[sampler]
        wall, cpu, server = [], [], []
        start = time.perf_counter()
        while len(wall) < reps or (time.perf_counter() - start) * 1000 < min_ms:
            s0 = backend_cpu_ms(self.database) if self.database else None
            c0 = time.process_time()
            t0 = time.perf_counter()
            trial = self.study.ask()
            for spec in self.space:
                suggest(trial, spec)
            t1 = time.perf_counter()
            c1 = time.process_time()
            if self.database:
                server.append(backend_cpu_between(s0, backend_cpu_ms(self.database)))
            self.study.tell(trial, state=TrialState.FAIL)
            wall.append((t1 - t0) * 1000)
            cpu.append((c1 - c0) * 1000)
        return {"wall_ms": wall, "cpu_ms": cpu, "server_cpu_ms": server if self.database else None}

    def close(self):
        """Deletes a study on PostgreSQL, so the benchmark's database does not grow run after run."""
        if self.storage:
            optuna.delete_study(study_name=self.study.study_name, storage=self.storage)


def main():
    bench = None
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "hello":
            bench = Bench(request["space"], request.get("storage"))
            reply = {"optuna": optuna.__version__, "numpy": numpy.__version__, "path": optuna.__path__[0]}
        elif op == "grow":
            reply = bench.grow(request["trials"])
        elif op == "time":
            reply = bench.time(request["sampler"], request["reps"], request.get("min_ms", 0))
        else:
            reply = {"error": f"unknown op {op!r}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    # The driver closed stdin: the run is over.
    if bench is not None:
        bench.close()


if __name__ == "__main__":
    main()
