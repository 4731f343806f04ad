"""descend: train, compare and see gradient-based optimizers.

Parts:
- :mod:`descend.optim` — optimizers as pure update rules with a run axis, and torch.optim-compatible classes.
- :mod:`descend.losses` — losses (the cost J and friends) with one value per run.
- :mod:`descend.schedules` — schedules as plain functions of the step, for any hyperparameter.
- :mod:`descend.clipping` — gradient clipping by value, norm and global norm, per run.
- :mod:`descend.models` — models whose parameters carry a run axis ``[K, ...]``.
- :mod:`descend.data` — data sets, splits and batch plans.
- :func:`descend.fit` — train a sweep of K configurations as one batched program (:mod:`descend.engine`);
  :class:`descend.RunSpec` — one run as a value, for configurations that are not a grid.
- :func:`descend.tune` — hyperparameter search on Optuna, K trials trained as one batched program
  (:mod:`descend.tune`).
"""

__version__ = "0.1.0"

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from . import _source  # noqa: F401  (the digest of the code as this process imports it)

#: The parts imported on first use (``descend.fit``, ``from descend import optim``), so that ``import descend``
#: and the command line's start imports neither torch nor pandas until they are needed: name -> (module,
#: attribute of it, or None for the module itself).
_LAZY = {
    "clipping": (".clipping", None),
    "compare": (".compare", None),
    "spec": (".spec", None),
    "data": (".data", None),
    "landscapes": (".landscapes", None),
    "losses": (".losses", None),
    "models": (".models", None),
    "optim": (".optim", None),
    "schedules": (".schedules", None),
    "tasks": (".tasks", None),
    "Runs": (".engine", "Runs"),
    "Predictor": (".predictor", "Predictor"),
    "predictor": (".predictor", None),
    "fit": (".fitting", "fit"),
    "RunSpec": (".spec", "RunSpec"),
    "tune": (".tune", "tune"),
}


if not TYPE_CHECKING:  # a type checker reads the imports below, and is told of a name that does not exist

    def __getattr__(name: str) -> Any:
        try:
            module, attribute = _LAZY[name]
        except KeyError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        value = importlib.import_module(module, __name__)
        if attribute is not None:
            value = getattr(value, attribute)
        globals()[name] = value
        return value


def __dir__() -> list[str]:  # the package's names, not the modules this file imports
    return sorted(name for name in set(globals()) | set(_LAZY)
                  if name not in ("importlib", "sys", "types", "TYPE_CHECKING", "Any"))


class _Package(types.ModuleType):
    """The package ``descend``, whose attribute ``tune`` is the function :func:`descend.tune.tune`: importing
    the subpackage (``import descend.tune.space``) does not rebind the name to the subpackage (whose modules
    are reached by ``from descend.tune import ...``), as when the function was imported eagerly."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "tune" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled as a module is by cloudpickle (joblib's processes, dask, ...): imported again by its name. A
        function of one's own that calls ``descend.fit`` failed to pickle ("cannot pickle '_Package' object")."""
        import importlib

        return importlib.import_module, (self.__name__,)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:
    from . import clipping, compare, data, landscapes, losses, models, optim, schedules, spec, tasks
    from . import predictor
    from .engine import Runs
    from .fitting import fit
    from .predictor import Predictor
    from .spec import RunSpec
    from .tune import tune

__all__ = ["Predictor", "RunSpec", "Runs", "clipping", "compare", "data", "fit", "landscapes", "losses", "models",
           "optim", "predictor", "schedules", "spec", "tasks", "tune", "__version__"]
