"""Why descend's dense layers compute a narrow output as a transposed product.

A layer over K runs is a batched matrix product ``[K, B, I] @ [K, I, O]``, its bias added after it. On CPU,
torch's batched product was several times slower at writing matrices with few columns (``O`` of 1, 4 or 10: a
regression output, ten classes) than at writing their transposes, ``(wᵀ hᵀ)ᵀ``, which hold the same sums, and
``descend.models`` computes a narrow output (``O < 16``, ``B ≥ 32``) that way. This prints both, product and
bias, in microseconds, over a grid of batch sizes ``B`` and output widths ``O`` (``I = 32``), best of
``--repeats``. With torch 2.13 on a 2-core machine the transposed product is no longer faster except at
``O = 10`` (and forward and backward together it is slower); the layers keep it because its scores come out
class-major, which the log-softmax reads 2× faster (:func:`descend.losses.log_softmax_classes`), and
end to end the two ways measured the same (``benchmarks/sweep.py``, ``benchmarks/compare.py --tasks digits``)
while the transposed one keeps every result as it was, bit for bit.

Usage::

    python benchmarks/narrow_matmul.py
    python benchmarks/narrow_matmul.py --runs 256 --repeats 5
"""

from __future__ import annotations

import argparse
import sys
import time


def best_of(f, repeats: int, calls: int = 50) -> float:
    for _ in range(5):
        f()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        times.append((time.perf_counter() - start) / calls * 1e6)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=64, help="K, the number of runs (default 64)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats, the best is shown (default 3)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.repeats < 1:
        parser.error("--runs and --repeats take positive numbers")
    k, width = args.runs, 32
    outs = (1, 4, 10, 16, 32, 64)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; K = {k}, I = {width}; "
          "µs per product and bias as written / transposed (the faster in brackets)")
    print("B \\ O  " + "".join(f"{o:>18}" for o in outs))
    for b in (1, 8, 32, 128, 512):
        cells = []
        for o in outs:
            h, w, bias = torch.randn(k, b, width), torch.randn(k, width, o), torch.randn(k, 1, o)
            plain = best_of(lambda: torch.bmm(h, w) + bias, args.repeats)
            flipped = best_of(lambda: torch.bmm(w.transpose(1, 2), h.transpose(1, 2)).transpose(1, 2) + bias,
                              args.repeats)
            a, t = f"{plain:.0f}", f"{flipped:.0f}"
            a, t = (f"[{a}]", t) if plain <= flipped else (a, f"[{t}]")
            cells.append(f"{a} / {t}")
        print(f"{b:<7}" + "".join(f"{c:>18}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
