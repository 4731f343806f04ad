"""The same hyperparameter search two ways: ``descend tune`` (K trials per cohort, one batched program) against
Optuna's usual loop (``study.optimize``, one trial at a time, a torch.nn + torch.optim objective).

Both use the same kind of sampler with the same settings and seed (TPE, multivariate, seed 0; with ``--vary-seed``
round r uses seed r), the same trial budget, the same space (Adam's lr log-uniform in 1e-4..1e-1 and beta1 in
0.5..0.99), the same steps and batch size, and the same storage (a journal file in a temporary directory). Both
start from Adam's defaults (lr 1e-3, beta1 0.9) as trial 0: descend's search enqueues them, and the loop enqueues
them too (``study.enqueue_trial``). The draws after it differ all the same: descend's search fills the rest of its
first cohort with points spread over the space and draws each trial from a random state of its own, seeded from
the seed and the trial's number (:mod:`descend.tune.seeding`), where the loop's sampler draws trial after trial
from one random state; so the best values compare two searches of the same budget, not the same trials. The loop's
warm-up trial (first-call costs, off the clock) uses a sampler of its own, so the timed study's sampler starts
fresh. Workloads:

- ``digits``: descend's ``digits`` task (1,079 training images of 8 × 8, an MLP 64 → 32 tanh → 10, softmax
  cross-entropy), batch 32, 300 steps; the objective is the validation loss (359 held-out images).
- ``sweep``: the reference workload of ``benchmarks/sweep.py`` (an MLP 64 → 32 tanh → 10 on 2,048 × 64
  random data, batch 32, 200 steps); no held-out data, so the objective is the final training loss.

Figures: wall time of the whole search, trials per second, the best value reached, and the storage's cost per
trial (descend: the time spent asking, telling and counting trials; the loop: wall time minus the time the
objective spends training and evaluating, so its ``suggest_*`` calls, which sample and write to the journal, count
as the storage's), and the speed-up: the loop's wall time over descend's, for the same trial budget. Each
implementation runs in a fresh process once per round (the order alternates); the table gives medians over
rounds, and each ratio is the median of the ratios measured within a round.

``--quality N`` compares instead the best values alone, over N sampler seeds (no clock; one process, one thread):
descend's search with each ``--cohort`` and one trial at a time (cohorts of 1, with the same per-trial random
states), against Optuna's loop, with the median of each, how often a search beats the loop (over every pair of a
seed of each) and a rank-sum test's two-sided p (Mann-Whitney, normal approximation): which differences the seeds
can tell from luck.

``--frozen`` measures instead what successive halving (``--pruner sha``) costs on the ``sweep`` workload with
the pruned runs' rows dropped from the batched program (the engine's default) against kept frozen in place until
the cohort ends (``engine.train_cohort(drop_stopped=False)``): the training time and the whole search's, the
best value (the same both ways: the same records), and the share of row-steps (K rows × the steps each cohort
ran) that go to rows already pruned when they are kept.

Usage::

    python benchmarks/tune.py                       # both workloads, 128 trials, cohorts of 16 and 64, 2 rounds
    python benchmarks/tune.py --workload digits --trials 256 --cohort 64 128 --rounds 3 --markdown
    python benchmarks/tune.py --frozen --trials 256 --cohort 64 --rounds 3
    python benchmarks/tune.py --quality 24 --workload digits --cohort 32 64
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPACE = "lr=1e-4..1e-1:log, beta1=0.5..0.99"
N, D, HIDDEN, CLASSES, BATCH = 2048, 64, 32, 10, 32
STEPS = {"digits": 300, "sweep": 200}
ADAM_DEFAULTS = {"lr": 1e-3, "beta1": 0.9}  # trial 0 of both searches (descend's enqueues the optimizer's defaults)


def sweep_task():
    """The reference sweep workload as a descend task (no validation split: the objective is the train loss)."""
    import torch

    import descend
    from descend.data import Dataset, split
    from descend.tasks import Task

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(N, D, generator=g), torch.randint(0, CLASSES, (N,), generator=g)
    dataset = Dataset(x, y, tuple(f"x{i}" for i in range(D)), "y", "multiclass", tuple(range(CLASSES)))
    splits = split(dataset, validation=0.0, test=0.0)
    model = descend.models.MLP((D, HIDDEN, CLASSES), hidden="tanh", output="softmax", init="torch")
    return Task(name="sweep", title="reference sweep workload", summary="", description="", model=model,
                data=splits, loss="cross-entropy", kind="multiclass", steps=STEPS["sweep"], lr_range=(1e-4, 1e-1),
                batch_sizes=(BATCH,))


def arrays(workload: str):
    """(x_train, y_train, x_eval, y_eval) of a workload, float32 / int64."""
    if workload == "digits":
        from descend import tasks

        data = tasks.get("digits").data
        return data.train.x, data.train.y, data.validation.x, data.validation.y
    task = sweep_task()
    return task.data.train.x, task.data.train.y, task.data.train.x, task.data.train.y


def run_descend(workload: str, trials: int, cohort: int, storage: str, compile: bool = False, seed: int = 0) -> dict:
    import descend

    task = "digits" if workload == "digits" else sweep_task()
    # first-call costs (imports, first transforms; with compile=True, compiling the cohort's step for its shapes,
    # as benchmarks/sweep.py does) off the clock, in memory
    # (a whole run's steps: an epoch's last, smaller batch is a shape of its own)
    descend.tune(task, optimizer="adam", space=SPACE, trials=cohort, cohort=cohort,
                 steps=STEPS[workload] if compile else 5, seeds=0, batch_size=BATCH, study="warm-up", compile=compile)
    started = time.perf_counter()
    result = descend.tune(task, optimizer="adam", space=SPACE, trials=trials, cohort=cohort, steps=STEPS[workload],
                          seeds=0, batch_size=BATCH, storage=storage, study=workload, sampler="tpe", seed=seed,
                          compile=compile)
    seconds = time.perf_counter() - started
    outcome = result.outcomes["adam"]
    return {"seconds": seconds, "trials": outcome.told, "best": result.best["adam"]["value"],
            "storage_per_trial": outcome.storage_seconds / max(outcome.told, 1),
            "train_seconds": outcome.train_seconds}


def run_loop(workload: str, trials: int, storage: str, seed: int = 0) -> dict:
    """What Optuna users write: study.optimize over an objective that trains one torch.nn model."""
    import warnings

    import optuna
    import torch
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    x, y, xv, yv = arrays(workload)
    m, steps = len(x), STEPS[workload]
    inside = [0.0]

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)  # sampling and journal writes: the storage's time
        beta1 = trial.suggest_float("beta1", 0.5, 0.99)
        start = time.perf_counter()
        torch.manual_seed(trial.number)
        model = torch.nn.Sequential(torch.nn.Linear(D, HIDDEN), torch.nn.Tanh(), torch.nn.Linear(HIDDEN, CLASSES))
        opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(beta1, 0.999))
        g = torch.Generator().manual_seed(trial.number)
        order, at = torch.randperm(m, generator=g), 0
        for _ in range(steps):
            if at >= m:
                order, at = torch.randperm(m, generator=g), 0
            idx = order[at:at + BATCH]
            at += BATCH
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        with torch.no_grad():
            value = float(torch.nn.functional.cross_entropy(model(xv), yv))
        inside[0] += time.perf_counter() - start
        return value if value == value else float("inf")

    def sampler() -> optuna.samplers.TPESampler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return optuna.samplers.TPESampler(seed=seed, multivariate=True)

    store = JournalStorage(JournalFileBackend(storage, lock_obj=JournalFileOpenLock(storage)))
    # first-call costs off the clock, in memory, on a sampler of its own: the timed study's starts fresh
    warm = optuna.create_study(sampler=sampler())
    warm.optimize(objective, n_trials=1)
    inside[0] = 0.0
    study = optuna.create_study(storage=store, study_name=workload, sampler=sampler())
    study.enqueue_trial(ADAM_DEFAULTS)  # trial 0 as in descend's search: Adam's defaults
    started = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "trials": trials, "best": study.best_value,
            "storage_per_trial": (seconds - inside[0]) / trials, "train_seconds": inside[0]}


def run_frozen(trials: int, cohort: int, keep: bool, seed: int = 0) -> dict:
    """One search with successive halving on the sweep workload: its row-steps (K rows × the steps each cohort
    ran) and the useful ones (each trial's steps until it was pruned or finished), its training time and best
    value; with the pruned rows dropped from the batched program (the engine's default) or ``keep``-ing them
    frozen in place (``engine.train_cohort(drop_stopped=False)``, as before the engine dropped them)."""
    import functools

    import descend
    from descend import engine

    if keep:
        engine.train_cohort = functools.partial(engine.train_cohort, drop_stopped=False)
    task = sweep_task()
    steps = STEPS["sweep"]
    descend.tune(task, optimizer="adam", space=SPACE, trials=cohort, cohort=cohort, steps=5, seeds=0,
                 batch_size=BATCH, study="warm-up", compile=False)  # first-call costs off the clock
    started = time.perf_counter()
    result = descend.tune(task, optimizer="adam", space=SPACE, trials=trials, cohort=cohort, steps=steps, seeds=0,
                          batch_size=BATCH, study="sweep", sampler="tpe", seed=seed, pruner="sha", compile=False)
    seconds = time.perf_counter() - started
    done = sorted(((t.number, t.user_attrs["descend"]) for t in result.study.get_trials(deepcopy=False)),
                  key=lambda item: item[0])
    rows = useful = 0
    for start in range(0, len(done), cohort):  # one worker: each cohort is the next block of trial numbers
        block = [int(info["steps"]) for _, info in done[start:start + cohort]]
        rows += len(block) * max(block)  # a cohort whose runs are all pruned stops at that checkpoint
        useful += sum(block)
    outcome = result.outcomes["adam"]
    return {"trials": outcome.told, "pruned": outcome.pruned, "row_steps": rows, "useful": useful,
            "train_seconds": outcome.train_seconds, "seconds": seconds, "best": result.study.best_value,
            "steps": steps, "cohort": cohort}


def quality(workload: str, trials: int, cohorts: list[int], seeds: int) -> None:
    """The best value of each search over sampler seeds 0..seeds-1: descend's (each cohort size, and one trial at a
    time) against Optuna's loop; medians, win rates against the loop and rank-sum p-values."""
    import math
    import warnings

    import optuna
    import torch

    import descend

    torch.set_num_threads(1)  # no clock here: one core, so that another run may use the other
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    task = "digits" if workload == "digits" else sweep_task()
    sizes = sorted(set(cohorts) | {1})
    best: dict[str, list[float]] = {**{f"descend, cohorts of {k}": [] for k in sizes}, "Optuna loop": []}
    for seed in range(seeds):
        for k in sizes:
            result = descend.tune(task, optimizer="adam", space=SPACE, trials=trials, cohort=k, steps=STEPS[workload],
                                  seeds=0, batch_size=BATCH, sampler="tpe", seed=seed)
            best[f"descend, cohorts of {k}"].append(result.best["adam"]["value"])
        with tempfile.TemporaryDirectory() as tmp:
            best["Optuna loop"].append(run_loop(workload, trials, str(Path(tmp) / "study.journal"), seed=seed)["best"])
        print(f"  seed {seed}: " + ", ".join(f"{name} {values[-1]:.4f}" for name, values in best.items()), flush=True)

    def rank_sum(a: list[float], b: list[float]) -> tuple[float, float]:
        """P(a value of a < one of b) and the two-sided p of the Mann-Whitney test (normal approximation)."""
        wins = sum((x < y) + 0.5 * (x == y) for x in a for y in b)
        n, m = len(a), len(b)
        z = (wins - n * m / 2) / math.sqrt(n * m * (n + m + 1) / 12)
        return wins / (n * m), math.erfc(abs(z) / math.sqrt(2))

    loop = best["Optuna loop"]
    print(f"{workload}, {trials} trials, TPE, {seeds} sampler seeds: best value (lower is better)")
    for name, values in best.items():
        line = f"  {name:<28} median {statistics.median(values):.4f}  mean {statistics.mean(values):.4f}"
        if name != "Optuna loop":
            share, p = rank_sum(values, loop)
            line += f"  better than the loop's in {share:.0%} of pairs (p = {p:.2f})"
        print(line)


def frozen_table(runs: dict[str, list[dict]]) -> None:
    """Pruned rows dropped against kept in place: training time, wall time and best value (medians over rounds;
    the ratio is the median of the ratios within a round)."""
    def med(values: list[float]) -> float:
        return statistics.median(values)

    kept, dropped = runs["frozen-keep"], runs["frozen-drop"]
    first = dropped[0]  # the first round both searches finished
    share = [1 - r["useful"] / r["row_steps"] for r in kept]
    print(f"successive halving (eta 3, 2 rungs), sweep workload, K = {first['cohort']}, {first['trials']} trials of "
          f"{first['steps']} steps; medians of {len(dropped)} rounds (sampler seed = round)")
    print(f"  round {first['round']}: {first['pruned']} of {first['trials']} trials pruned, {first['row_steps']} "
          f"row-steps; with the rows kept, {med(share):.0%} of the row-steps go to rows already pruned "
          "(median over rounds)")
    for name, got in (("kept in place", kept), ("dropped", dropped)):
        print(f"  pruned rows {name}: training {med([r['train_seconds'] for r in got]):.2f} s, whole search "
              f"{med([r['seconds'] for r in got]):.2f} s, best {med([r['best'] for r in got]):.4f}")
    ratios = [k["train_seconds"] / d["train_seconds"] for k, d in zip(kept, dropped)]
    same = all(k["best"] == d["best"] for k, d in zip(kept, dropped))
    print(f"  dropping: training {med(ratios):.2f}× faster (rounds: {', '.join(f'{r:.2f}' for r in ratios)}); "
          f"the same best value in every round: {same}")


def worker(impl: str, workload: str, trials: int, cohort: int, seed: int = 0) -> None:
    if impl.startswith("frozen"):
        print(json.dumps(run_frozen(trials, cohort, keep=impl == "frozen-keep", seed=seed)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        storage = str(Path(tmp) / "study.journal")
        if impl.startswith("descend"):
            figures = run_descend(workload, trials, cohort, storage, compile=impl == "descend-compiled", seed=seed)
        else:
            figures = run_loop(workload, trials, storage, seed=seed)
    print(json.dumps(figures))


def measure(impl: str, workload: str, trials: int, cohort: int, seed: int = 0) -> dict | None:
    out = subprocess.run([sys.executable, __file__, "--worker", impl, workload, str(trials), str(cohort), str(seed)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"  {impl} {workload}: failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else '?'}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # kill or timeout cleans up as Ctrl-C does
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=["digits", "sweep", "both"], default="both",
                        help="the MLP on digits, the reference sweep workload, or both (default)")
    parser.add_argument("--trials", type=int, default=128, help="trial budget of each search (default 128)")
    parser.add_argument("--cohort", type=int, nargs="+", default=[16, 64],
                        help="descend's trials per cohort, one search each (default 16 64)")
    parser.add_argument("--rounds", type=int, default=2, help="fresh processes per implementation (default 2)")
    parser.add_argument("--compile", action="store_true",
                        help="also descend with compile=True (compile time off the clock, as in benchmarks/sweep.py)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--vary-seed", action="store_true",
                        help="round r uses sampler seed r (both ways alike), so the best value is a median over "
                             "seeds, not one draw of TPE's luck")
    parser.add_argument("--frozen", action="store_true",
                        help="successive halving on the sweep workload (one --cohort): pruned rows dropped from the "
                             "batched program against kept frozen in place")
    parser.add_argument("--quality", type=int, metavar="N",
                        help="compare the best values alone over N sampler seeds (no clock): each --cohort, one "
                             "trial at a time, and the loop")
    parser.add_argument("--worker", nargs=5, metavar=("IMPL", "WORKLOAD", "TRIALS", "COHORT", "SEED"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], int(args.worker[2]), int(args.worker[3]), int(args.worker[4]))
        return 0
    if min(args.cohort) < 1 or max(args.cohort) > args.trials or args.rounds < 1:
        parser.error("--cohort takes numbers 1..--trials, --rounds a positive number")
    if args.quality is not None and args.quality < 1:
        parser.error("--quality takes a positive number of sampler seeds")
    if args.quality is not None and args.frozen:
        parser.error("give --quality or --frozen, not both")
    if args.frozen and len(args.cohort) > 1:
        parser.error("--frozen measures one cohort size: give one --cohort")
    ignored = [flag for flag, on in (("--compile", args.compile), ("--vary-seed", args.vary_seed),
                                     ("--markdown", args.markdown)) if on]
    if (args.quality is not None or args.frozen) and ignored:
        parser.error(f"{' and '.join(ignored)} {'apply' if len(ignored) > 1 else 'applies'} to the timed searches, "
                     "not to --quality or --frozen")
    import os

    if args.quality is not None:
        for workload in (["digits", "sweep"] if args.workload == "both" else [args.workload]):
            quality(workload, args.trials, args.cohort, args.quality)
        return 0
    if args.frozen:
        print(f"load {os.getloadavg()[0]:.2f}")
        got: dict[str, list[dict]] = {"frozen-keep": [], "frozen-drop": []}
        for r in range(args.rounds):  # the order alternates; a round's two searches use the same sampler seed
            pair = [measure(impl, "sweep", args.trials, args.cohort[0], seed=r)
                    for impl in (("frozen-keep", "frozen-drop") if r % 2 == 0 else ("frozen-drop", "frozen-keep"))]
            if None not in pair:
                first, second = pair if r % 2 == 0 else pair[::-1]
                got["frozen-keep"].append({**first, "round": r + 1})
                got["frozen-drop"].append({**second, "round": r + 1})
        if got["frozen-drop"]:
            frozen_table(got)
        return 0

    import torch

    workloads = ["digits", "sweep"] if args.workload == "both" else [args.workload]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load {os.getloadavg()[0]:.2f}; Adam, "
          f"space {SPACE}, TPE seed {'= round' if args.vary_seed else 0}, {args.trials} trials, "
          f"descend cohorts of {' and '.join(map(str, args.cohort))}, "
          "journal storage; "
          f"{args.rounds} rounds")
    rows = []
    for workload in workloads:
        impls = [f"descend-{k}" for k in args.cohort] + [f"compiled-{k}" for k in args.cohort if args.compile] + [
            "loop"]
        got: dict[str, list[dict]] = {impl: [] for impl in impls}
        for r in range(args.rounds):
            order = impls if r % 2 == 0 else impls[::-1]
            for impl in order:
                cohort = int(impl.split("-")[1]) if impl != "loop" else 0
                kind = {"descend": "descend", "compiled": "descend-compiled"}.get(impl.split("-")[0], "loop")
                figures = measure(kind, workload, args.trials, cohort, seed=r if args.vary_seed else 0)
                got[impl].append(figures)
            print(f"  {workload} round {r + 1}: " + ", ".join(
                f"{impl} {got[impl][-1]['seconds']:.1f} s (best {got[impl][-1]['best']:.4f})"
                for impl in impls if got[impl][-1] is not None), flush=True)
        rows.append((workload, got))
    table(rows, args, markdown=args.markdown)
    return 0


def table(rows: list, args: argparse.Namespace, *, markdown: bool) -> None:
    def med(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    header = ["workload", "search", "wall s", "trials/s", "best value", "storage ms/trial", "speed-up (wall time)"]
    lines = []
    for workload, got in rows:
        loop = got["loop"]
        for impl, runs in got.items():
            done = [r for r in runs if r is not None]
            if not done:
                continue
            label = "Optuna loop" if impl == "loop" else f"descend tune, cohorts of {impl.split('-')[1]}" + (
                ", compiled" if impl.startswith("compiled") else "")
            ratios = [lp["seconds"] / d["seconds"] for d, lp in zip(runs, loop) if d and lp]
            lines.append([workload, label, f"{med([r['seconds'] for r in done]):.1f}",
                          f"{med([r['trials'] / r['seconds'] for r in done]):.1f}",
                          f"{med([r['best'] for r in done]):.4f}",
                          f"{med([r['storage_per_trial'] for r in done]) * 1e3:.1f}",
                          f"{med(ratios):.1f}×" if impl != "loop" and ratios else ""])
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for cells in lines:
            print("| " + " | ".join(cells) + " |")
    else:
        widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for cells in lines:
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths)))
    print("medians over rounds; speed-up: median within-round ratio of the loop's wall time to descend's "
          "(same trial budget). best value: digits validation loss, sweep training loss (lower is better).")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (main makes it one): its temporary folders are gone
        print("interrupted", file=sys.stderr)
        sys.exit(130)
