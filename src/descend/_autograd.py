"""Autograd on for descend's work, whatever block the user calls it in."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch


def autograd_on(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` run outside ``torch.inference_mode()`` when it is called inside one: a fit, search or comparison called
    in such a block failed with torch's "element 0 of tensors does not require grad" or "Inference tensors cannot be
    saved for backward" where its steps take autograd's gradient (a loss or model without a hand-written one), while
    those with one trained. Tensors made meanwhile are ordinary ones; ``torch.no_grad()`` needs nothing (the step
    turns gradients on where it takes them)."""

    @functools.wraps(f)
    def on(*args: Any, **kwargs: Any) -> Any:
        if not torch.is_inference_mode_enabled():
            return f(*args, **kwargs)
        with torch.inference_mode(False):
            return f(*args, **kwargs)

    return on
