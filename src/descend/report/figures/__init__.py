"""Static figures of a comparison (matplotlib), each saved as PNG and SVG by :func:`save`.

Every function takes the tables a comparison produces and returns a :class:`matplotlib.figure.Figure`
built with the object-oriented API: no pyplot and no backend to choose, so it works headless, and no
lasting change to matplotlib's settings (the style is applied with :func:`matplotlib.rc_context` while
a figure is built, then restored).

The tables (pandas DataFrames):

- ``summary``: one row per run, index ``run``. Columns ``label`` (the optimizer as shown), ``optimizer``
  (its registry name, which its colour is keyed by; read from the label when absent), ``lr`` (float, NaN
  for a run without one), ``batch_size`` (a display string: ``"full"``, ``"1"``, ``"32"``,
  ``"hybrid(32→512)"``), ``seed``, ``final_train_loss`` and other final metrics, ``status`` (see
  :mod:`descend.outcomes`: "ok", "diverged", "left-domain", "pruned") and ``status_at`` (the step, or NaN).
  A summary without ``status`` (written before runs had one) is read from ``diverged``/``diverged_at``.
  Figures never decide a run's status from its values: a run that does not count (:func:`descend.outcomes.counts`)
  is left out of medians and marked with its status (× diverged, ◆ left the model's domain, | pruned).
- ``curves``: a long table ``run, step, epoch, split, metric, value``; ``split`` is ``"batch"`` (the
  mini-batch loss of every step), ``"train"``, ``"validation"`` or ``"test"``; ``metric`` is ``"loss"``,
  ``"accuracy"`` or ``"grad_norm:<parameter name>"``. Values may be NaN after a run diverged.

For landscapes, ``surface`` is any object with ``names`` (two parameter names), ``domain``
(``((a0, a1), (b0, b1))``), ``log_scale`` (bool), ``points`` (``(kind, (a, b))`` pairs, kind "minimum",
"saddle", "maximum", "degenerate" or "ground truth") and ``grid(n) -> (A, B, J)`` ([n, n] tensors, meshgrid "xy");
``paths`` maps a run to its positions, an array [T + 1, 2], and ``labels`` a run to its label.

What is drawn for an optimizer is what the comparison selected (:class:`descend.selection.Selection`):
:func:`batch_regimes` and :func:`grad_norms` take the selection and choose nothing themselves.

The figures:

- :func:`loss_curves` — loss against step or epoch, median and inter-quartile band over seeds.
- :func:`lr_sensitivity` — a final metric against the learning rate, divergences marked.
- :func:`lr_batch_heatmap` — learning rate × batch size, coloured by the median of a metric (a loss on a log scale).
- :func:`batch_regimes` — GD vs SGD vs mini-batch vs hybrid batch sizes, the training loss per update (seed
  004's figure 3), each batch size at the configuration the selection chose for it.
- :func:`parameter_steps` — a one-parameter task's parameter after each step, one panel per learning rate.
- :func:`fitted_model` — the training data of a one-feature regression and the model each optimizer fitted.
- :func:`grad_norms` — per-parameter (or per-layer) gradient norms over the steps of each label's
  representative run in the selection.
- :func:`landscape` — a 2-D cost's contours and 3-D surface with every optimizer's path.
- :func:`animate` — the paths moving over the contours, as GIF or MP4 (:func:`animate_files`: both from one
  drawing of the frames).

Every optimizer keeps one colour in every figure of every report: :func:`descend.report.colours.colours`,
keyed by the optimizer's registry name. Each figure takes ``colours`` (label → colour, what a report
passes so that all its figures agree) and otherwise asks that module for the labels it draws. A figure lists
its labels (its legend, its panels) in the order of ``colours`` (a report's are in its table's order), else in
the order they first come in the summary, never alphabetically. On a log
axis a loss or norm that is not positive (a batch with no valid sample) is a gap, never drawn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Each public name and the module that defines it, imported on first use: a process that only evaluates a
#: surface for a report (:mod:`.grid`) does not import the figures' modules.
_WHERE = {
    "animate": ".animation",
    "animate_files": ".animation",
    "batch_regimes": ".curves",
    "fitted_model": ".curves",
    "grad_norms": ".curves",
    "loss_curves": ".curves",
    "lr_batch_heatmap": ".curves",
    "lr_sensitivity": ".curves",
    "parameter_steps": ".curves",
    "save": ".saving",
    "MAX_POINTS": ".style",  # the thinning limit every figure shares
    "STYLE": ".style",  # the style every figure is built with
    "landscape": ".surface",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


if TYPE_CHECKING:
    from .animation import animate, animate_files
    from .curves import (
        batch_regimes,
        fitted_model,
        grad_norms,
        loss_curves,
        lr_batch_heatmap,
        lr_sensitivity,
        parameter_steps,
    )
    from .saving import save
    from .style import MAX_POINTS, STYLE  # noqa: F401 - the style and the thinning limit every figure shares
    from .surface import landscape

__all__ = [
    "animate",
    "animate_files",
    "batch_regimes",
    "fitted_model",
    "grad_norms",
    "landscape",
    "loss_curves",
    "lr_batch_heatmap",
    "lr_sensitivity",
    "parameter_steps",
    "save",
]
