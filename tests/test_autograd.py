"""descend's work under the user's torch.no_grad() and torch.inference_mode() blocks: the same numbers as outside."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch

import descend

BLOCKS = {"no_grad": torch.no_grad, "grad off": lambda: torch.set_grad_enabled(False),
          "inference_mode": torch.inference_mode}


def _cases():
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    y = x.sum(1, keepdim=True)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    mlp = descend.models.MLP((3, 8, 1), hidden="tanh")
    return {"hand gradient": dict(model=mlp, data=(x, y)),  # the loss and model's own gradient: no autograd
            "autograd's loss": dict(model=mlp, data=(x, y), loss="huber", batch_size=16),
            "a module": dict(model=descend.models.ModuleModel(net), data=(x, y)),
            "a landscape": dict(task="rosenbrock")}


@pytest.mark.parametrize("block", list(BLOCKS))
def test_fit_in_a_block_without_gradients_trains_as_outside(block):
    """Under inference_mode every fit whose step takes autograd's gradient failed with torch's "element 0 of tensors
    does not require grad" (a module's check under no_grad too), where those with a hand gradient trained."""
    for name, case in _cases().items():
        outside = descend.fit(optimizer="adam", lr=1e-2, steps=10, **case)
        with BLOCKS[block]():
            inside = descend.fit(optimizer="adam", lr=1e-2, steps=10, **case)
            assert torch.is_inference_mode_enabled() == (block == "inference_mode")  # the user's block as it was
            assert not torch.is_grad_enabled()
        assert np.array_equal(inside.curves["value"].to_numpy(), outside.curves["value"].to_numpy()), name


def test_data_made_in_inference_mode_trains_as_any_data():
    """Inference tensors cannot be saved for backward: descend's work runs outside the block, on the same numbers."""
    with torch.inference_mode():
        x = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
        y = x.sum(1, keepdim=True)
        inside = descend.fit(model=descend.models.MLP((3, 8, 1), hidden="tanh"), data=(x, y), loss="huber",
                             optimizer="adam", lr=1e-2, steps=10)
    outside = descend.fit(model=descend.models.MLP((3, 8, 1), hidden="tanh"), data=(x.clone(), y.clone()),
                          loss="huber", optimizer="adam", lr=1e-2, steps=10)
    assert np.array_equal(inside.curves["value"].to_numpy(), outside.curves["value"].to_numpy())


def test_a_search_and_a_comparison_in_inference_mode_are_as_outside(tmp_path):
    from descend import compare as C

    search = dict(optimizer="adam", space="lr=1e-3..1e-1:log", trials=4, cohort=4, steps=10, seeds=1, loss="huber")
    config, task = C.resolve("line", optimizers=["adam"], lr="0.01", steps=10, seeds=1, loss="huber")
    runs = {}
    for block in ("outside", "inside"):
        with torch.inference_mode() if block == "inside" else contextlib.nullcontext():
            result = descend.tune("line", **search)
            comparison = C.compare(config, task)
        runs[block] = ([t.value for t in result.study.trials], comparison.summary["final_train_loss"].tolist())
    assert runs["inside"] == runs["outside"]
