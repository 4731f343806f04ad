"""Server latency of ``descend play`` for the cases its issue names, against the 100 ms it aims at.

The landscape widget with 4 optimizers × 500 steps and the line fit with m = 512, batch 32, 500 steps, each
requested through the web app with its result cache emptied before every request (so every request trains):
median and 95th percentile over ``--requests`` (default 50), then the same request answered from the cache.
Each case twice: eager (``descend play --no-compile``), and compiled as a server answers after its first
answer of the same shapes (the program built on the side, :mod:`descend.play.warm`).
The measurement itself is :mod:`descend.play.benchmark`; this prints the machine's load first, and since these
shared machines drift, each case waits for a quiet machine and its line says how many cores other processes
kept busy while it was timed.

Usage::

    python benchmarks/play.py [--requests 50] [--max-busy 0.3] [--wait 120] [--force]
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    import torch

    print(f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, torch threads {torch.get_num_threads()}; "
          "aim: median under 100 ms per request")
    from descend.play.benchmark import main

    main(sys.argv[1:])
