"""The names the command line shows before any training, each decided here once: a light registry that
imports nothing heavy, read by the modules that build the real objects (which import torch).

:data:`INITS` — how a network's weights start (:mod:`descend.models`; ``descend compare --init``).
"""

from __future__ import annotations

#: Initialisations of :class:`descend.models.Linear` and :class:`descend.models.MLP` (or a dict
#: ``{name: values}``).
INITS: tuple[str, ...] = ("torch", "zeros", "uniform", "normal", "xavier", "he")
