"""One optimizer step over many parameters: descend.optim against torch.optim, measured in one run.

For every algorithm, P fp32 parameters (default 20M) split into N equal tensors (default 50) take
one ``opt.step()`` with gradients set once (``p.grad = torch.rand_like(p)``). Each implementation
gets fresh parameters, a few warm-up steps, then the best of R wall times:

- torch.optim in every mode it offers on CPU: for-loop (``foreach=False``), ``foreach=True`` and
  ``fused=True`` (where it exists); the row compares against torch's best mode;
- descend eager (the default) and descend ``fused=True`` (the rule compiled by ``torch.compile``;
  the first step, which compiles, is reported on its own as the compile time and not timed).

Ratio = descend time / torch's best time: lower is better, the aim is at most 1.5.

Before timing, a small float64 problem checks that descend (eager and fused) gives torch.optim's
parameters within 1e-10: a benchmark of a wrong optimizer is worthless.

Absolute times drift on shared machines: compare the ratios, which are measured in the same run.

Usage::

    python benchmarks/optimizer_step.py                      # the full table (several minutes)
    python benchmarks/optimizer_step.py --params 2e6 --only adam,sgd --no-fused
    python benchmarks/optimizer_step.py --params 2400 --tensors 4 --repeats 300 --warmup 20 --no-fused   # small
    python benchmarks/optimizer_step.py --markdown           # the table as Markdown, for the README
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BYTES_PER_PARAM_ADAM = 28  # reads θ, g, m, v and writes θ, m, v: 7 fp32 passes
TOLERANCE = 1e-10


@dataclass(frozen=True)
class Algorithm:
    key: str  #: the --only name
    label: str  #: the table's first column
    descend_class: str
    descend_kwargs: dict[str, Any]
    torch_class: str  #: the timed torch peer
    torch_kwargs: dict[str, Any]
    #: the torch twin for the correctness check, when it differs from the timed peer
    check_class: str | None = None
    check_kwargs: dict[str, Any] = field(default_factory=dict)


ALGORITHMS = [
    Algorithm("sgd", "SGD (momentum 0.9)", "SGD", dict(lr=1e-3, momentum=0.9), "SGD", dict(lr=1e-3, momentum=0.9)),
    # descend's EMA momentum v ← βv + (1−β)g, w ← w − αv has no torch twin. Timed against torch's
    # heavy ball (same passes over memory); checked against SGD(lr=α(1−β), momentum=β), which is the
    # same sequence of parameters: b_t = Σ β^k g_{t−k} = v_t / (1 − β).
    Algorithm("momentum", "Momentum (peer: torch SGD momentum 0.9)", "Momentum", dict(lr=1e-3, beta=0.9),
              "SGD", dict(lr=1e-3, momentum=0.9), check_class="SGD", check_kwargs=dict(lr=1e-3 * (1 - 0.9), momentum=0.9)),
    Algorithm("adagrad", "Adagrad", "Adagrad", {}, "Adagrad", {}),
    Algorithm("adadelta", "Adadelta", "Adadelta", {}, "Adadelta", {}),
    Algorithm("rmsprop", "RMSprop", "RMSprop", {}, "RMSprop", {}),
    Algorithm("adam", "Adam", "Adam", dict(lr=1e-3), "Adam", dict(lr=1e-3)),
    Algorithm("adamw", "AdamW", "AdamW", dict(lr=1e-3), "AdamW", dict(lr=1e-3)),
    Algorithm("adamax", "Adamax", "Adamax", {}, "Adamax", {}),
    Algorithm("nadam", "NAdam", "NAdam", {}, "NAdam", {}),
    Algorithm("radam", "RAdam", "RAdam", {}, "RAdam", {}),
]
BY_KEY = {a.key: a for a in ALGORITHMS}
TORCH_MODES = {"for-loop": dict(foreach=False), "foreach": dict(foreach=True), "fused": dict(fused=True)}


def parameter_count(text: str) -> int:
    """``--params``: a whole number, also written as a float (``2e6``); argparse words a refusal from the message."""
    try:
        return int(float(text))
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"takes a number of parameters such as 2000000 or 2e6, not {text!r}") \
            from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time one optimizer step of every descend.optim class against torch.optim (CPU, fp32).",
        epilog="Ratio = descend time / torch's best time (lower is better; the aim is <= 1.5).",
    )
    parser.add_argument("--params", type=parameter_count, default=20_000_000,
                        help="total number of parameters P (default 20e6)")
    parser.add_argument("--tensors", type=int, default=50, help="number of parameter tensors N (default 50)")
    parser.add_argument("--repeats", type=int, default=7, help="timed steps R; the best is reported (default 7)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before timing (default 3)")
    parser.add_argument("--only", default=None,
                        help=f"comma-separated subset of: {','.join(BY_KEY)} (default: all)")
    parser.add_argument("--no-fused", action="store_true", help="skip descend's fused (torch.compile) mode")
    parser.add_argument("--markdown", action="store_true", help="print the table as a Markdown table")
    parser.add_argument("--threads", type=int, default=None,
                        help="call torch.set_num_threads(THREADS) first (default: leave torch's setting)")
    parser.add_argument("--max-wait", type=float, default=120,
                        help="seconds the whole run may wait for other processes to leave the CPU before a "
                             "measurement (default 120); times taken on a loaded CPU are marked !")
    parser.add_argument("--cold-compile", action="store_true",
                        help="use a fresh, empty Inductor cache directory and temporary directory (where torch keeps "
                             "Inductor's precompiled header), both removed at the end, so that compile times are "
                             "cold")
    args = parser.parse_args(argv)
    if args.only:
        keys = [k.strip().lower() for k in args.only.split(",") if k.strip()]
        unknown = [k for k in keys if k not in BY_KEY]
        if unknown:
            parser.error(f"--only: unknown algorithm(s) {', '.join(unknown)}; choose from {', '.join(BY_KEY)}")
        args.algorithms = [BY_KEY[k] for k in keys]
    else:
        args.algorithms = list(ALGORITHMS)
    if args.params < args.tensors or args.tensors < 1:
        parser.error("need --tensors >= 1 and --params >= --tensors")
    if args.repeats < 1 or args.warmup < 0:
        parser.error("need --repeats >= 1 and --warmup >= 0")
    return args


# -- helpers ------------------------------------------------------------------------------------------


def best_time(fn: Callable[[], Any], repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def free() -> None:
    gc.collect()


def make_params(torch: Any, sizes: list[int], dtype: Any, seed: int) -> list[Any]:
    gen = torch.Generator().manual_seed(seed)
    params = [torch.nn.Parameter(torch.rand(s, generator=gen, dtype=dtype)) for s in sizes]
    for p in params:
        p.grad = torch.rand(p.shape, generator=gen, dtype=dtype)
    return params


def short_error(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"[:110]


# -- the correctness check ------------------------------------------------------------------------------


def check(torch: Any, descend_optim: Any, algo: Algorithm, fused: bool) -> list[str]:
    """Problems found when descend and torch.optim run 5 float64 steps on 3 tensors of 1000 params."""
    gen = torch.Generator().manual_seed(1234)
    init = [torch.rand(1000, generator=gen, dtype=torch.float64) for _ in range(3)]
    grads = [[torch.randn(1000, generator=gen, dtype=torch.float64) for _ in range(3)] for _ in range(5)]

    def run(make: Callable[[list[Any]], Any]) -> list[Any]:
        params = [torch.nn.Parameter(x.clone()) for x in init]
        opt = make(params)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = g.clone()
            opt.step()
        return [p.detach() for p in params]

    reference_class = getattr(torch.optim, algo.check_class or algo.torch_class)
    reference_kwargs = algo.check_kwargs if algo.check_class else algo.torch_kwargs
    expected = run(lambda ps: reference_class(ps, **reference_kwargs, foreach=False))
    problems = []
    modes = {"eager": {}, "fused": dict(fused=True)} if fused else {"eager": {}}
    for mode, kw in modes.items():
        try:
            if mode == "fused":
                torch._dynamo.reset()
            got = run(lambda ps: getattr(descend_optim, algo.descend_class)(ps, **algo.descend_kwargs, **kw))
        except Exception as e:  # noqa: BLE001 - report and go on with the other algorithms
            problems.append(f"descend {mode} failed: {short_error(e)}")
            continue
        diff = max(float((a - b).abs().max()) for a, b in zip(got, expected))
        if not diff <= TOLERANCE:
            problems.append(f"descend {mode} differs from torch.optim by {diff:.3g} (> {TOLERANCE:g})")
    return problems


# -- the timings -------------------------------------------------------------------------------------------


PROBE_LIMIT = 1e-3  #: seconds; a 100k-element add takes ~0.01 ms on an idle machine


def probe_small_ops(torch: Any) -> float:
    """Median seconds of a small multithreaded op (100k floats, ~10 µs on an idle machine).

    When another process keeps a core busy, torch's OpenMP threads wait for each other at every
    barrier for a scheduler time slice, and every small op costs milliseconds: timings are then
    meaningless (seen on the 2-core machine: torch.optim.Adam for-loop 500x slower with 2 threads
    than with 1 while a test suite ran beside it).
    """
    a, b = torch.rand(100_000), torch.rand(100_000)
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        torch.add(a, b, out=a)
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


class Clock:
    """Best-of-R timings that wait for a quiet CPU first and say whether it stayed quiet."""

    def __init__(self, torch: Any, args: argparse.Namespace) -> None:
        self.torch, self.repeats, self.warmup = torch, args.repeats, args.warmup
        self.wait_left = float(args.max_wait)  #: seconds of waiting left for the whole run
        self.waited = 0.0

    def quiet(self) -> bool:
        """Whether the CPU is quiet, after waiting (within the run's budget) for it to become so."""
        while probe_small_ops(self.torch) > PROBE_LIMIT:
            if self.wait_left <= 0:
                return False
            time.sleep(1.0)
            self.wait_left -= 1.0
            self.waited += 1.0
        return True

    def best(self, step: Callable[[], Any], warmup: int | None = None) -> tuple[float, bool]:
        """(best wall time of ``step``, whether another process loaded the CPU around the timing)."""
        quiet_before = self.quiet()
        t = best_time(step, self.repeats, self.warmup if warmup is None else warmup)
        quiet_after = probe_small_ops(self.torch) <= PROBE_LIMIT
        return t, not (quiet_before and quiet_after)


@dataclass
class Row:
    algo: Algorithm
    torch_times: dict[str, float | str] = field(default_factory=dict)  #: mode → seconds, or the error
    eager: float | str | None = None
    fused: float | str | None = None
    compile: float | None = None
    problems: list[str] = field(default_factory=list)
    loaded: set[str] = field(default_factory=set)  #: modes timed while another process loaded the CPU

    @property
    def torch_best(self) -> tuple[float, str] | None:
        timed = [(t, m) for m, t in self.torch_times.items() if isinstance(t, float)]
        return min(timed) if timed else None


def time_torch(torch: Any, clock: Clock, algo: Algorithm, sizes: list[int], row: Row) -> None:
    cls = getattr(torch.optim, algo.torch_class)
    for mode, kw in TORCH_MODES.items():
        params = make_params(torch, sizes, torch.float32, seed=0)
        try:
            opt = cls(params, **algo.torch_kwargs, **kw)
            opt.step()  # some modes only fail on the first step; it counts as a warm-up step
        except Exception as e:  # noqa: BLE001 - a mode torch does not offer on CPU
            row.torch_times[mode] = short_error(e)
        else:
            t, loaded = clock.best(opt.step, warmup=max(clock.warmup - 1, 0))
            row.torch_times[mode] = t
            if loaded:
                row.loaded.add(mode)
            del opt
        del params
        free()


def time_descend(torch: Any, descend_optim: Any, clock: Clock, algo: Algorithm, sizes: list[int], fused: bool,
                 row: Row) -> None:
    cls = getattr(descend_optim, algo.descend_class)
    modes = {"eager": {}, "fused": dict(fused=True)} if fused else {"eager": {}}
    for mode, kw in modes.items():
        params = make_params(torch, sizes, torch.float32, seed=0)
        try:
            if mode == "fused":
                torch._dynamo.reset()  # one program in dynamo's cache, as for a user with one optimizer
                clock.quiet()
            opt = cls(params, **algo.descend_kwargs, **kw)
            t0 = time.perf_counter()
            opt.step()  # fused: compiles; counts as a warm-up step
            first = time.perf_counter() - t0
            t, loaded = clock.best(opt.step, warmup=max(clock.warmup - 1, 0))
        except Exception as e:  # noqa: BLE001 - show the failure in the table
            setattr(row, mode, short_error(e))
        else:
            setattr(row, mode, t)
            if loaded:
                row.loaded.add(mode)
            if mode == "fused":
                row.compile = first
            del opt
        del params
        free()


def measure_bandwidth(torch: Any, n: int) -> float:
    """STREAM-like triad a = b + s·c in fp32 (as STREAM measures it): bytes per second."""
    a, b, c = torch.empty(n), torch.rand(n), torch.rand(n)
    t = best_time(lambda: torch.add(b, c, alpha=0.5, out=a), repeats=10, warmup=1)
    del a, b, c
    free()
    return 3 * 4 * n / t


# -- the table ----------------------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    """Milliseconds, to 0.1 ms from 10 ms up, else to three significant digits (a small model's step)."""
    ms = seconds * 1e3
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.3g}"


def cells(row: Row, fused: bool) -> list[str]:
    """One table line; ``!`` marks a time taken while another process loaded the CPU."""
    best = row.torch_best
    mark = lambda mode: "!" if mode in row.loaded else ""  # noqa: E731
    label = row.algo.label + (" (WRONG RESULTS)" if row.problems else "")
    out = [label, f"{_ms(best[0])}{mark(best[1])} ({best[1]})" if best else "n/a"]
    for mode in ("eager", "fused") if fused else ("eager",):
        value = getattr(row, mode)
        if isinstance(value, float):
            out += [f"{_ms(value)}{mark(mode)}", f"{value / best[0]:.2f}x" if best else "n/a"]
        else:
            out += ["error" if value else "-", "-"]
    if fused:
        out.append(f"{row.compile:.1f}" if row.compile is not None else "-")
    return out


def render(rows: list[Row], fused: bool, markdown: bool) -> str:
    header = ["algorithm", "torch best ms (mode)", "descend eager ms", "ratio"]
    if fused:
        header += ["descend fused ms", "ratio", "compile s"]
    body = [cells(r, fused) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        lines += ["| " + " | ".join(c) + " |" for c in body]
        return "\n".join(lines)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(line: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths)))

    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *(fmt(line) for line in body)])


# -- main ------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # kill or timeout cleans up as Ctrl-C does
    args = parse_args(argv)
    if not args.cold_compile:
        return measure(args)
    # before torch is imported, so that Inductor picks both up: its cache, and the temporary directory where torch
    # keeps the precompiled header (tempfile's, read once when torch imports Inductor)
    temporary = tempfile.mkdtemp(prefix="descend_bench_cold_")
    os.environ["TMPDIR"] = tempfile.tempdir = temporary
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(temporary, "inductor")
    # descend keeps Inductor's cache, and its record of the CPU's vector checks, in a folder of its own
    os.environ["DESCEND_CACHE_DIR"] = os.path.join(temporary, "descend")
    try:
        return measure(args)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def measure(args: argparse.Namespace) -> int:
    """Check, time and print the table; 1 when an algorithm's check failed."""
    import torch

    import descend.optim as descend_optim

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    fused = not args.no_fused
    n, p_total = args.tensors, args.params
    sizes = [p_total // n + (1 if i < p_total % n else 0) for i in range(n)]
    clock = Clock(torch, args)

    clock.quiet()
    bandwidth = measure_bandwidth(torch, p_total)
    floor = BYTES_PER_PARAM_ADAM * p_total / bandwidth
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, P = {p_total:,} fp32 parameters "
          f"in N = {n} tensors, best of R = {args.repeats} after {args.warmup} warm-up steps")
    print(f"triad bandwidth (torch, a = b + s*c): {bandwidth / 1e9:.1f} GB/s; Adam memory-traffic floor "
          f"({BYTES_PER_PARAM_ADAM} bytes/param): {floor * 1e3:.1f} ms")
    if fused:
        cache = (os.environ.get("DESCEND_CACHE_DIR") if args.cold_compile else None) or \
            "descend's (~/.cache/descend, or $DESCEND_CACHE_DIR: warm if this ran before)"
        print(f"Inductor cache: {cache}; compile = the first fused step, not included in the timing")
    sys.stdout.flush()

    # correctness first: time nothing that computes the wrong thing
    rows = [Row(a) for a in args.algorithms]
    t0 = time.perf_counter()
    # (cold compiles: the fused steps are checked after the timing, whose first fused step is then the process's
    # first compile, with its one-time costs)
    for row in rows:
        row.problems = check(torch, descend_optim, row.algo, fused and not args.cold_compile)
        for problem in row.problems:
            print(f"CHECK FAILED {row.algo.label}: {problem}")
    ok = sum(not r.problems for r in rows)
    print(f"correctness check (3 x 1000 float64 params, 5 steps, vs torch.optim, tol {TOLERANCE:g}): "
          f"{ok}/{len(rows)} algorithms agree [{time.perf_counter() - t0:.0f} s]")
    sys.stdout.flush()

    t_start = time.perf_counter()
    for row in rows:
        t0 = time.perf_counter()
        time_torch(torch, clock, row.algo, sizes, row)
        time_descend(torch, descend_optim, clock, row.algo, sizes, fused, row)
        print(f"  timed {row.algo.label} [{time.perf_counter() - t0:.0f} s]", flush=True)
    print(f"timings took {time.perf_counter() - t_start:.0f} s, of which {clock.waited:.0f} s waiting for a quiet CPU")
    if fused and args.cold_compile:
        for row in rows:
            found = [p for p in check(torch, descend_optim, row.algo, True) if p not in row.problems]
            row.problems += found
            for problem in found:
                print(f"CHECK FAILED {row.algo.label}: {problem}")

    print()
    print(render(rows, fused, args.markdown))
    print()
    print("ratio = descend ms / torch best ms (lower is better; aim <= 1.5). torch modes, ms:")
    for row in rows:
        parts = []
        for mode, t in row.torch_times.items():
            if isinstance(t, float):
                parts.append(f"{mode} {_ms(t)}" + ("!" if mode in row.loaded else ""))
            else:
                parts.append(f"{mode} unavailable ({t})")
        for mode in ("eager", "fused"):
            value = getattr(row, mode)
            if isinstance(value, str):
                parts.append(f"descend {mode} failed ({value})")
        print(f"  {row.algo.label}: " + "; ".join(parts))
    if any(r.loaded for r in rows):
        print(f"WARNING: times marked ! were taken while another process loaded the CPU (a 100k-element add took "
              f"over {PROBE_LIMIT * 1e3:g} ms instead of ~0.01 ms): torch's {torch.get_num_threads()} OpenMP "
              f"threads were oversubscribed and those figures are not meaningful. Rerun on an idle machine, "
              f"raise --max-wait, or use --threads 1.")
    return 1 if any(r.problems for r in rows) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (main makes it one): its temporary folders are gone
        print("interrupted", file=sys.stderr)
        sys.exit(130)
