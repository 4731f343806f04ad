"""The suite compiles in-process (Inductor, from its on-disk cache after the first run) except where a test is about
the packages later processes read programs from (tests/test_compile_cache.py, tests/play/test_warm.py): a package
is named after descend's source, so every change to it would compile every test's programs anew with AOTInductor
(20-30 s each on two cores). A package's program equals the in-process one bit for bit
(tests/test_compile_cache.py)."""

import os

os.environ.setdefault("DESCEND_PACKAGES", "0")
