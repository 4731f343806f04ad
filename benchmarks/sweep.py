"""A sweep of K small trainings: descend's run axis against a Python loop of torch.optim runs (and JAX).

The reference workload (shared/reference/performance.md): K runs of an MLP 64 → 32 tanh → 10 with softmax
cross-entropy on 2,048 × 64 random data, Adam with K log-spaced learning rates from 1e-4 to 1e-1, batch 32,
T steps. Figure: microseconds per run-step (total time / (K·T)), lower is better, and the peak memory (max RSS)
of each implementation, each measured in a fresh process in the same run.

- ``descend``: ``descend.fit`` with the K learning rates as a list: one cohort, one batched program; and
  ``compiled``: the same with ``compile=True`` (compile time excluded: a warm-up fit compiles first).
- ``torch loop``: what users write today, a Python loop over runs of torch.nn + torch.optim.Adam. Its cost per
  run-step does not depend on K, so it is measured on ``min(K, --loop-runs)`` runs.
- ``jax``: ``jax.vmap`` + ``jax.jit`` over optax's Adam with the learning rate injected per run, compile time
  excluded; only when JAX and optax are importable (``pip install jax jaxlib optax``).

Usage::

    python benchmarks/sweep.py                    # K = 16, 64, 256; T = 200
    python benchmarks/sweep.py --runs 64 --steps 100 --markdown
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

N, D, HIDDEN, CLASSES, BATCH = 2048, 64, 32, 10, 32


def learning_rates(k: int) -> list[float]:
    return [10 ** (-4 + 3 * i / max(k - 1, 1)) for i in range(k)]


def data(seed: int = 0):
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.randn(N, D, generator=g), torch.randint(0, CLASSES, (N,), generator=g)


def run_descend_compiled(k: int, steps: int) -> float:
    return run_descend(k, steps, compile=True)


def run_descend(k: int, steps: int, compile: bool = False) -> float:
    import torch

    import descend

    x, y = data()
    model = descend.models.MLP((D, HIDDEN, CLASSES), hidden="tanh", output="softmax")
    # warm-up: a short sweep of the same shape
    descend.fit(model=model, data=(x, y), optimizer="adam", lr=learning_rates(k), batch_size=BATCH, steps=5,
                eval_every=0, record_grad_norms=False, compile=compile)
    start = time.perf_counter()
    runs = descend.fit(model=model, data=(x, y), optimizer="adam", lr=learning_rates(k), batch_size=BATCH,
                       steps=steps, eval_every=0, record_grad_norms=False, compile=compile)
    seconds = time.perf_counter() - start
    assert torch.isfinite(runs.results[0].train_loss[-1]).any()
    return seconds


def run_torch_loop(k: int, steps: int) -> float:
    import torch

    x, y = data()
    g = torch.Generator().manual_seed(1)
    order = torch.randint(0, N, (steps, BATCH), generator=g)
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


def run_jax(k: int, steps: int) -> float:
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

    step = jax.jit(jax.vmap(one_step, in_axes=(0, 0, None)))
    keys = jax.random.split(jax.random.PRNGKey(0), k)
    p, state = jax.vmap(one_run_init)(keys, jnp.asarray(learning_rates(k)))
    p, state = step(p, state, order[0])  # compile
    jax.block_until_ready(p)
    start = time.perf_counter()
    for t in range(steps):
        p, state = step(p, state, order[t])
    jax.block_until_ready(p)
    return time.perf_counter() - start


def worker(impl: str, k: int, steps: int) -> None:
    seconds = {"descend": run_descend, "descend-compiled": run_descend_compiled, "torch-loop": run_torch_loop,
               "jax": run_jax}[impl](k, steps)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure(impl: str, k: int, steps: int) -> dict | None:
    out = subprocess.run([sys.executable, __file__, "--worker", impl, str(k), str(steps)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"  {impl} K={k}: failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else '?'}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def jax_available() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import jax, optax"], capture_output=True)
    return probe.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="*", default=[16, 64, 256], help="values of K (default 16 64 256)")
    parser.add_argument("--steps", type=int, default=200, help="training steps T per run (default 200)")
    parser.add_argument("--loop-runs", type=int, default=8,
                        help="runs timed for the torch loop, whose cost per run-step does not depend on K (default 8)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--worker", nargs=3, metavar=("IMPL", "K", "T"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), int(args.worker[2]))
        return 0

    import torch

    has_jax = jax_available()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; MLP {D}-{HIDDEN} tanh-{CLASSES}, "
          f"{N} x {D} data, Adam, batch {BATCH}, T = {args.steps}; JAX: {'yes' if has_jax else 'not importable'}")
    rows = []
    for k in args.runs:
        row = {"K": k}
        for impl in ("descend", "descend-compiled", "torch-loop", "jax"):
            if impl == "jax" and not has_jax:
                continue
            runs = min(k, args.loop_runs) if impl == "torch-loop" else k
            result = measure(impl, runs, args.steps)
            if result:
                row[impl] = (result["seconds"] / (runs * args.steps) * 1e6, result["peak_mb"])
        rows.append(row)
        print(f"  K = {k}: " + ", ".join(f"{i} {v[0]:.1f} µs" for i, v in row.items() if i != "K"))

    header = ["K", "descend µs/run-step", "compiled", "torch loop", "speed-up vs loop (compiled)"]
    if has_jax:
        header += ["JAX", "JAX / descend (compiled)"]
    header += ["peak MB (descend / compiled / loop" + (" / JAX)" if has_jax else ")")]
    lines = []

    def fmt(v: tuple | None) -> str:
        return f"{v[0]:.1f}" if v else "—"

    def ratio(a: tuple | None, b: tuple | None, digits: int) -> str:
        return f"{a[0] / b[0]:.{digits}f}×" if a and b else "—"

    for row in rows:
        d, dc, loop, jx = row.get("descend"), row.get("descend-compiled"), row.get("torch-loop"), row.get("jax")
        cells = [str(row["K"]), fmt(d), fmt(dc), fmt(loop), f"{ratio(loop, d, 1)} ({ratio(loop, dc, 1)})"]
        if has_jax:
            cells += [fmt(jx), f"{ratio(jx, d, 2)} ({ratio(jx, dc, 2)})"]
        cells.append(" / ".join(f"{v[1]:.0f}" for v in (d, dc, loop, jx) if v))
        lines.append(cells)
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for cells in lines:
            print("| " + " | ".join(cells) + " |")
    else:
        widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for cells in lines:
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths)))
    print("speed-up = loop µs / descend µs (aim ≥ 25× at K = 64); JAX / descend ≥ 1 means descend is faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
