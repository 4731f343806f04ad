"""A trained run's model with what turns new rows into its predictions, in one object that a file keeps.

:meth:`descend.Runs.predictor` takes one run of a training: its final parameters, the model that maps a row
to an output, how a table's rows became the features (:attr:`descend.data.Dataset.columns`) and the training
split's moments that scaled them, what the outputs stand for (a regression target's units, the classes'
names, the decision boundary of a binary output). :meth:`Predictor.predict` applies all of it to new rows;
:meth:`Predictor.save` writes it to one file that :meth:`Predictor.load` reads back without the data it was
trained on (``descend tune`` writes one per optimizer, ``descend predict`` reads it).

A file holds plain values and tensors only (torch's ``weights_only`` loading reads it: no code runs), so a
model whose layers are not plain data, a ``torch.nn`` module of one's own, is kept another way
(``torch.save(runs.to_torch(k).state_dict(), path)``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ._files import MODEL, plain
from .selection import CHOSEN_ON, chosen_label

#: What a predictor file says it is, and the version of its layout (a later layout is refused by name).
FORMAT = "descend.predictor"
VERSION = 1

#: The options of a CSV file's reading that new rows are read with too (:attr:`Predictor.about`'s ``"read"``: the
#: training file's, descend predict's defaults); no other (``nrows``, ``skiprows``) is taken from a file.
READ_OPTIONS = ("sep", "encoding", "decimal", "thousands", "na_values")

#: The kinds of output a predictor decides from.
KINDS = ("regression", "binary", "multiclass")


def read_options_of(task: Any) -> dict[str, Any]:
    """How a CSV file's task read its file (:data:`READ_OPTIONS` of its options, those given): what a model file
    records for new rows (its ``about["read"]``)."""
    options = getattr(task, "options", None) or {}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()
            if k in READ_OPTIONS and v is not None}


@dataclass(frozen=True, eq=False)
class Predictor:
    """One run's trained model and what turns new rows into its predictions.

    ``model``: the model (one of :mod:`descend.models`), ``params``: its parameters, each ``[1, ...]`` (a run
    axis of one); ``kind``: ``"regression"``, ``"binary"`` or ``"multiclass"``; ``logits``: whether the
    model is asked for its logits (a sigmoid or softmax output the loss reads as logits); ``boundary``: a
    binary output's decision boundary (0 for a logit, 0.5 for a probability); ``row_shape``: the shape of one
    row of features (``(D,)``); ``dtype``: the features' dtype, which the training rows were rounded to (the
    parameters keep the run's own: a run trained in float64 or float16 on float32 data takes its features in float32,
    met by its parameters' dtype in the model, as in training); ``columns``: how a table's rows
    become the features (:attr:`descend.data.Dataset.columns`; for features given as numbers, each a column of its
    name; empty for samples of more axes); ``classes``: what the class labels 0..C-1 stand for;
    ``feature_mean``/``feature_std``: the training split's moments in float64 (the problem's ``feature_moments``,
    which scaled the training rows), where the features were standardised; ``target_mean``/``target_std``: a
    standardised regression target's; ``target``: the target's name; ``about``: where the model comes from (the
    optimizer and its configuration, the seed, the steps, the task), plain values, as ``descend predict`` shows it;
    ``squash``: how a classifier's outputs become class probabilities (:attr:`descend.problem.Objective.squash`).
    """

    model: Any
    params: tuple[Tensor, ...]
    kind: str
    logits: bool
    boundary: float
    row_shape: tuple[int, ...]
    dtype: torch.dtype
    columns: tuple = ()
    classes: tuple | None = None
    feature_mean: Tensor | None = None
    feature_std: Tensor | None = None
    target_mean: Tensor | None = None
    target_std: Tensor | None = None
    target: str = "y"
    about: Mapping[str, Any] = field(default_factory=dict)
    squash: str | None = None

    def __repr__(self) -> str:
        classes = "" if self.classes is None else f", classes={self.classes!r}"
        return f"Predictor({self.model!r}, kind={self.kind!r}, target={self.target!r}{classes})"

    # -- predicting -----------------------------------------------------------------------------------------------

    def features(self, rows: Any, *, scaled: bool = False) -> Tensor:
        """New rows as the model takes them: a table's rows (a pandas DataFrame) encoded as the training rows were
        (:func:`descend.data.features_of`), or the features themselves (``[n, *row_shape]``), rounded to the
        features' dtype as the training data was, then standardised with the training split's moments where its
        features were (in float64, as :func:`descend.data.split` scales them). The features are those before
        standardising: a :class:`descend.data.Splits`' ``x`` (a task's ``task.data.test.x``) are standardised
        already, and are given with ``scaled=True``, which uses them as they are (:meth:`descend.engine.Runs.predict`
        tells a split of the runs' own data by itself)."""
        import pandas as pd

        if isinstance(rows, pd.DataFrame):
            if scaled:  # (its numbers would be taken as standardised: silently other predictions)
                raise ValueError("scaled=True is for features given as numbers, standardised already; a table's rows "
                                 "are encoded and standardised here: leave it out")
            from .data.tables import features_of

            x = features_of(rows, self.columns, dtype=self.dtype)
        else:
            if self.columns and isinstance(rows, (pd.Series, dict)):
                raise ValueError("rows: give the new rows as a pandas DataFrame (one row: pd.DataFrame([row]))")
            if isinstance(rows, np.ndarray) and not rows.flags.writeable:  # torch warns of sharing such memory
                rows = rows.copy()
            try:
                given = torch.as_tensor(rows.detach() if isinstance(rows, Tensor) else rows)
                x = given.to(self.dtype)
            except (TypeError, ValueError, RuntimeError):
                raise ValueError(f"rows must be a tensor or array of features [n, D]"
                                 f"{' or a pandas DataFrame of the table' if self.columns else ''}, not "
                                 f"{type(rows).__name__}") from None
            if x.ndim != len(self.row_shape) + 1 or tuple(x.shape[1:]) != self.row_shape:
                shape = "[n, " + ", ".join(str(d) for d in self.row_shape) + "]"
                raise ValueError(f"rows has shape {list(x.shape)}, and the model takes rows of shape {shape}, as it "
                                 "trained on (one row: x.reshape(1, -1))")
            bad = ~torch.isfinite(x.flatten(1)).all(dim=1)
            if bad.any():  # as a table's missing or infinite value is refused, and training data's
                i = int(bad.nonzero()[0])
                value = given.flatten(1)[i][~torch.isfinite(x.flatten(1)[i])][0].item()
                overflow = math.isfinite(value)
                raise ValueError(f"rows: row {i} holds {value:g}, " + (
                    f"which overflows {str(self.dtype).removeprefix('torch.')}, the model's dtype" if overflow else
                    "not a finite number") + f" ({int(bad.sum())} of {len(x)} rows): the model needs every feature")
        if self.feature_mean is not None and self.feature_std is not None and not scaled:
            mean, std = (v.to(torch.float64) for v in (self.feature_mean, self.feature_std))
            x = ((x.to(torch.float64) - mean) / std).to(self.dtype)
        return x

    def outputs(self, rows: Any, *, scaled: bool = False) -> Tensor:
        """The model's raw outputs for new rows, ``[n, out]``: what the loss read in training (logits where
        :attr:`logits`; for a standardised regression target, standardised values)."""
        from .problem import model_output

        with torch.no_grad():
            return model_output(self.model, list(self.params), self.features(rows, scaled=scaled),
                                logits=self.logits)[0]

    def predict(self, rows: Any, *, scaled: bool = False) -> np.ndarray:
        """What the model predicts for new rows (see :meth:`features` for what ``rows`` and ``scaled`` may be), in
        the data's own terms: a NumPy array of ``n`` predictions (``[n, out]`` for several outputs). A regression's
        are in the target's units (``ŷ·σ + μ`` for a standardised target; float32 for a half-precision model), NaN
        for a row the model is not defined at (the ellipse's: a row training would leave out); a classification's
        are the classes as the data names them (:attr:`classes`), decided as the training's accuracy decides them
        (:func:`descend.problem.decide`)."""
        from .problem import decide, model_output

        x = self.features(rows, scaled=scaled)
        params = list(self.params)
        with torch.no_grad():
            pred = model_output(self.model, params, x, logits=self.logits)[0]
            if self.kind in ("binary", "multiclass"):
                decided = decide(pred, self.kind, self.boundary)
                if self.kind == "binary" and decided.ndim > 1 and decided.shape[-1] == 1:
                    decided = decided[..., 0]  # one output: a prediction per row
                classes = list(self.classes if self.classes is not None else
                               range(pred.shape[-1]) if self.kind == "multiclass" else (0, 1))  # (one-hot targets)
                named = np.array(classes) if len({type(c) for c in classes}) == 1 else np.array(classes, dtype=object)
                return named[decided.long().numpy()]
            if pred.dtype in (torch.float16, torch.bfloat16):  # as a report's numbers: float16 holds no 65,504
                pred = pred.float()
            if self.target_mean is not None and self.target_std is not None:
                pred = pred * self.target_std.to(pred.dtype) + self.target_mean.to(pred.dtype)
            valid = self.model.valid(params, x)
            if valid is not None:  # a sample the model is not defined at (the ellipse's): no prediction, as no loss
                valid = valid[0].reshape(valid.shape[1], *([1] * (pred.ndim - 1)))
                pred = torch.where(valid, pred, torch.nan)
            if pred.ndim > 1 and pred.shape[-1] == 1:
                pred = pred[..., 0]
            return pred.numpy()

    def probabilities(self, rows: Any, *, scaled: bool = False) -> np.ndarray:
        """Each class's probability for new rows, as the training's loss read the outputs (:attr:`squash`): ``[n,
        C]`` for classes (in the order of :attr:`classes`), ``[n, 2]`` for a binary target of one output (its two
        classes), ``[n, L]`` for several binary labels (each one's probability of 1); float32 for a half-precision
        model. Refused for a regression, and for a loss of one's own (nothing says what its outputs are)."""
        return self._probabilities(rows, scaled=scaled)[0]

    def _probabilities(self, rows: Any, *, scaled: bool = False) -> tuple[np.ndarray, bool]:
        """:meth:`probabilities`, and whether they are several binary labels'."""
        self.check_probabilities()
        pred = self.outputs(rows, scaled=scaled)
        pred = pred.float() if pred.dtype in (torch.float16, torch.bfloat16) else pred
        squash = {"softmax": lambda p: torch.softmax(p, dim=-1), "sigmoid": torch.sigmoid,
                  "identity": lambda p: p.clamp(0.0, 1.0)}[self.squash]
        probabilities = squash(pred)
        if self.kind == "binary" and probabilities.shape[-1] == 1:  # one output: the second class's probability
            return torch.cat([1.0 - probabilities, probabilities], dim=-1).numpy(), False
        return probabilities.numpy(), self.kind == "binary"

    def check_probabilities(self) -> None:
        """Refuse :meth:`probabilities` where there are none: a regression, a loss of one's own (its raw outputs are
        :meth:`outputs`)."""
        if self.kind not in ("binary", "multiclass"):
            raise ValueError(f"probabilities are a classification's, and this model predicts the values of "
                             f"{self.target!r} (a regression)")
        if self.squash is None:
            raise ValueError("this model trained with a loss of one's own, which does not say how its outputs are "
                             "probabilities")

    @property
    def read_options(self) -> dict[str, Any]:
        """How the training's CSV file was read (:data:`READ_OPTIONS` of :attr:`about`'s ``"read"``): new rows'
        defaults."""
        read = self.about.get("read")
        return {k: v for k, v in read.items() if k in READ_OPTIONS} if isinstance(read, Mapping) else {}

    def predict_csv(self, path: str | os.PathLike | Any, *, probabilities: bool = False,
                    **read_csv_kwargs: Any) -> Any:
        """New rows from a CSV file, read as :func:`descend.data.from_csv` reads one (``read_csv_kwargs``: its
        options; by default those the training file was read with, :attr:`read_options`), with their predictions
        (:meth:`predict`) in a column of their own, ``predicted_<target>``, after the file's columns: the file's
        cells as it writes them (texts: an identifier ``00123`` stays so), a prediction as a number
        (``predicted_<target>_<i>`` for each of several outputs; a float32 one as the shortest decimal that reads
        back as it) or a class; with ``probabilities=True``, then a column of each class's probability,
        ``probability_<class>`` (:meth:`probabilities`). Errors name the file, and a row by its line."""
        from .data.tables import read_rows

        options = {**self.read_options, **read_csv_kwargs}
        if probabilities:
            self.check_probabilities()  # before the file is read
        frame, x = read_rows(path, self.columns, dtype=self.dtype, **options)
        frame = frame.copy()
        columns = {f"predicted_{self.target}": self.predict(x)}
        if probabilities:
            shares, labels = self._probabilities(x)  # (labels: several binary labels, each a column)
            classes = list(self.classes if self.classes is not None else range(shares.shape[1]))
            names = [f"{self.target}_{i}" for i in range(shares.shape[1])] if labels else classes
            columns.update({f"probability_{c}": shares[:, i] for i, c in enumerate(names)})
        for key, values in columns.items():
            if values.dtype.kind == "f" and values.dtype.itemsize < 8:  # 362233.3, not float64's 362233.3125
                values = np.array([float(str(v)) for v in values.reshape(-1)]).reshape(values.shape)
            if values.ndim == 1:
                frame[key] = values
            else:
                for i in range(values.shape[1]):
                    frame[f"{key}_{i}"] = values[:, i]
        return frame

    def to_torch(self, *, logits: bool = False) -> torch.nn.Module:
        """The model as a ``torch.nn`` module holding these parameters (:func:`descend.models.to_torch`): it maps
        standardised features (:meth:`features`) to outputs (``logits=True`` leaves out a sigmoid or softmax
        output)."""
        from .models import to_torch

        return to_torch(self.model, list(self.params), 0, logits=logits)

    # -- files ----------------------------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write the predictor to one file (replaced whole: written aside, then renamed), read back by
        :meth:`load`. Refused for a model that is not plain data (a ``torch.nn`` module of one's own, a case
        study's model): ``torch.save(predictor.to_torch().state_dict(), path)`` keeps a module's parameters."""
        record = {"format": FORMAT, "version": VERSION, "model": _model_record(self.model),
                  "params": [p.detach().clone() for p in self.params], "kind": self.kind, "logits": self.logits,
                  "boundary": float(self.boundary), "row_shape": list(self.row_shape),
                  "dtype": str(self.dtype).removeprefix("torch."),
                  "columns": [[c, None if v is None else list(v)] for c, v in self.columns],
                  "classes": None if self.classes is None else list(self.classes),
                  "feature_mean": self.feature_mean, "feature_std": self.feature_std,
                  "target_mean": self.target_mean, "target_std": self.target_std, "target": self.target,
                  "about": plain(dict(self.about)), "squash": self.squash}  # (numbers, texts: weights_only reads)
        from . import __version__

        record["descend"] = __version__
        path = Path(path)
        aside = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            with open(aside, "wb") as f:  # through a file object: the archive inside is named "archive", not after
                torch.save(record, f)  # the file written aside (its process number): the same model, the same bytes
            os.replace(aside, path)
        except OSError as e:  # said of the file asked for, not of the one written aside
            raise OSError(e.errno, e.strerror, str(path)) from None
        finally:
            aside.unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Predictor:
        """A predictor from a file :meth:`save` wrote (``descend tune``'s ``model-<optimizer>.pt``). Only plain
        values and tensors are read (torch's ``weights_only``): a file of another kind is refused, not run."""
        where = f"{os.fsdecode(path)!r}"
        if os.path.isdir(path):
            raise ValueError(f"{where} is a folder: give a model file in it (model-<optimizer>.pt)")
        hint = (" (the model comes first: MODEL, then the CSV file of new rows)"
                if str(path).lower().endswith((".csv", ".tsv", ".txt")) else "")
        from ._quiet import ignoring

        try:
            with ignoring("Detected pickle protocol"):  # torch's word on a file that is not its own
                record = torch.load(path, weights_only=True, map_location="cpu")
        except FileNotFoundError:
            raise ValueError(f"{where} does not exist") from None
        except Exception as e:  # pickle's, zipfile's and torch's many ways to say "not a torch file"
            why = {"UnpicklingError": "it holds objects other than plain values and tensors, which are not loaded",
                   }.get(type(e).__name__, "it is not a torch file, or a damaged one")
            raise ValueError(f"{where} is not a model file descend wrote: {why}{hint}") from None
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            raise ValueError(f"{where} is a torch file, but not a model file descend wrote")
        if not isinstance(record.get("version"), int) or record["version"] > VERSION:
            raise ValueError(f"{where} was written by a later descend (its layout {record.get('version')!r}, this "
                             f"descend reads {VERSION}): upgrade descend to read it")
        if record.get("kind") not in KINDS or not isinstance(getattr(torch, str(record.get("dtype")), None),
                                                              torch.dtype):
            raise ValueError(f"{where} is a model file whose record is damaged (its kind {record.get('kind')!r}, "
                             f"dtype {record.get('dtype')!r})")
        dtype = getattr(torch, str(record["dtype"]))
        return cls(model=_model_of(record["model"]), params=tuple(record["params"]), kind=record["kind"],
                   logits=bool(record["logits"]), boundary=float(record["boundary"]),
                   row_shape=tuple(record["row_shape"]), dtype=dtype,
                   columns=tuple((c, None if v is None else tuple(v)) for c, v in record["columns"]),
                   classes=None if record["classes"] is None else tuple(record["classes"]),
                   feature_mean=record["feature_mean"], feature_std=record["feature_std"],
                   target_mean=record["target_mean"], target_std=record["target_std"], target=record["target"],
                   about=record.get("about") or {}, squash=record.get("squash", _squash_of(record)))


def find(path: str | os.PathLike) -> Path:
    """A model file given as itself or as the folder of a search or comparison that wrote one
    (:data:`descend._files.MODEL`): refused where the folder holds none, or several (named, to choose from)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{str(path)!r} does not exist: give a model file descend tune or descend compare wrote "
                         "(OUT/model-adam.pt), or its folder")
    if not path.is_dir():
        return path
    found = sorted(path.glob(MODEL.format("*")))
    if len(found) == 1:
        return found[0]
    if not found and (path / "comparison.json").exists():
        raise ValueError(_no_model_of_comparison(path))
    if not found:
        raise ValueError(f"{str(path)!r} holds no model file (model-<optimizer>.pt): descend tune writes one per "
                         "optimizer once it has re-run the best configuration (--seeds 1 or more), for a task whose "
                         "model a file keeps (a CSV file's or a data set's network or linear model)")
    best = _chosen_file(path)
    chosen = (f" ({best[1]}, {best[0]}'s, has the lowest median {CHOSEN_ON} of the comparison)"
              if best is not None and (path / best[1]) in found else "")
    raise ValueError(f"{str(path)!r} holds {len(found)} model files ({', '.join(p.name for p in found)}): give one "
                     f"of them{chosen}")


def _chosen_file(path: Path) -> tuple[str, str] | None:
    """The label and model file that the comparison whose report ``path`` is offers for new rows
    (:func:`descend.selection.chosen_label`), as its comparison.json tells; None where it tells none."""
    import json

    try:
        record = json.loads((path / "comparison.json").read_text(encoding="utf-8"))
        models, table = record["models"], record["table"]
        won = record["fields"]["winners"]
        labels = [str(label) for label in table["index"]["values"]]
        column = next((c["values"] for c in table["columns"] if c["name"] == CHOSEN_ON), [])
        label = chosen_label({k: [v] if isinstance(v, str) else v for k, v in won.items()},  # (an earlier
                             dict(zip(labels, column)))  # release saved one label a metric)
        return (label, str(models[label])) if label is not None and label in models else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # none, or not as descend writes it
        return None


def _no_model_of_comparison(path: Path) -> str:
    """Why a comparison's report holds no model file, as its record tells."""
    import json

    where = f"{str(path)!r} is a comparison's report without a model file"
    try:
        record = json.loads((path / "comparison.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    if not isinstance(record, dict) or "models" not in record:
        return (f"{where}: it was written by an earlier descend, which kept none (descend compare now writes one per "
                "optimizer, model-<optimizer>.pt, its representative run, for a task whose model a file keeps: a CSV "
                "file's or a data set's): run the comparison again")
    if not isinstance(record["models"], dict):
        return f"{where}: its comparison.json does not list its models as descend writes them (edited since?)"
    if record["models"]:
        return f"{where}: its model files ({', '.join(map(str, record['models'].values()))}) were removed"
    columns = record.get("summary", {}).get("columns", []) if isinstance(record.get("summary"), dict) else []
    statuses = next((c.get("values") for c in columns if isinstance(c, dict) and c.get("name") == "status"), None)
    if isinstance(statuses, list) and "ok" not in statuses:
        return (f"{where}: descend compare keeps an optimizer's representative run where it finished with a result, "
                "and none of this comparison's runs did (each diverged, left the model's domain or was interrupted)")
    return (f"{where}: its task's model is not one a file keeps (descend compare keeps a network or linear model of "
            "a CSV file's or a data set's rows; not a landscape's cost, nor the line's or the ellipse's own model)")


def of_run(problem: Any, params: Sequence[Tensor], j: int, about: Mapping[str, Any] | None = None) -> Predictor:
    """The predictor of row ``j`` of a cohort's parameters ``params`` (each ``[K, ...]``) trained on
    ``problem`` (:class:`descend.problem.Problem`)."""
    objective = problem.objective
    if objective.kind == "cost":
        raise ValueError("it minimises a cost J of its parameters (a landscape), not a model of rows: there are no "
                         "rows to predict")
    x_train, y_train = problem.train
    return Predictor(model=problem.evaluation_model, params=tuple(p[j:j + 1].detach() for p in params),
                     kind=objective.kind, logits=bool(objective.logits), boundary=objective.boundary,
                     row_shape=tuple(x_train.shape[1:]), dtype=x_train.dtype, columns=tuple(problem.columns),
                     classes=problem.classes, feature_mean=_moment(problem, 0), feature_std=_moment(problem, 1),
                     target_mean=problem.target_mean if problem.standardized else None,
                     target_std=problem.target_std if problem.standardized else None,
                     target=problem.target_name, about=plain(dict(about or {})), squash=objective.squash)


def _squash_of(record: Mapping[str, Any]) -> str | None:
    """A file written before the record said how its outputs are probabilities: as an MLP's or a linear model's
    with descend's losses (cross-entropy on class scores; a logit where the decision boundary is 0)."""
    return {"multiclass": "softmax", "binary": "sigmoid" if record.get("boundary") == 0.0 else "identity"}.get(
        str(record.get("kind")))


def _moment(problem: Any, i: int) -> Tensor | None:
    """The training features' mean (``i=0``) or std (``1``) in float64, as they scaled the training rows."""
    moments = getattr(problem, "feature_moments", None)
    return None if moments is None else moments[i]


def _model_record(model: Any) -> dict[str, Any]:
    """A model as plain values that :func:`_model_of` builds again: its class and its layers' settings."""
    from .models import MLP, Linear

    if type(model) is MLP:
        return {"class": "MLP", "sizes": list(model.sizes), "hidden": model.hidden, "output": model.output,
                "bias": model.bias}
    if type(model) is Linear:
        return {"class": "Linear", "in_features": model.in_features, "out_features": model.out_features,
                "output": model.output, "bias": model.bias}
    name = type(model).__name__
    raise ValueError(f"a {name} model is not saved to a file with what predicts from it (descend.models.MLP and "
                     "descend.models.Linear are); keep its parameters with "
                     "torch.save(predictor.to_torch().state_dict(), path)" if name == "ModuleModel" else
                     f"a {name} model is not saved to a file with what predicts from it (descend.models.MLP and "
                     "descend.models.Linear are)")


def savable(model: Any) -> bool:
    """Whether :meth:`Predictor.save` keeps a model: one of :mod:`descend.models`' MLP and Linear."""
    try:
        _model_record(model)
    except ValueError:
        return False
    return True


def _model_of(record: Mapping[str, Any]) -> Any:
    from .models import MLP, Linear

    if record.get("class") == "MLP":
        return MLP(tuple(record["sizes"]), hidden=record["hidden"], output=record["output"], bias=record["bias"])
    if record.get("class") == "Linear":
        return Linear(record["in_features"], record["out_features"], output=record["output"], bias=record["bias"])
    raise ValueError(f"a model file holds a model of class {record.get('class')!r}, which this descend does not "
                     "build")
