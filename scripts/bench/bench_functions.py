"""The shared benchmark functions (../shared/bench/functions.json) in Python, for running
Optuna on them beside hpo, and how their parameters are suggested. A line-for-line port of ../shared/bench/functions.ts (same loop
order, same constants), so both evaluate a point to within 1e-9; `npm run bench --
samplers --optuna live` shows it: Optuna's live medians match the stored ones.
All functions are minimised and take {param name: value}.
"""

import math


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    a = 1.0
    b = 5.1 / (4.0 * math.pi * math.pi)
    c = 5.0 / math.pi
    r = 6.0
    s = 10.0
    t = 1.0 / (8.0 * math.pi)
    u = x2 - b * x1 * x1 + c * x1 - r
    return a * u * u + s * (1.0 - t) * math.cos(x1) + s


HARTMANN6_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN6_A = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
]
HARTMANN6_P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]


def hartmann6(p):
    x = [p[f"x{j}"] for j in range(6)]
    outer = 0.0
    for i in range(4):
        inner = 0.0
        for j in range(6):
            d = x[j] - HARTMANN6_P[i][j]
            inner += HARTMANN6_A[i][j] * d * d
        outer += HARTMANN6_ALPHA[i] * math.exp(-inner)
    return -outer


def rosenbrock4(p):
    x = [p[f"x{j}"] for j in range(4)]
    total = 0.0
    for i in range(3):
        a = x[i + 1] - x[i] * x[i]
        b = x[i] - 1.0
        total += 100.0 * a * a + b * b
    return total


def ackley5(p):
    n = 5.0
    sum_sq = 0.0
    sum_cos = 0.0
    for j in range(5):
        xi = p[f"x{j}"]
        sum_sq += xi * xi
        sum_cos += math.cos(2.0 * math.pi * xi)
    return -20.0 * math.exp(-0.2 * math.sqrt(sum_sq / n)) - math.exp(sum_cos / n) + 20.0 + math.e


LOG2_EXACT = {4: 2.0, 8: 3.0, 16: 4.0, 32: 5.0, 64: 6.0}
FREEZE_LR_MULT = {"none": 1.0, "encoder": 1.0, "decoder": 1.5}
FREEZE_PENALTY = {"none": 0.0, "encoder": 0.03, "decoder": 0.08}


def captioner_surrogate(p):
    lr, r, alpha = p["lr"], p["lora_r"], p["lora_alpha"]
    dropout, freeze, epochs = p["lora_dropout"], str(p["freeze"]), p["epochs"]
    a = math.log10((lr * (alpha / r)) / 6e-4)
    lr_coef = 0.06 if a <= 0.0 else 0.15
    lr_term = lr_coef * a * a + 0.008 * (1.0 - math.cos(3.0 * math.pi * a))

    ri = LOG2_EXACT[r] - 4.0
    ai = LOG2_EXACT[alpha] - 5.0
    if ri >= 0.0:
        cr = 0.012
    elif freeze == "encoder":
        cr = 0.0125
    else:
        cr = 0.025
    cap = cr * ri * ri + 0.008 * ai * ai

    e = (epochs - 11) / 5.0 + 0.25 * a
    d = (dropout - 0.1) / 0.1
    reg = 0.05 * e * e + 0.03 * d * d - 0.03 * e * d

    return 0.8 + FREEZE_LR_MULT[freeze] * lr_term + cap + reg + FREEZE_PENALTY[freeze]


FUNCTIONS = {
    "branin": branin,
    "hartmann6": hartmann6,
    "rosenbrock4": rosenbrock4,
    "ackley5": ackley5,
    "captioner-surrogate": captioner_surrogate,
}


def suggest(trial, spec):
    """Suggests one parameter of a functions.json search space on an Optuna trial."""
    if spec["type"] == "categorical":
        return trial.suggest_categorical(spec["name"], spec["choices"])
    options = {key: spec[key] for key in ("log", "step") if spec.get(key)}
    suggest_number = trial.suggest_float if spec["type"] == "float" else trial.suggest_int
    return suggest_number(spec["name"], spec["low"], spec["high"], **options)
