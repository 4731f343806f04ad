"""A sweep of K small trainings: descend's run axis against a Python loop of torch.optim runs (and JAX).

The reference workload: K runs of an MLP 64 → 32 tanh → 10 with softmax
cross-entropy on 2,048 × 64 random data, Adam with K log-spaced learning rates from 1e-4 to 1e-1, batch 32,
T steps. Figure: microseconds per run-step (total time / (K·T)), lower is better, and the peak memory (max RSS)
of each implementation. ``--hidden`` and ``--batch`` take several values: the table then has one row per
K × width × batch (the wider the model and the batch, the more of a step is arithmetic rather than overhead).

These machines are shared and their speed drifts by 10-30 % from minute to minute, so every figure is a
median: each implementation runs in a fresh process once per round (``--rounds``, the order rotated from
round to round), times ``--repeats`` passes after its warm-up and keeps their median; the table gives the
median over rounds with the range, and each ratio is the median of the ratios measured within a round.

- ``descend``: ``descend.fit`` with the K learning rates as a list, no other flag (``compile="auto"``): one
  cohort, one batched program, in two situations. ``first run``: a cache directory of its own, empty, as on a
  machine that never compiled this shape (at T = 200 "auto" stays eager: compiling would cost more than it
  saves). ``later runs``: the user's cache directory, where a run with ``compile=True`` of the same shape left its
  programs as packages (the benchmark makes sure of that first, untimed): "auto" reads them in milliseconds and
  runs compiled from the first step. And ``compiled``: the same call with ``compile=True`` (compile time
  excluded: the benchmark compiles each shape into packages first, untimed; a first compile's cost is
  ``benchmarks/compile_cache.py``'s).
- ``torch loop``: what users write today, a Python loop over runs of torch.nn + torch.optim.Adam. Its cost per
  run-step does not depend on K, so it is measured on ``min(K, --loop-runs)`` runs.
- ``jax``: ``jax.vmap`` + ``jax.jit`` over optax's Adam with the learning rate injected per run, compile time
  excluded; only when JAX and optax are importable (``pip install jax jaxlib optax``).

Each process's first call (T steps of K runs: JAX's includes its tracing and compiling, descend's its first steps
or the reading of its packages; the loop's is its one-time costs plus its pass scaled from its runs to K) is timed
apart, before the passes, as the "first call": what a user waits for when a script trains one sweep (imports and
data excluded).

The table's columns are the README's: for a sweep over K alone, K then the figures, the first call before the peak
memory; for a grid (several ``--hidden`` or ``--batch`` values), K, the width and the batch, then the figures, the
peak memory before the first call. An implementation that failed in every round shows "—" in its place.

Usage::

    python benchmarks/sweep.py                    # K = 16, 64, 256; T = 200; 3 rounds
    python benchmarks/sweep.py --runs 64 --rounds 5 --markdown
    python benchmarks/sweep.py --runs 16 64 256 --hidden 32 256 --batch 32 128 --rounds 1   # the grid
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

N, D, CLASSES = 2048, 64, 10
#: The reference workload's width and batch; ``--hidden`` / ``--batch`` change them (each worker process sets them).
HIDDEN, BATCH = 32, 32


def learning_rates(k: int) -> list[float]:
    return [10 ** (-4 + 3 * i / max(k - 1, 1)) for i in range(k)]


def data(seed: int = 0):
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.randn(N, D, generator=g), torch.randint(0, CLASSES, (N,), generator=g)


#: Per pass of descend's default call in this worker: whether it ran compiled (the later runs must, from their
#: packages; a package not found, for a source edited since it was written, runs eagerly and is said so).
COMPILED: list[bool] = []


def descend_compiled(k: int, steps: int) -> tuple[float, Callable[[], float]]:
    return descend_eager(k, steps, compile=True)


def descend_eager(k: int, steps: int, compile: bool | str = "auto") -> tuple[float, Callable[[], float]]:
    """``descend.fit`` with the K learning rates as a list: one cohort, one batched program. The default call
    (``compile="auto"``: compiled where the programs are on disk, else eager at T = 200, where compiling never
    pays). The first call (its one-time costs, compiling included) is timed apart and warms the passes up."""
    import torch

    import descend

    x, y = data()
    model = descend.models.MLP((D, HIDDEN, CLASSES), hidden="tanh", output="softmax")
    sweep = dict(model=model, data=(x, y), optimizer="adam", lr=learning_rates(k), batch_size=BATCH,
                 eval_every=0, record_grad_norms=False, compile=compile)

    def one_pass() -> float:
        start = time.perf_counter()
        runs = descend.fit(steps=steps, **sweep)
        seconds = time.perf_counter() - start
        assert torch.isfinite(runs.results[0].train_loss[-1]).any()
        COMPILED.append("compile_seconds" in runs.summary)  # whether the steps ran compiled (a package read)
        return seconds

    return one_pass(), one_pass  # the first call compiles (compile=True) or reads the packages ("auto")


def torch_loop(k: int, steps: int) -> tuple[float, Callable[[], float]]:
    """What users write today: a Python loop over runs of torch.nn + torch.optim.Adam."""
    import torch

    x, y = data()
    g = torch.Generator().manual_seed(1)
    order = torch.randint(0, N, (steps, BATCH), generator=g)

    def one_pass() -> float:
        start = time.perf_counter()
        for lr in learning_rates(k):
            model = torch.nn.Sequential(torch.nn.Linear(D, HIDDEN), torch.nn.Tanh(), torch.nn.Linear(HIDDEN, CLASSES))
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            for t in range(steps):
                idx = order[t]
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
                opt.step()
        return time.perf_counter() - start

    return one_pass(), one_pass  # the first pass warms up


def jax_vmap(k: int, steps: int) -> tuple[float, Callable[[], float]]:
    """``jax.vmap`` + ``jax.jit`` over optax's Adam with the learning rate injected per run. Its first call
    includes tracing and compiling the step (XLA's)."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((N, D)), dtype=jnp.float32)
    y = jnp.asarray(rng.integers(0, CLASSES, N))
    order = jnp.asarray(rng.integers(0, N, (steps, BATCH)))

    def init(key):
        k1, k2 = jax.random.split(key)
        return {"w1": jax.random.normal(k1, (D, HIDDEN)) / math.sqrt(D), "b1": jnp.zeros(HIDDEN),
                "w2": jax.random.normal(k2, (HIDDEN, CLASSES)) / math.sqrt(HIDDEN), "b2": jnp.zeros(CLASSES)}

    def loss(p, xb, yb):
        logits = jnp.tanh(xb @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
        return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()

    opt = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)

    def one_run_init(key, lr):
        p = init(key)
        state = opt.init(p)
        state.hyperparams["learning_rate"] = lr
        return p, state

    def one_step(p, state, idx):
        grads = jax.grad(loss)(p, x[idx], y[idx])
        updates, state = opt.update(grads, state, p)
        return optax.apply_updates(p, updates), state

    first = time.perf_counter()
    step = jax.jit(jax.vmap(one_step, in_axes=(0, 0, None)))
    keys = jax.random.split(jax.random.PRNGKey(0), k)
    start_p, start_state = jax.vmap(one_run_init)(keys, jnp.asarray(learning_rates(k)))
    jax.block_until_ready(step(start_p, start_state, order[0]))  # compile
    compiling = time.perf_counter() - first

    def one_pass() -> float:
        p, state = start_p, start_state
        start = time.perf_counter()
        for t in range(steps):
            p, state = step(p, state, order[t])
        jax.block_until_ready(p)
        return time.perf_counter() - start

    return compiling + one_pass(), one_pass


IMPLEMENTATIONS = {"descend-first": descend_eager, "descend": descend_eager, "descend-compiled": descend_compiled,
                   "torch-loop": torch_loop, "jax": jax_vmap}


def worker(impl: str, k: int, steps: int, repeats: int, hidden: int, batch: int) -> None:
    global HIDDEN, BATCH
    HIDDEN, BATCH = hidden, batch
    first, one_pass = IMPLEMENTATIONS[impl](k, steps)
    seconds = statistics.median(one_pass() for _ in range(repeats))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "first": first, "compiled": all(COMPILED)}))


def measure(impl: str, k: int, steps: int, repeats: int, hidden: int, batch: int) -> dict | None:
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        env = {**os.environ, "DESCEND_CACHE_DIR": empty} if impl == "descend-first" else None
        out = subprocess.run([sys.executable, __file__, "--worker", impl, str(k), str(steps), str(repeats),
                              str(hidden), str(batch)], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print(f"  {impl} K={k}: failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else '?'}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def jax_available() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import jax, optax"], capture_output=True)
    return probe.returncode == 0


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # kill or timeout cleans up as Ctrl-C does
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="*", default=[16, 64, 256], help="values of K (default 16 64 256)")
    parser.add_argument("--steps", type=int, default=200, help="training steps T per run (default 200)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="fresh processes per implementation and K, in rotated order (default 3)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes in each process (default 3)")
    parser.add_argument("--loop-runs", type=int, default=8,
                        help="runs timed for the torch loop, whose cost per run-step does not depend on K (default 8)")
    parser.add_argument("--hidden", type=int, nargs="*", default=[HIDDEN],
                        help=f"hidden widths of the MLP (default {HIDDEN}); several make a grid")
    parser.add_argument("--batch", type=int, nargs="*", default=[BATCH],
                        help=f"batch sizes (default {BATCH}); several make a grid")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--worker", nargs=6, metavar=("IMPL", "K", "T", "REPEATS", "HIDDEN", "BATCH"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], *(int(a) for a in args.worker[1:]))
        return 0
    if args.rounds < 1 or args.repeats < 1 or args.steps < 1 or args.loop_runs < 1 or not args.runs \
            or min(args.runs) < 1 or not args.hidden or min(args.hidden) < 1 or not args.batch \
            or min(args.batch) < 1 or max(args.batch) > N:
        parser.error(f"--runs, --steps, --rounds, --repeats, --loop-runs and --hidden take positive numbers; "
                     f"--batch 1..{N}")

    import torch

    has_jax = jax_available()
    impls = [i for i in IMPLEMENTATIONS if i != "jax" or has_jax]
    widths = "/".join(map(str, args.hidden))
    batches = "/".join(map(str, args.batch))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; MLP {D}-{widths} tanh-{CLASSES}, "
          f"{N} x {D} data, Adam, batch {batches}, T = {args.steps}; {args.rounds} rounds x {args.repeats} passes; "
          f"JAX: {'yes' if has_jax else 'not importable'}")
    # figures[(K, hidden, batch)][impl] = one (µs per run-step, peak MB) per round; None where that round failed
    grid = [(k, h, b) for h in args.hidden for b in args.batch for k in args.runs]
    figures: dict[tuple[int, int, int], dict[str, list]] = {c: {i: [] for i in impls} for c in grid}
    for k, h, b in grid:  # the programs a first run with compile=True leaves on disk (untimed; the second is quick)
        measure("descend-compiled", k, 1, 1, h, b)
    for r in range(args.rounds):
        for k, h, b in grid:
            order = impls[r % len(impls):] + impls[: r % len(impls)]
            for impl in order:
                runs = min(k, args.loop_runs) if impl == "torch-loop" else k
                result = measure(impl, runs, args.steps, args.repeats, h, b)
                if impl == "descend" and result is not None and not result.get("compiled", True):
                    print(f"  note: K = {k}, hidden {h}, batch {b}: the default call's later run ran eagerly (its "
                          "package was not read): this cell is not a later run's")
                # (µs per run-step, peak MB, the first call's seconds for K runs: the loop's one-time costs once,
                # plus its pass of `runs` runs scaled to K)
                figure = None if result is None else (
                    result["seconds"] / (runs * args.steps) * 1e6, result["peak_mb"],
                    result["first"] + result["seconds"] * (k / runs - 1))
                figures[k, h, b][impl].append(figure)
            print(f"  round {r + 1}, K = {k}, hidden {h}, batch {b}: " + ", ".join(
                f"{i} {figures[k, h, b][i][-1][0]:.1f} µs" for i in impls if figures[k, h, b][i][-1]))
    print_table(figures, has_jax, args.markdown)
    return 0


def print_table(figures: dict[tuple[int, int, int], dict[str, list]], has_jax: bool, markdown: bool) -> None:
    def cell(impl_figures: list) -> str:
        values = [f[0] for f in impl_figures if f]
        if not values:
            return "—"
        if len(values) == 1:
            return f"{values[0]:.1f}"
        return f"{statistics.median(values):.1f} ({min(values):.0f}–{max(values):.0f})"

    def ratio(top: list, bottom: list, digits: int, at: int = 0) -> str:
        """Median over rounds of top / bottom (figure ``at``), each pair measured in the same round."""
        pairs = [a[at] / b[at] for a, b in zip(top, bottom) if a and b]
        return f"{statistics.median(pairs):.{digits}f}×" if pairs else "—"

    def first_call(impl_figures: list) -> str:
        values = [f[2] for f in impl_figures if f]
        return f"{statistics.median(values):.2f}" if values else "—"

    # the README's two tables: a K-only sweep's, with the first call before the peak memory, and a grid's (K × width
    # × batch), with the peak memory first; a column of the hidden width and the batch only in a grid
    grid = len({h for _, h, _ in figures}) > 1 or len({b for _, _, b in figures}) > 1
    jax = " / JAX)" if has_jax else ")"
    header = ["K"] + (["hidden", "batch"] if grid else []) + [
        "default, first run µs/run-step", "default, later runs", "compiled", "torch loop",
        "speed-up vs loop (first / later runs)"]
    if has_jax:
        header += ["JAX", "JAX / descend (first / later runs)"]
    peak_header = ["peak MB (first / later / compiled / loop" + jax]
    first_header = ["first call s (first run / later runs / loop" + jax] + (
        ["first call: JAX / descend (first / later runs)"] if has_jax else [])
    header += peak_header + first_header if grid else first_header + peak_header
    lines = []
    for (k, h, b), row in figures.items():
        d1, d, dc, loop, jx = (row.get(i, []) for i in ("descend-first", "descend", "descend-compiled", "torch-loop",
                                                         "jax"))
        cells = [str(k)] + ([str(h), str(b)] if grid else []) + [
            cell(d1), cell(d), cell(dc), cell(loop), f"{ratio(loop, d1, 1)} / {ratio(loop, d, 1)}"]
        if has_jax:
            cells += [cell(jx), f"{ratio(jx, d1, 2)} / {ratio(jx, d, 2)}"]
        # one figure per implementation measured, "—" for one that failed in every round: no column shifts
        peaks = [max((f[1] for f in col if f), default=None) for col in (d1, d, dc, loop) + ((jx,) if has_jax else ())]
        peak_cells = [" / ".join("—" if p is None else f"{p:.0f}" for p in peaks)]
        first_cells = [" / ".join(first_call(col) for col in (d1, d, loop) + ((jx,) if has_jax else ()))]
        if has_jax:
            first_cells.append(f"{ratio(jx, d1, 2, at=2)} / {ratio(jx, d, 2, at=2)}")
        cells += peak_cells + first_cells if grid else first_cells + peak_cells
        lines.append(cells)
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
    print("µs per run-step: median over rounds (range); ratios: median of the ratios within each round.")
    print("first call: a process's first call of T steps for K runs, its one-time costs included (JAX's tracing "
          "and compiling; descend's first steps, or reading its packages, and the modules of descend its first fit "
          "imports); the imports of torch, JAX and the descend package, and the data, excluded")
    print("speed-up = loop µs / descend µs (aim for the default call ≥ 45× at K = 64); JAX / descend ≥ 1 means descend is faster")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (main makes it one): its temporary folders are gone
        print("interrupted", file=sys.stderr)
        sys.exit(130)
