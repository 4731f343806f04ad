"""Parameter importances of a search: descend's fANOVA against Optuna's own evaluator, the peer it must equal.

``descend tune`` ranks the searched parameters of every optimizer by fANOVA (Optuna's
:class:`optuna.importance.FanovaImportanceEvaluator`: a seeded forest of 64 trees, each tree's prediction
marginalised over the other parameters). :mod:`descend.tune.fanova` fits the same forest and computes the same
marginals over each tree's leaves at once. Here both rank the same random-search studies (an Adam-like space:
log-scaled lr and beta1, and with ``--choice`` an integer and a categorical optimizer as well) at several
budgets: seconds per call (forest included; median over ``--repeats`` calls in one warm process, the two
alternating), the ratio, and the largest difference of an importance between the two.

Usage::

    python benchmarks/importances.py [--trials 64 128 256 512] [--repeats 3] [--choice]
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import statistics
import time
import warnings


def study(trials: int, choice: bool, seed: int):
    import optuna

    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        value = (math.log10(lr) + 2.5) ** 2 + 3 * (trial.suggest_float("beta1", 0.8, 0.999) - 0.9) ** 2
        if choice:
            value += 0.1 * trial.suggest_int("n", 1, 9)
            value += {"adam": 0.0, "sgd": 0.5, "rmsprop": 0.2}[trial.suggest_categorical("opt", ["adam", "sgd",
                                                                                               "rmsprop"])]
        return value

    s.optimize(objective, n_trials=trials)
    return s


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[64, 128, 256, 512], help="study sizes")
    parser.add_argument("--repeats", type=int, default=3, help="calls of each evaluator per size (default 3)")
    parser.add_argument("--choice", action="store_true", help="add an integer and a categorical parameter")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats takes a positive number")
    if min(args.trials) < 1:
        parser.error(f"--trials takes positive study sizes, not {min(args.trials)}")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    fanova = importlib.import_module("descend.tune.fanova")  # descend.tune is also the function
    evaluators = {"optuna": lambda: optuna.importance.FanovaImportanceEvaluator(seed=0),
                  "descend": lambda: fanova.evaluator(seed=0)}
    print(f"load {os.getloadavg()[0]:.2f}; optuna {optuna.__version__}; fANOVA, 64 trees, seed 0; "
          f"{'lr, beta1, n, opt' if args.choice else 'lr, beta1'}")
    print(f"{'trials':>7} {'optuna s':>9} {'descend s':>10} {'speed-up':>9} {'largest difference':>19}")
    for trials in args.trials:
        s = study(trials, args.choice, seed=trials)
        seconds: dict[str, list[float]] = {name: [] for name in evaluators}
        found: dict[str, dict[str, float]] = {}
        for _ in range(args.repeats):
            for name, make in evaluators.items():
                started = time.perf_counter()
                found[name] = optuna.importance.get_param_importances(s, evaluator=make())
                seconds[name].append(time.perf_counter() - started)
        theirs, ours = (statistics.median(seconds[name]) for name in ("optuna", "descend"))
        difference = max(abs(found["optuna"][k] - found["descend"][k]) for k in found["optuna"])
        print(f"{trials:>7} {theirs:>9.3f} {ours:>10.3f} {theirs / ours:>8.1f}× {difference:>19.1e}")


if __name__ == "__main__":
    main()
