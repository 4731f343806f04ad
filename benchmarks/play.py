"""Server latency of ``descend play`` for five cases, against the 100 ms it aims at.

The two cases the playground's issue names, the landscape widget with 4 optimizers × 500 steps and the line fit
with m = 512, batch 32, 500 steps, then a drag of the ellipse's start (each request another start) and the
default states of the vanishing-gradients and curvature widgets; each requested through the web app with its
result cache emptied before every request (so every request trains, but for the drag's batch-size comparison,
which does not depend on the start): median and 95th percentile over ``--requests`` (default 50), then the same
request answered from the cache. Each case twice: eager (``descend play --no-compile``), and compiled as a server
answers after its first answer of the same shapes (the program built on the side, :mod:`descend.play.warm`;
the curvature widget, one parabola, is always eager).
The measurement itself is :mod:`descend.play.benchmark`, which checks its options, then prints the machine's load
first; since these shared machines drift, each case waits for a quiet machine and its line says how many cores
other processes kept busy while it was timed.

Usage::

    python benchmarks/play.py [--requests 50] [--max-busy 0.3] [--wait 120] [--force]
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from descend.play.benchmark import main

    main(sys.argv[1:])
