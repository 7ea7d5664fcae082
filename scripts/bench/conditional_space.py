"""The conditional search space of bench/_conditional-space.ts in Python, line for line (same
constants, same suggest order), for running Optuna on it beside hpo
(`npm run bench -- tpe-conditional`). Minimised; optimum 0."""

import math

CONDITIONAL_TRIALS = 100


def conditional_objective(trial):
    model = trial.suggest_categorical("model", ["linear", "tree", "net"])
    batch = trial.suggest_categorical("batch", [16, 32, 64, 128])
    batch_penalty = 0.005 * (math.log2(batch) - 5) ** 2
    if model == "linear":
        l2 = trial.suggest_float("linear_l2", 1e-6, 1, log=True)
        lr = trial.suggest_float("linear_lr", 1e-4, 1, log=True)
        return 0.12 + 0.02 * (math.log10(l2) + 3) ** 2 + 0.03 * (math.log10(lr) + 1.5) ** 2 + batch_penalty
    if model == "tree":
        depth = trial.suggest_int("tree_depth", 1, 12)
        min_leaf = trial.suggest_int("tree_min_leaf", 1, 50)
        subsample = trial.suggest_float("tree_subsample", 0.3, 1)
        return 0.05 + 0.01 * (depth - 7) ** 2 + 0.0004 * (min_leaf - 10) ** 2 + 0.5 * (subsample - 0.8) ** 2 + batch_penalty
    layers = trial.suggest_int("net_layers", 1, 4)
    width = trial.suggest_categorical("net_width", [32, 64, 128, 256, 512])
    dropout = trial.suggest_float("net_dropout", 0, 0.5)
    lr = trial.suggest_float("net_lr", 1e-5, 1e-1, log=True)
    a = math.log10(lr) + 3.2
    d = (dropout - 0.2) / 0.1
    return 0.02 * (layers - 3) ** 2 + 0.01 * (math.log2(width) - 8) ** 2 + 0.01 * d * d + 0.05 * a * a - 0.01 * a * d + batch_penalty
