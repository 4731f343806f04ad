"""Server latency of the playground: ``python -m descend.play.benchmark [--requests 50]``.

Each case is requested through the web app (FastAPI's test client: routing, validation, JSON) with the result
cache emptied before every request, so each request trains; the median and 95th percentile are printed, then
the same request answered from the cache. The cases are those of the issue that asked for the playground: the
landscape widget with 4 optimizers × 500 steps, and the line fit with m = 512, batch 32, 500 steps.
"""

from __future__ import annotations

import argparse
import statistics
import time

CASES = {
    "landscape, 4 optimizers × 500 steps":
        "/api/landscape?steps=500&start=-4.0,4.0&optimizers=gd;lr=0.01&optimizers=momentum;lr=0.01"
        "&optimizers=rmsprop;lr=0.01&optimizers=adam;lr=0.05",
    "line fit, m = 512, batch 32, 500 steps": "/api/line?m=512&batch_size=32&steps=500",
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="requests per case (default 50)")
    args = parser.parse_args(argv)
    from fastapi.testclient import TestClient

    from . import widgets
    from .app import create_app

    client = TestClient(create_app())
    for name, path in CASES.items():
        assert client.get(path).status_code == 200  # the first request pays one-time costs
        times, computed = [], []
        for _ in range(args.requests):
            widgets.clear_cache()
            started = time.perf_counter()
            body = client.get(path).json()
            times.append(time.perf_counter() - started)
            computed.append(body["seconds"])
        started = time.perf_counter()
        client.get(path)
        cached = time.perf_counter() - started
        print(f"{name}: median {statistics.median(times) * 1000:.0f} ms, p95 {_percentile(times, 0.95) * 1000:.0f} ms "
              f"over {args.requests} requests (training {statistics.median(computed) * 1000:.0f} ms of it); "
              f"from the cache {cached * 1000:.1f} ms")


if __name__ == "__main__":
    main()
