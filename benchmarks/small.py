"""Small problems at interactive speed: a two-parameter landscape, 4 optimizers × 500 steps.

The playground's budget (issue "Fast by default"): Himmelblau from its standard start with GD, momentum,
RMSprop and Adam at lr 0.01, 500 steps each, under 50 ms of compute. Every implementation computes the same
four paths, checked after the timing where the paths differ: every row runs again, untimed, for
``CHECK_STEPS`` (20) steps, where the four optimizers are far apart (after 500 all four reach the same minimum,
which would hide a wrong rule or learning rate), and its four points must match the first row's to a relative
1e-9 in float64 (1e-4 for a JAX without 64-bit floats); a mismatch ends the script with a message naming the row
and the optimizer. The figure is the wall time of all four, warm (the first call of each implementation is
discarded), median over ``--repeats``:

- ``descend.fit``: the default call, all four optimizers in one call (four cohorts of one run, trained as one
  group: one program), on a first run (no package on disk, ``DESCEND_PACKAGES=0``: ``compile="auto"`` finds that
  500 steps never pay for compiling, so eager) and on later runs (the group's package on disk, which the compiled
  row writes: "auto" reads it and runs compiled; the process's programs are dropped first, as in a new process);
- ``descend.fit, autograd's gradient``: the same with Himmelblau's ``exact_grad`` taken off, so that the engine
  takes autograd's backward pass instead of the landscape's hand-derived gradient (the registry declares it: its
  operations are autograd's own, the same numbers), which the default rows take: what the hand gradient saves;
- ``descend.fit, compiled``: ``compile=True`` after a warm-up fit in the same process (compile time excluded:
  what a long-lived server such as the playground pays per request once the programs exist);
- ``descend rules``: descend's pure update rules with the landscape's hand gradient, eager torch, the loop in
  Python (no engine: no records, no statuses);
- ``torch.optim loop``: torch.nn.Parameter [2] + torch.optim classes (SGD, RMSprop, Adam), autograd, the usual
  loop; momentum is descend's drop-in ``descend.optim.Momentum`` (a torch.optim.Optimizer), as torch has no
  EMA-form momentum (its SGD momentum is the heavy-ball form);
- ``jax``: optax's four optimizers in one ``jax.jit`` of a ``lax.scan`` over the 500 steps (compile excluded),
  when JAX and optax are importable.

Usage::

    python benchmarks/small.py [--repeats 5] [--markdown]
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import statistics
import time

import torch

STEPS, LR, START = 500, 0.01, (-1.0, 1.0)
CHECK_STEPS = 20  # the untimed check's steps: the four paths are far apart there (GD nears the minimum soonest)
FLOAT64_TOLERANCE, FLOAT32_TOLERANCE = 1e-9, 1e-4  # the check's relative tolerances
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")


def himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def run_fit(compile_: bool | str, hand_gradient: bool = True, packages: bool = True, steps: int = STEPS,
            ) -> dict[str, tuple[float, float]]:
    import dataclasses

    import descend
    from descend import landscapes

    before = os.environ.get("DESCEND_PACKAGES")
    os.environ["DESCEND_PACKAGES"] = "1" if packages else "0"
    try:
        scape = landscapes.get("himmelblau")  # its registry entry declares exact_grad: the hand gradient by default
        model = (scape if hand_gradient else dataclasses.replace(scape, exact_grad=False)).model(START)
        runs = descend.fit(model=model, data=None, loss="value", optimizer=list(OPTIMIZERS), lr=LR, steps=steps,
                           eval_every=0, record_grad_norms=False, compile=compile_, dtype=torch.float64)
    finally:  # the variable as it was: the rows after this one read their own setting
        if before is None:
            os.environ.pop("DESCEND_PACKAGES", None)
        else:
            os.environ["DESCEND_PACKAGES"] = before
    return {row.optimizer: (float(runs.params[i]["x"]), float(runs.params[i]["y"]))
            for i, row in runs.summary.iterrows()}


def run_rules(steps: int = STEPS) -> dict[str, tuple[float, float]]:
    from descend.landscapes import get
    from descend.optim import get as optimizer

    scape = get("himmelblau")
    out = {}
    for name in OPTIMIZERS:
        info = optimizer(name)
        config = info.configure(lr=LR)
        kwargs = info.update_kwargs(config)
        w = (torch.tensor([[START[0], START[1]]], dtype=torch.float64),)
        state = info.init_state(w, config)
        for _ in range(steps):
            gx, gy = scape.grad(w[0][:, 0], w[0][:, 1])
            w, state = info.update((torch.stack([gx, gy], dim=1),), state, w, **kwargs)
        out[name] = (float(w[0][0, 0]), float(w[0][0, 1]))
    return out


def run_torch_loop(steps: int = STEPS) -> dict[str, tuple[float, float]]:
    import descend.optim as D

    classes = {"gd": lambda p: torch.optim.SGD(p, lr=LR), "momentum": lambda p: D.Momentum(p, lr=LR),
               "rmsprop": lambda p: torch.optim.RMSprop(p, lr=LR), "adam": lambda p: torch.optim.Adam(p, lr=LR)}
    out = {}
    for name in OPTIMIZERS:
        p = torch.nn.Parameter(torch.tensor(START, dtype=torch.float64))
        opt = classes[name]([p])
        for _ in range(steps):
            opt.zero_grad()
            himmelblau(p[0], p[1]).backward()
            opt.step()
        out[name] = (float(p[0].detach()), float(p[1].detach()))
    return out


def jax_runner():
    """The JAX row's function of the steps and its check tolerance (relative), or None without JAX and optax."""
    try:
        import jax
        import optax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    # descend's momentum is the seeds' EMA form v ← βv + (1−β)g: optax's ema of the gradient, then sgd
    txs = {"gd": optax.sgd(LR), "momentum": optax.chain(optax.ema(0.9, debias=False), optax.sgd(LR)),
           "rmsprop": optax.rmsprop(LR, decay=0.99, eps=1e-8, eps_in_sqrt=False), "adam": optax.adam(LR)}

    def f(w):
        return himmelblau(w[0], w[1])

    @functools.partial(jax.jit, static_argnums=1)
    def all_four(w0, steps):
        out = []
        for name in OPTIMIZERS:
            tx = txs[name]

            def body(carry, _):
                w, s = carry
                updates, s = tx.update(jax.grad(f)(w), s, w)
                return (optax.apply_updates(w, updates), s), None

            (w, _), _ = jax.lax.scan(body, (w0, tx.init(w0)), None, length=steps)
            out.append(w)
        return jnp.stack(out)

    w0 = jnp.asarray(START, dtype=jnp.float64)  # float32 when JAX runs without 64-bit floats

    def run(steps: int = STEPS):
        result = all_four(w0, steps).block_until_ready()
        return {name: (float(result[i, 0]), float(result[i, 1])) for i, name in enumerate(OPTIMIZERS)}

    return run, (FLOAT64_TOLERANCE if w0.dtype == jnp.float64 else FLOAT32_TOLERANCE)


def later_run(steps: int = STEPS) -> dict[str, tuple[float, float]]:
    """The default call as a new process makes it once the compiled row left the group's package on disk."""
    from descend import _compile, engine

    with engine._PROGRAMS_LOCK:
        engine._PROGRAMS.clear()
    with _compile._LOADED_LOCK:  # and the packages it read: a new process reads them again
        _compile._READ.clear()
    return run_fit("auto", steps=steps)


def check_paths(results: list[tuple[str, dict[str, tuple[float, float]], float]]) -> None:
    """Raise SystemExit naming the first row whose points differ from the first row's beyond that row's tolerance.

    ``results`` holds each row's name, its points after ``CHECK_STEPS`` steps and its relative tolerance.
    """
    ref_name, reference, _ = results[0]
    for name, points, tolerance in results[1:]:
        for opt in OPTIMIZERS:
            if not all(math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)
                       for a, b in zip(points[opt], reference[opt])):
                raise SystemExit(f"small.py: {name!r} does not compute the same {opt} path as {ref_name!r}: "
                                 f"after {CHECK_STEPS} steps at {points[opt]}, not {reference[opt]} "
                                 f"(relative tolerance {tolerance:g})")


def timed(fn, repeats: int) -> tuple[float, dict]:
    result = fn()  # warm-up: one-time costs (imports, first transforms, compiling) not counted
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed calls of each row, after a warm-up (default 5)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats takes a positive number")
    load = os.getloadavg()[0]
    rows = [("descend.fit (default), first run", lambda steps=STEPS: run_fit("auto", packages=False, steps=steps),
             FLOAT64_TOLERANCE),
            ("descend.fit, autograd's gradient, first run",
             lambda steps=STEPS: run_fit("auto", hand_gradient=False, packages=False, steps=steps), FLOAT64_TOLERANCE),
            ("descend.fit, compiled", lambda steps=STEPS: run_fit(True, steps=steps), FLOAT64_TOLERANCE),
            ("descend.fit (default), later runs", later_run, FLOAT64_TOLERANCE),
            ("descend rules + hand gradient", run_rules, FLOAT64_TOLERANCE),
            ("torch.optim loop", run_torch_loop, FLOAT64_TOLERANCE)]
    jax_row = jax_runner()
    if jax_row is not None:
        rows.append(("jax: optax, jit + scan", *jax_row))
    results = []
    for name, fn, _ in rows:
        seconds, points = timed(fn, args.repeats)
        results.append((name, seconds, points))
    check_paths([(name, fn(CHECK_STEPS), tolerance) for name, fn, tolerance in rows])  # untimed
    loop = next(s for n, s, _ in results if n == "torch.optim loop")
    print(f"Himmelblau, {len(OPTIMIZERS)} optimizers × {STEPS} steps, float64, warm; median of {args.repeats}; "
          f"load {load:.1f} on {os.cpu_count()} cores, torch threads {torch.get_num_threads()}")
    if args.markdown:
        print("| implementation | ms for all four | per step (µs) | vs torch.optim loop |\n|---|---|---|---|")
    width = max(len(name) for name, _, _ in results)
    for name, seconds, _ in results:
        per_step = seconds / (len(OPTIMIZERS) * STEPS) * 1e6
        if args.markdown:
            print(f"| {name} | {seconds * 1e3:.1f} | {per_step:.1f} | {loop / seconds:.2f}× |")
        else:
            print(f"{name:{width}s} {seconds * 1e3:9.1f} ms  {per_step:8.1f} µs/step  "
                  f"{loop / seconds:6.2f}× the loop")
    print("budget: 50 ms for all four (the playground's)")


if __name__ == "__main__":
    main()
