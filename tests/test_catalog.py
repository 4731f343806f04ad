"""The light registry that `descend list` reads (descend.catalog) agrees with the real objects: the same names
in the same order, and every description, default and count as the objects have them."""

from __future__ import annotations

from descend import catalog
from descend.landscapes import LANDSCAPES
from descend.losses import LOSSES
from descend.models import INITS
from descend.optim import OPTIMIZERS, random_search
from descend.schedules import SCHEDULES
from descend.tasks import TASKS


def test_optimizers():
    assert list(catalog.OPTIMIZERS) == list(OPTIMIZERS)
    for name, info in OPTIMIZERS.items():
        listed = catalog.OPTIMIZERS[name]
        assert listed.description == info.description, name
        assert listed.lr == info.defaults["lr"], name
        assert listed.state == info.state_tensors(), name
    assert catalog.RANDOM_SEARCH == (random_search.NAME, random_search.DESCRIPTION)


def test_losses_and_schedules():
    assert list(catalog.LOSSES) == list(LOSSES)
    assert {n: (i.description, i.kind) for n, i in LOSSES.items()} == {
        n: (i.description, i.kind) for n, i in catalog.LOSSES.items()}
    assert {n: i.description for n, i in SCHEDULES.items()} == catalog.SCHEDULES
    assert list(catalog.SCHEDULES) == list(SCHEDULES)


def test_tasks_and_landscapes():
    assert {n: (e.summary, e.group) for n, e in TASKS.items()} == {
        n: (e.summary, e.group) for n, e in catalog.TASKS.items()}
    assert list(catalog.TASKS) == list(TASKS)
    assert list(catalog.LANDSCAPES) == list(LANDSCAPES)
    for name, scape in LANDSCAPES.items():
        assert catalog.LANDSCAPES[name] == (scape.formula, len(scape.minima), bool(scape.more_minima),
                                            len(scape.saddles)), name


def test_inits():
    assert INITS is catalog.INITS
