#!/usr/bin/python3
"""Golden fixtures for hpo's pruners, from Debian's python3-optuna (Optuna 3.1.0).

Scripted learning-curve histories go in; every prune decision, per trial and step, comes
out, together with what Optuna keeps beside them (successive halving's completed_rung_<k>
system attrs, Hyperband's bracket per trial). tests/pruners/golden.test.ts replays the same
events through hpo's pruners and must agree on every decision.

    /usr/bin/python3 scripts/golden/pruner_fixtures.py      # writes tests/fixtures/pruners/*.json

Each scenario is a list of trial plans (the steps a trial reports, their values, whether
it obeys a prune answer, how it ends) and a number of workers. With one worker, trials
run one after another; with k, the k running trials take turns step by step (a
deterministic stand-in for concurrent workers). Each report is followed by should_prune(),
as a trial does in practice. Curves come from a seeded random.Random, so the script is
deterministic; non-finite values are written as the strings "NaN", "Infinity",
"-Infinity" (JSON has no literal for them).
"""

import json
import math
import os
import random
import sys
import warnings

import numpy
import optuna
from optuna.trial import TrialState

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "pruners")


# --- learning curves --------------------------------------------------------------------


def make_curve(rng, steps, *, maximize=False, decimals=None, nan_rate=0.0, inf_rate=0.0, all_nan=False):
    """A noisy decaying loss (or 1 - loss when maximizing) at `steps`; curves cross."""
    asym = rng.uniform(0.2, 0.9)
    start = rng.uniform(1.0, 1.6)
    tau = rng.uniform(0.5, 10.0)
    scale = max(steps) + 1 if steps else 1
    values = []
    for s in steps:
        e = 20.0 * s / scale  # the same curve shapes whatever the step range
        v = asym + (start - asym) * math.exp(-e / tau) + rng.gauss(0.0, 0.02)
        if decimals is not None:
            v = round(v, decimals)
        if maximize:
            v = 1.0 - v
        r = rng.random()
        if all_nan or r < nan_rate:
            v = float("nan")
        elif r < nan_rate + inf_rate:
            v = float("inf") if rng.random() < 0.5 else float("-inf")
        values.append(v)
    return values


def plans(seed, n, steps, *, maximize=False, decimals=None, nan_rate=0.0, inf_rate=0.0,
          disobey_rate=0.0, fail_rate=0.0, skip_rate=0.0, all_nan_rate=0.0):
    """n trial plans: reported steps and values, obedience, and an optional failure point."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        own_steps = [s for s in steps if rng.random() >= skip_rate] or [steps[-1]]
        values = make_curve(rng, own_steps, maximize=maximize, decimals=decimals, nan_rate=nan_rate,
                            inf_rate=inf_rate, all_nan=rng.random() < all_nan_rate)
        plan = {"steps": own_steps, "values": values, "obey": rng.random() >= disobey_rate}
        if rng.random() < fail_rate:
            plan["failAt"] = rng.randrange(0, len(own_steps) + 1)
        out.append(plan)
    return out


# --- pruners from a JSON spec (hpo's camelCase option names) ------------------------------

SNAKE = {
    "nStartupTrials": "n_startup_trials",
    "nWarmupSteps": "n_warmup_steps",
    "intervalSteps": "interval_steps",
    "nMinTrials": "n_min_trials",
    "minResource": "min_resource",
    "maxResource": "max_resource",
    "reductionFactor": "reduction_factor",
    "minEarlyStoppingRate": "min_early_stopping_rate",
    "bootstrapCount": "bootstrap_count",
    "minDelta": "min_delta",
    "lower": "lower",
    "upper": "upper",
    "patience": "patience",
    "percentile": "percentile",
}


def build_pruner(spec):
    kind = spec["type"]
    kwargs = {SNAKE[k]: v for k, v in spec.get("options", {}).items() if k != "wrappedPruner"}
    if kind == "median":
        return optuna.pruners.MedianPruner(**kwargs)
    if kind == "percentile":
        return optuna.pruners.PercentilePruner(**kwargs)
    if kind == "successiveHalving":
        return optuna.pruners.SuccessiveHalvingPruner(**kwargs)
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner(**kwargs)
    if kind == "threshold":
        return optuna.pruners.ThresholdPruner(**kwargs)
    if kind == "patient":
        wrapped = spec["options"].get("wrappedPruner")
        return optuna.pruners.PatientPruner(build_pruner(wrapped) if wrapped else None, **kwargs)
    raise ValueError(kind)


# --- running a scenario -------------------------------------------------------------------


def enc(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def run(scenario):
    pruner = build_pruner(scenario["pruner"])
    study = optuna.create_study(
        study_name=scenario["studyName"],
        direction=scenario["direction"],
        pruner=pruner,
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    events = []
    queue = list(scenario["trials"])
    active = []  # [trial, plan, position]

    def start():
        if queue:
            plan = queue.pop(0)
            trial = study.ask()
            events.append(["ask", trial.number])
            active.append([trial, plan, 0])

    def finish(slot, state):
        trial, plan, _ = slot
        if state == "COMPLETE":
            finite = [v for v in plan["values"] if math.isfinite(v)]
            value = finite[-1] if finite else 1.0
            study.tell(trial, value)
            events.append(["tell", trial.number, "COMPLETE", value])
        else:
            study.tell(trial, state=TrialState[state])
            events.append(["tell", trial.number, state])
        active.remove(slot)
        start()

    for _ in range(scenario.get("workers", 1)):
        start()
    while active:
        for slot in list(active):
            trial, plan, pos = slot
            if plan.get("failAt") == pos:
                finish(slot, "FAIL")
                continue
            if pos == len(plan["steps"]):
                finish(slot, "COMPLETE")
                continue
            step, value = plan["steps"][pos], plan["values"][pos]
            trial.report(value, step)
            decision = trial.should_prune()
            events.append(["report", trial.number, step, enc(value), bool(decision)])
            slot[2] = pos + 1
            if decision and plan["obey"]:
                finish(slot, "PRUNED")

    out = {k: v for k, v in scenario.items() if k != "trials"}
    out["events"] = events
    trials = study.get_trials(deepcopy=False)
    out["nPruned"] = sum(1 for t in trials if t.state == TrialState.PRUNED)
    out["nPrunes"] = sum(1 for e in events if e[0] == "report" and e[4])
    kind = scenario["pruner"]["type"]
    if kind == "successiveHalving":
        out["rungs"] = [rungs_of(t) for t in trials]
        out["minResource"] = pruner._min_resource
    if kind == "hyperband":
        out["rungs"] = [rungs_of(t) for t in trials]
        out["brackets"] = [pruner._get_bracket_id(study, t) if pruner._pruners else None for t in trials]
        out["nBrackets"] = pruner._n_brackets
    return out


def rungs_of(trial):
    values = []
    while "completed_rung_{}".format(len(values)) in trial.system_attrs:
        values.append(enc(trial.system_attrs["completed_rung_{}".format(len(values))]))
    return values


def bracket_table(study_name, options, numbers):
    """Hyperband's bracket for trial numbers 0..numbers-1 of a study named study_name."""
    pruner = optuna.pruners.HyperbandPruner(**{SNAKE[k]: v for k, v in options.items()})
    study = optuna.create_study(study_name=study_name, pruner=pruner)
    pruner._try_initialization(study)
    fake = [optuna.trial.create_trial(value=0.0) for _ in range(numbers)]
    for i, t in enumerate(fake):
        t.number = i
    return {
        "studyName": study_name,
        "options": options,
        "nBrackets": pruner._n_brackets,
        "budgets": pruner._trial_allocation_budgets,
        "brackets": [pruner._get_bracket_id(study, t) for t in fake],
    }


# --- the scenarios ---------------------------------------------------------------------------


def scenario(name, pruner, trial_plans, *, direction="minimize", workers=1, study_name=None):
    return {
        "name": name,
        "studyName": study_name or name,
        "direction": direction,
        "workers": workers,
        "pruner": pruner,
        "trials": trial_plans,
    }


S20 = list(range(20))
S1_20 = list(range(1, 21))


def median_scenarios():
    return [
        scenario("median-defaults-minimize", {"type": "median"}, plans(1, 30, S20)),
        scenario(
            "median-maximize-warmup-interval-min-trials",
            {"type": "median", "options": {"nStartupTrials": 3, "nWarmupSteps": 4, "intervalSteps": 3, "nMinTrials": 4}},
            plans(2, 30, list(range(15)), maximize=True, skip_rate=0.3),
            direction="maximize",
        ),
        scenario(
            "median-four-workers-ties-nan-disobedient",
            {"type": "median", "options": {"nStartupTrials": 2, "nWarmupSteps": 1}},
            plans(3, 30, S20, decimals=2, nan_rate=0.05, disobey_rate=0.2, fail_rate=0.1),
            workers=4,
        ),
        scenario(
            "median-infinities-and-all-nan-trials",
            {"type": "median", "options": {"nStartupTrials": 1}},
            plans(4, 30, list(range(10)), decimals=1, nan_rate=0.1, inf_rate=0.1, all_nan_rate=0.1, disobey_rate=0.3),
        ),
        scenario(
            "median-bench-protocol",
            {"type": "median", "options": {"nStartupTrials": 5, "nWarmupSteps": 2}},
            plans(5, 40, S1_20),
        ),
    ]


def percentile_scenarios():
    return [
        scenario("percentile-25-minimize", {"type": "percentile", "options": {"percentile": 25.0}}, plans(11, 30, S20)),
        scenario(
            "percentile-75-maximize-irregular-steps",
            {"type": "percentile", "options": {"percentile": 75.0, "nStartupTrials": 2, "nWarmupSteps": 2, "intervalSteps": 4}},
            plans(12, 30, list(range(0, 30, 2)), maximize=True, skip_rate=0.4, disobey_rate=0.3),
            direction="maximize",
        ),
        scenario(
            "percentile-0-minimize-ties",
            {"type": "percentile", "options": {"percentile": 0.0, "nStartupTrials": 0}},
            plans(13, 20, list(range(8)), decimals=1, disobey_rate=0.5),
        ),
        scenario(
            "percentile-100-maximize-nan",
            {"type": "percentile", "options": {"percentile": 100.0, "nStartupTrials": 3, "nMinTrials": 2}},
            plans(14, 20, list(range(8)), maximize=True, decimals=1, nan_rate=0.1, disobey_rate=0.5),
            direction="maximize",
        ),
        scenario(
            "percentile-33-three-workers",
            {"type": "percentile", "options": {"percentile": 33.3, "nStartupTrials": 4, "intervalSteps": 2}},
            plans(15, 30, S20, nan_rate=0.03, inf_rate=0.02, fail_rate=0.1),
            workers=3,
        ),
    ]


def threshold_scenarios():
    return [
        scenario(
            "threshold-lower-upper-warmup-interval",
            {"type": "threshold", "options": {"lower": 0.35, "upper": 1.2, "nWarmupSteps": 3, "intervalSteps": 2}},
            plans(21, 20, S20, nan_rate=0.05, disobey_rate=0.5, skip_rate=0.2),
        ),
        scenario(
            "threshold-upper-only-maximize",
            {"type": "threshold", "options": {"upper": 0.5}},
            plans(22, 15, list(range(10)), maximize=True, inf_rate=0.05, disobey_rate=0.5),
            direction="maximize",
        ),
        scenario(
            "threshold-lower-only",
            {"type": "threshold", "options": {"lower": -0.4, "nWarmupSteps": 1}},
            plans(23, 15, list(range(10)), maximize=True, nan_rate=0.05, inf_rate=0.05, disobey_rate=0.5),
            direction="maximize",
        ),
    ]


def patient_scenarios():
    return [
        scenario(
            "patient-alone-minimize",
            {"type": "patient", "options": {"wrappedPruner": None, "patience": 2}},
            plans(31, 20, S20, decimals=2, nan_rate=0.05, disobey_rate=0.5),
        ),
        scenario(
            "patient-median-maximize-min-delta",
            {
                "type": "patient",
                "options": {"wrappedPruner": {"type": "median", "options": {"nStartupTrials": 2}}, "patience": 3, "minDelta": 0.01},
            },
            plans(32, 25, S20, maximize=True, disobey_rate=0.3),
            direction="maximize",
        ),
        scenario(
            "patient-zero-patience-percentile",
            {"type": "patient", "options": {"wrappedPruner": {"type": "percentile", "options": {"percentile": 40.0}}, "patience": 0}},
            plans(33, 25, list(range(12)), skip_rate=0.2, nan_rate=0.05),
        ),
    ]


def successive_halving_scenarios():
    return [
        scenario("sha-defaults-minimize", {"type": "successiveHalving"}, plans(41, 40, S20)),
        scenario("sha-defaults-bench-protocol", {"type": "successiveHalving"}, plans(42, 60, S1_20)),
        scenario(
            "sha-auto-long-curves-sparse-steps",
            {"type": "successiveHalving"},
            plans(43, 25, list(range(0, 300, 10))),
        ),
        scenario(
            "sha-eta3-rate1-bootstrap2-maximize",
            {"type": "successiveHalving", "options": {"minResource": 2, "reductionFactor": 3, "minEarlyStoppingRate": 1, "bootstrapCount": 2}},
            plans(44, 30, list(range(1, 31)), maximize=True),
            direction="maximize",
        ),
        scenario(
            "sha-eta2-three-workers-nan-disobedient-fail",
            {"type": "successiveHalving", "options": {"minResource": 1, "reductionFactor": 2}},
            plans(45, 40, list(range(1, 17)), decimals=2, nan_rate=0.05, disobey_rate=0.2, fail_rate=0.1),
            workers=3,
        ),
        scenario(
            "sha-auto-first-trials-fail-or-silent",
            {"type": "successiveHalving", "options": {"reductionFactor": 3}},
            [
                {"steps": [0, 1, 2], "values": [1.0, 0.9, 0.8], "obey": True, "failAt": 3},
                {"steps": [], "values": [], "obey": True},
            ]
            + plans(46, 30, list(range(12)), inf_rate=0.02),
        ),
        scenario(
            "sha-skipped-steps-min2-eta2",
            {"type": "successiveHalving", "options": {"minResource": 2, "reductionFactor": 2}},
            plans(47, 40, list(range(1, 20)), skip_rate=0.3),
        ),
    ]


def hyperband_scenarios():
    return [
        scenario(
            "hyperband-1-20-3-bench-protocol",
            {"type": "hyperband", "options": {"minResource": 1, "maxResource": 20, "reductionFactor": 3}},
            plans(51, 60, S1_20),
            study_name="captioner-curves-seed0",
        ),
        scenario(
            "hyperband-auto-max-27-maximize",
            {"type": "hyperband", "options": {"reductionFactor": 3}},
            plans(52, 50, list(range(27)), maximize=True),
            direction="maximize",
        ),
        scenario(
            "hyperband-2-40-3-bootstrap1",
            {"type": "hyperband", "options": {"minResource": 2, "maxResource": 40, "reductionFactor": 3, "bootstrapCount": 1}},
            plans(53, 50, list(range(1, 41, 2))),
        ),
        scenario(
            "hyperband-1-16-2-four-workers",
            {"type": "hyperband", "options": {"minResource": 1, "maxResource": 16, "reductionFactor": 2}},
            plans(54, 50, list(range(1, 17)), decimals=2, nan_rate=0.04, disobey_rate=0.2, fail_rate=0.1),
            workers=4,
            study_name="étude-π hyperband",
        ),
    ]


def main():
    warnings.simplefilter("ignore")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {
        "generator": "scripts/golden/pruner_fixtures.py",
        "optuna": optuna.__version__,
        "numpy": numpy.__version__,
        "python": sys.version.split()[0],
    }
    files = {
        "median": median_scenarios(),
        "percentile": percentile_scenarios(),
        "threshold": threshold_scenarios(),
        "patient": patient_scenarios(),
        "successive-halving": successive_halving_scenarios(),
        "hyperband": hyperband_scenarios(),
    }
    for name, scenarios in files.items():
        doc = {"meta": meta, "scenarios": [run(s) for s in scenarios]}
        if name == "hyperband":
            doc["bracketTables"] = [
                bracket_table("captioner-curves-seed0", {"minResource": 1, "maxResource": 20, "reductionFactor": 3}, 200),
                bracket_table("captioner-curves-seed7", {"minResource": 1, "maxResource": 81, "reductionFactor": 3}, 200),
                bracket_table("étude-π hyperband", {"minResource": 2, "maxResource": 100, "reductionFactor": 4}, 200),
                bracket_table("", {"minResource": 1, "maxResource": 1000, "reductionFactor": 2}, 200),
            ]
        path = os.path.join(OUT_DIR, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            f.write("\n")
        n = sum(1 for s in doc["scenarios"] for e in s["events"] if e[0] == "report")
        print("{}: {} scenarios, {} decisions".format(path, len(scenarios), n))


if __name__ == "__main__":
    main()
