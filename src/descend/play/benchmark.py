"""Server latency of the playground: ``python -m descend.play.benchmark [--requests 50]``.

Each case is requested through the web app (FastAPI's test client: routing, validation, JSON) with the result
cache emptied before every request, so each request trains; the median and 95th percentile of the time until the
answer has arrived (its JSON not yet parsed by the client) are printed, then the same request answered from the
cache. Two modes: eager (``descend play --no-compile``), and compiled (the
default: the first answer is eager and the program is compiled on the side, :mod:`descend.play.warm`; the
requests are timed once it is built, as a drag after the first answer is). The cases: those of the issue that
asked for the playground (the landscape widget with 4 optimizers × 500 steps, the line fit with m = 512, batch 32,
500 steps), a drag of the ellipse's start (each request another start; the batch-size comparison, which does not
depend on it, from the cache), and the default states of the vanishing-gradients and curvature widgets.

These machines are shared, and a widget's latency depends on whether another process takes a core: each case
waits for a quiet machine first (other processes using less than ``--max-busy`` of a core, up to ``--wait``
seconds; ``--force`` measures anyway), and each line says how many cores other processes kept busy while its
requests were timed (:mod:`descend._machine`). The machine's load and torch's threads are printed first.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

CASES = {
    "landscape, 4 optimizers × 500 steps":
        "/api/landscape?steps=500&start=-4.0,4.0&optimizers=gd;lr=0.01&optimizers=momentum;lr=0.01"
        "&optimizers=rmsprop;lr=0.01&optimizers=adam;lr=0.05",
    "line fit, m = 512, batch 32, 500 steps": "/api/line?m=512&batch_size=32&steps=500",
    # a drag (a path with a start to fill in): each request another start, and nothing else dropped from the cache
    # (the batch-size comparison, which does not depend on the start, answers from it)
    "ellipse, a drag (4 optimizers × 400 steps)": "/api/ellipse?start={a:.3f},{b:.3f}",
    "vanishing gradients, default (8 layers, 200 steps)": "/api/vanishing",
    "curvature, default": "/api/curvature",
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _path(path: str, i: int) -> str:
    """The request's path; a drag's start moves a little at every request (never the same start twice)."""
    return path.format(a=0.1 + 0.002 * (i % 97), b=1.8 - 0.003 * (i // 97))


def _measure(client: Any, path: str, requests: int, drag: bool, first: int = 1,
             ) -> tuple[list[float], list[float], Any]:
    from . import widgets

    times, computed = [], []
    body = None
    for i in range(first, first + requests):
        if not drag:
            widgets.clear_cache()
        started = time.perf_counter()
        response = client.get(_path(path, i))
        times.append(time.perf_counter() - started)  # the server's answer, before this client parses it
        body = response.json()
        computed.append(body["seconds"])
    return times, computed, body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="requests per case and mode (default 50)")
    parser.add_argument("--max-busy", type=float, default=0.3,
                        help="the most of a core other processes may use before a case is measured (default 0.3)")
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for a quiet machine (default 120)")
    parser.add_argument("--force", action="store_true", help="measure on a busy machine, marking the lines")
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error(f"--requests takes a positive number, not {args.requests}")
    import os

    import torch
    from fastapi.testclient import TestClient

    from .. import _machine
    from . import warm, widgets
    from .app import create_app

    print(f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, torch threads {torch.get_num_threads()}; "
          "aim: median under 100 ms per request", flush=True)
    client = TestClient(create_app())
    for name, path in CASES.items():
        for mode in ("eager", "compiled"):
            warm.set_enabled(mode == "compiled")
            widgets.clear_cache()
            started = time.perf_counter()
            assert client.get(_path(path, 0)).status_code == 200  # the first request pays one-time costs
            first = time.perf_counter() - started
            waited = time.perf_counter()
            warm.wait(600)  # the program compiled on the side (descend.play.warm), as a server does after it
            waited = time.perf_counter() - waited
            quiet = _machine.wait_until_quiet(args.max_busy, args.wait, args.force)
            with _machine.Others() as others:
                times, computed, body = _measure(client, path, args.requests, "{a" in path,
                                                 first=1 if mode == "eager" else 1 + args.requests)
            if mode == "compiled" and "compiled" not in body:
                print(f"{name}: always eager (one parabola, nothing to compile)")
                break
            if mode == "compiled" and not body.get("compiled"):
                print(f"{name}: NOT COMPILED: after its program was compiled on the side, the same shapes still "
                      "answered eagerly (no program was found for them)")
                continue
            started = time.perf_counter()
            client.get(_path(path, args.requests if mode == "eager" else 2 * args.requests))
            cached = time.perf_counter() - started
            extra = f"; first answer {first * 1000:.0f} ms, compiled on the side in {waited:.1f} s" \
                if mode == "compiled" else ""
            if others.cores is not None:
                extra += f"; other processes {others.cores:.2f} cores" + ("" if quiet else " (BUSY)")
            print(f"{name}, {mode}: median {statistics.median(times) * 1000:.0f} ms, "
                  f"p95 {_percentile(times, 0.95) * 1000:.0f} ms over {args.requests} requests "
                  f"(computing {statistics.median(computed) * 1000:.0f} ms of it); "
                  f"from the cache {cached * 1000:.1f} ms" + extra)
    warm.set_enabled(True)


if __name__ == "__main__":
    main()
