#!/usr/bin/python3
"""Golden fixtures for hpo's TPE sampler, from Optuna 3.1.0 (Debian's python3-optuna).

Run with the system interpreter, which is the one that sees Debian's Optuna:

    /usr/bin/python3 scripts/golden/tpe_fixtures.py

Writes tests/fixtures/tpe/*.json. Every case is a trial history fed into a real Optuna
study; the outputs are what Optuna's TPE derives from it: the below/above split, and for
each Parzen estimator its weights, kernel centres and widths (or categorical weights) and
log-densities at test points. Log-densities come twice: as Optuna 3.1.0 computes them
("log_pdf_optuna31", whose continuous kernels lack the -log(sigma) term, fixed upstream in
Optuna 3.5) and with that term restored ("log_pdf"), computed here from the same Optuna
estimator internals and truncnorm helpers. The TypeScript tests need no Python.

Equal observations (int and step params) get their kernel widths in the order NumPy's
default argsort leaves them; hpo reproduces NumPy 1.24's introsort (Debian bookworm's), so
the fixtures use Optuna as it is. NumPy >= 1.25 sorts with AVX-512 networks on CPUs that
have them and orders such ties differently.
"""

import json
import math
import os
import sys

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers._tpe import _truncnorm as truncnorm
from optuna.samplers._tpe import sampler as tpe_sampler_module
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_gamma, default_weights, hyperopt_default_gamma
from optuna.trial import TrialState

assert optuna.__version__ == "3.1.0", f"expected Optuna 3.1.0, got {optuna.__version__}"
optuna.logging.set_verbosity(optuna.logging.ERROR)




OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "tpe")

STATES = {
    "COMPLETE": TrialState.COMPLETE,
    "PRUNED": TrialState.PRUNED,
    "RUNNING": TrialState.RUNNING,
    "FAIL": TrialState.FAIL,
    "WAITING": TrialState.WAITING,
}


def num(x):
    """JSON-safe float (non-finite values as strings the TS side parses back)."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def nums(a):
    return [num(v) for v in np.asarray(a, dtype=float).ravel()]


def dist_to_json(d):
    if isinstance(d, CategoricalDistribution):
        return {"type": "categorical", "choices": list(d.choices)}
    if isinstance(d, FloatDistribution):
        return {"type": "float", "low": d.low, "high": d.high, "log": d.log, "step": d.step}
    return {"type": "int", "low": d.low, "high": d.high, "log": d.log, "step": d.step}


# ---------------------------------------------------------------------------------------
# Trial histories


def draw_param(rng, d):
    if isinstance(d, CategoricalDistribution):
        return d.choices[rng.randint(len(d.choices))]
    if isinstance(d, FloatDistribution):
        if d.log:
            return float(np.exp(rng.uniform(np.log(d.low), np.log(d.high))))
        if d.step is not None:
            k = rng.randint(int(round((d.high - d.low) / d.step)) + 1)
            return float(d.low + k * d.step)
        return float(rng.uniform(d.low, d.high))
    if d.log:
        return int(min(d.high, max(d.low, round(np.exp(rng.uniform(np.log(d.low), np.log(d.high)))))))
    k = rng.randint((d.high - d.low) // d.step + 1)
    return int(d.low + k * d.step)


def make_history(seed, space, n, *, n_objectives=1, state_plan=None, conditional=None):
    """Trials as plain dicts: params drawn at random, values from a smooth function of them."""
    rng = np.random.RandomState(seed)
    trials = []
    for number in range(n):
        state = state_plan(number) if state_plan else "COMPLETE"
        names = [k for k in space if conditional is None or conditional(number, k)]
        params = {k: draw_param(rng, space[k]) for k in names}
        score = 0.0
        for k in names:
            v = params[k]
            d = space[k]
            if isinstance(d, CategoricalDistribution):
                score += 0.7 * d.choices.index(v)
            elif d.log:
                score += (math.log(v) - math.log(d.low) - 0.3 * (math.log(d.high) - math.log(d.low))) ** 2
            else:
                score += ((v - d.low) / (d.high - d.low) - 0.4) ** 2
        score += 0.05 * rng.randn()
        t = {"number": number, "state": state, "params": params, "distributions": {k: space[k] for k in names}}
        if state == "COMPLETE":
            t["values"] = [score] if n_objectives == 1 else [score, float(rng.uniform(0, 2) - score)]
        elif state == "PRUNED":
            steps = int(rng.randint(0, 4))
            t["intermediate"] = {s: float(score + 0.1 * (3 - s) + 0.01 * rng.randn()) for s in range(steps)}
        trials.append(t)
    return trials


def study_of(trials, directions):
    study = optuna.create_study(directions=directions)
    for t in trials:
        kwargs = dict(
            state=STATES[t["state"]],
            params=t["params"],
            distributions=t["distributions"],
        )
        if t["state"] == "COMPLETE":
            kwargs["values"] = t["values"]
        if t["state"] == "PRUNED":
            kwargs["intermediate_values"] = t.get("intermediate", {})
        study.add_trial(optuna.trial.create_trial(**kwargs))
    return study


def trials_to_json(trials):
    out = []
    for t in trials:
        j = {
            "number": t["number"],
            "state": t["state"],
            "params": t["params"],
            "distributions": {k: dist_to_json(d) for k, d in t["distributions"].items()},
        }
        if "values" in t:
            j["values"] = [num(v) for v in t["values"]]
        if "intermediate" in t:
            j["intermediate"] = [[s, num(v)] for s, v in sorted(t["intermediate"].items())]
        out.append(j)
    return out


# ---------------------------------------------------------------------------------------
# Estimators


def estimator_to_json(pe, search_space):
    out = {"weights": nums(pe._weights), "params": {}}
    for name, d in search_space.items():
        if isinstance(d, CategoricalDistribution):
            out["params"][name] = {"categorical_weights": [nums(r) for r in pe._categorical_weights[name]]}
        else:
            out["params"][name] = {"mus": nums(pe._mus[name]), "sigmas": nums(pe._sigmas[name])}
    return out


def corrected_log_pdf(pe, samples_dict):
    """Optuna 3.1's log_pdf with the -log(sigma) term of continuous kernels restored."""
    samples_dict = pe._transform_to_uniform(samples_dict)
    n_samples = next(iter(samples_dict.values())).size
    component = np.zeros((n_samples, len(pe._weights)))
    for name, d in pe._search_space.items():
        samples = samples_dict[name]
        if isinstance(d, CategoricalDistribution):
            component += np.log(pe._categorical_weights[name].T[samples.astype(int), :])
            continue
        low, high, q = pe._low[name], pe._high[name], pe._q[name]
        mus, sigmas = pe._mus[name], pe._sigmas[name]
        if q is None:
            component += truncnorm.logpdf(
                samples[:, None], (low - mus) / sigmas, (high - mus) / sigmas, loc=mus, scale=sigmas
            ) - np.log(sigmas)
        else:
            upper = np.minimum(samples + q / 2.0, high)
            lower = np.maximum(samples - q / 2.0, low)
            component += truncnorm._log_gauss_mass(
                (lower[:, None] - mus) / sigmas, (upper[:, None] - mus) / sigmas
            ) - truncnorm._log_gauss_mass((low - mus) / sigmas, (high - mus) / sigmas)
    weighted = component + np.log(pe._weights)
    m = weighted.max(axis=1)
    return np.log(np.exp(weighted - m[:, None]).sum(axis=1)) + m


def test_points(rng, search_space, count):
    pts = {}
    for name, d in search_space.items():
        vals = []
        for _ in range(count):
            v = draw_param(rng, d)
            vals.append(d.to_internal_repr(v))
        # Always include the bounds of numeric params.
        if not isinstance(d, CategoricalDistribution):
            vals[0] = d.low
            vals[-1] = d.high
        pts[name] = np.asarray(vals, dtype=int if isinstance(d, CategoricalDistribution) else float)
    return pts


def run_case(case_name, trials, search_space, directions, params_kwargs, *, multivariate, constant_liar, seed):
    study = study_of(trials, directions)
    names = list(search_space.keys())
    parameters = _ParzenEstimatorParameters(
        params_kwargs.get("consider_prior", True),
        params_kwargs.get("prior_weight", 1.0),
        params_kwargs.get("consider_magic_clip", True),
        params_kwargs.get("consider_endpoints", False),
        params_kwargs.get("weights", default_weights),
        multivariate,
    )
    spaces = [search_space] if multivariate else [{k: search_space[k]} for k in names]
    rng = np.random.RandomState(seed)
    result = {"n": None, "n_below": None, "below": None, "above": None, "estimators": []}
    for space in spaces:
        pnames = list(space.keys())
        values, scores, _ = tpe_sampler_module._get_observation_pairs(study, pnames, constant_liar, False)
        n = sum(s < float("inf") for s, v in scores)
        gamma = params_kwargs.get("gamma", default_gamma)
        indices_below, indices_above = tpe_sampler_module._split_observation_pairs(scores, gamma(n), None)
        states = (TrialState.COMPLETE, TrialState.PRUNED) + ((TrialState.RUNNING,) if constant_liar else ())
        ranked = [
            t
            for t in study.get_trials(deepcopy=False, states=states)
            if not (len(directions) > 1 and t.state != TrialState.COMPLETE)
        ]
        numbers = [t.number for t in ranked]
        result["n"] = int(n)
        result["n_below"] = int(gamma(n))
        result["below"] = sorted(numbers[i] for i in indices_below)
        result["above"] = sorted(numbers[i] for i in indices_above)
        cfg = {k: np.asarray(v, dtype=float) for k, v in values.items()}
        mask = np.ones(len(scores), dtype=bool)
        for k in pnames:
            mask &= ~np.isnan(cfg[k])
        below_idx = np.sort(indices_below)
        above_idx = np.sort(indices_above)
        below = {k: v[below_idx[mask[below_idx]]] for k, v in cfg.items()}
        above = {k: v[above_idx[mask[above_idx]]] for k, v in cfg.items()}
        weights_below = None
        if len(directions) > 1:
            all_w = tpe_sampler_module._calculate_weights_below_for_multi_objective(scores, below_idx, None)
            weights_below = all_w[mask[below_idx]]
        pe_below = _ParzenEstimator(below, space, parameters, weights_below)
        pe_above = _ParzenEstimator(above, space, parameters)
        pts = test_points(rng, space, 9)
        entry = {
            "params": pnames,
            "below_numbers": [numbers[i] for i in below_idx[mask[below_idx]]],
            "above_numbers": [numbers[i] for i in above_idx[mask[above_idx]]],
            "below": estimator_to_json(pe_below, space),
            "above": estimator_to_json(pe_above, space),
            "points": {k: nums(v) for k, v in pts.items()},
        }
        for label, pe in (("below", pe_below), ("above", pe_above)):
            entry[label]["log_pdf_optuna31"] = nums(pe.log_pdf({k: v.copy() for k, v in pts.items()}))
            entry[label]["log_pdf"] = nums(corrected_log_pdf(pe, {k: v.copy() for k, v in pts.items()}))
        result["estimators"].append(entry)
    return {
        "name": case_name,
        "directions": directions,
        "multivariate": multivariate,
        "constant_liar": constant_liar,
        "settings": {k: v for k, v in params_kwargs.items() if k not in ("weights", "gamma")},
        "gamma": params_kwargs.get("gamma_name", "default"),
        "weights": params_kwargs.get("weights_name", "default"),
        "search_space": {k: dist_to_json(d) for k, d in search_space.items()},
        "trials": trials_to_json(trials),
        **result,
    }


MIXED = {
    "x": FloatDistribution(-5.0, 10.0),
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "drop": FloatDistribution(0.0, 0.5, step=0.05),
    "layers": IntDistribution(1, 12),
    "width": IntDistribution(16, 256, step=16),
    "batch": IntDistribution(1, 1024, log=True),
    "opt": CategoricalDistribution(["adam", "sgd", "rmsprop", None, True]),
}

CONTINUOUS = {
    "a": FloatDistribution(0.0, 1.0),
    "b": FloatDistribution(-3.0, 3.0),
    "c": FloatDistribution(1e-3, 10.0, log=True),
}


def plan_mixed_states(number):
    if number % 7 == 3:
        return "PRUNED"
    if number % 11 == 5:
        return "FAIL"
    if number % 13 == 12:
        return "RUNNING"
    return "COMPLETE"


def build_cases():
    cases = []
    # Univariate, small history (flat weights), continuous only.
    h = make_history(1, CONTINUOUS, 14)
    cases.append(run_case("univariate-small", h, CONTINUOUS, ["minimize"], {}, multivariate=False, constant_liar=False, seed=11))
    # Univariate, every distribution kind, long history (ramp weights), pruned/failed/running trials.
    h = make_history(2, MIXED, 90, state_plan=plan_mixed_states)
    cases.append(run_case("univariate-mixed", h, MIXED, ["minimize"], {}, multivariate=False, constant_liar=False, seed=12))
    cases.append(run_case("univariate-mixed-liar", h, MIXED, ["maximize"], {}, multivariate=False, constant_liar=True, seed=13))
    # Multivariate over the same histories.
    cases.append(run_case("multivariate-mixed", h, MIXED, ["minimize"], {}, multivariate=True, constant_liar=False, seed=14))
    h2 = make_history(3, CONTINUOUS, 40)
    cases.append(run_case("multivariate-continuous", h2, CONTINUOUS, ["maximize"], {}, multivariate=True, constant_liar=False, seed=15))
    # Non-default estimator settings.
    settings = {"consider_prior": False, "prior_weight": 2.5, "consider_magic_clip": False, "consider_endpoints": True}
    cases.append(run_case("univariate-settings", h2, CONTINUOUS, ["minimize"], settings, multivariate=False, constant_liar=False, seed=16))
    settings2 = {"prior_weight": 0.5, "consider_endpoints": True, "gamma": hyperopt_default_gamma, "gamma_name": "hyperopt"}
    cases.append(run_case("multivariate-settings", h, MIXED, ["minimize"], settings2, multivariate=True, constant_liar=False, seed=17))
    # Conditional space: some params only in some trials.
    cond = lambda number, k: k in ("x", "opt") or (number % 3 == 0 and k in ("lr", "layers")) or (number % 3 != 0 and k in ("batch", "drop"))
    h3 = make_history(4, MIXED, 60, conditional=cond)
    cases.append(run_case("univariate-conditional", h3, MIXED, ["minimize"], {}, multivariate=False, constant_liar=False, seed=18))
    # Multi-objective (MOTPE split and hypervolume weights).
    h4 = make_history(5, CONTINUOUS, 60, n_objectives=2)
    cases.append(
        run_case("multiobjective", h4, CONTINUOUS, ["minimize", "minimize"], {}, multivariate=False, constant_liar=False, seed=19)
    )
    return cases


def build_functions():
    ns = [0, 1, 2, 5, 9, 10, 11, 24, 25, 26, 27, 30, 55, 100, 249, 250, 251, 1000]
    a = np.array([-40.0, -37.5, -25.0, -20.0, -19.9, -8.0, -5.0, -1.0, -0.3, 0.0, 0.2, 1.0, 3.0, 6.0, 6.5, 9.0, 30.0])
    pairs = [(-3.0, -1.0), (-30.0, -25.0), (-1.0, 2.0), (0.5, 0.9), (25.0, 30.0), (-0.1, 0.1), (-100.0, 100.0), (-7.0, 40.0), (3.0, 3.0001), (-50.0, -1.0)]
    qs = [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]
    ppf_cases = [(-1.0, 2.0), (-30.0, -25.0), (25.0, 30.0), (-5.0, 100.0), (0.2, 0.3), (-100.0, 0.0)]
    return {
        "gamma": {str(n): int(default_gamma(n)) for n in ns},
        "hyperopt_gamma": {str(n): int(hyperopt_default_gamma(n)) for n in ns},
        "weights": {str(n): nums(default_weights(n)) for n in ns},
        "log_ndtr": {"x": nums(a), "y": nums(truncnorm._log_ndtr(a))},
        "log_gauss_mass": {
            "a": [p[0] for p in pairs],
            "b": [p[1] for p in pairs],
            "y": nums(truncnorm._log_gauss_mass(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))),
        },
        "ppf": [
            {"a": lo, "b": hi, "q": qs, "x": nums(truncnorm.ppf(np.array(qs), lo, hi))} for lo, hi in ppf_cases
        ],
    }


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {"optuna": optuna.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}
    with open(os.path.join(OUT_DIR, "functions.json"), "w") as f:
        json.dump({"generator": meta, **build_functions()}, f, separators=(",", ":"))
    with open(os.path.join(OUT_DIR, "estimators.json"), "w") as f:
        json.dump({"generator": meta, "cases": build_cases()}, f, separators=(",", ":"))
    print("wrote", OUT_DIR)


if __name__ == "__main__":
    main()
