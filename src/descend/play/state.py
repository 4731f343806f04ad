"""The state of a playground widget: a small, validated value that round-trips through a URL query string.

Every widget of ``descend play`` is a function of one state (:mod:`descend.play.widgets`). A state is a frozen
pydantic model whose fields carry their allowed ranges, so a request that asks for too much work (too many
steps, optimizers or grid points, a formula too long) is refused before anything runs, with a message naming
the field and what is allowed (:func:`errors_of`). :meth:`WidgetState.to_query` writes the fields that differ
from their defaults as a query string and :meth:`WidgetState.from_query` reads it back to an equal state, so a
page's URL is its whole state:

>>> from descend.play.state import CurvatureState
>>> s = CurvatureState(curvature=2.0, lr=0.75)
>>> s.to_query()
'curvature=2.0&lr=0.75'
>>> CurvatureState.from_query(s.to_query()) == s
True
"""

from __future__ import annotations

import json
import math
import re
import typing
import urllib.parse
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "CurvatureState", "EllipseState", "LandscapeState", "LineState", "OptimizerEntry", "TuneState",
    "VanishingState", "WidgetState", "errors_of", "STATES",
]

#: The optimizers' hyperparameters a widget row may set besides lr, by what they are called in descend's
#: registry (each optimizer takes those it has; :meth:`OptimizerEntry.check` refuses the others).
KEY_HYPERPARAMETERS = ("beta", "beta1", "beta2", "momentum", "alpha", "rho", "eps", "weight_decay", "dampening",
                       "nesterov", "bias_correction", "centered", "amsgrad")

#: The initialisations of the vanishing-gradients widget that take ``init_scale`` (the page offers it only beside them).
SCALED_INITS = ("normal", "uniform")
#: Bounds of the work of one request.
MAX_OPTIMIZERS = 6
MAX_LANDSCAPE_WORK = 6000  # optimizers × steps
MAX_FORMULA = 200  # characters (the parser's own limit; it also refuses nesting deeper than 50 levels)


def _nullable(annotation: Any) -> bool:
    """Whether a field's type takes None (``float | None``)."""
    return type(None) in typing.get_args(annotation)


def _no_bool_for_a_number(model: Any, value: Any, info: Any) -> Any:
    """``{"steps": true}`` was read as 1 step, ``{"lr": true}`` in an optimizer as a rate of 1.0: a JSON true or false
    where a number is asked for is refused (every model's fields, through its ``field_validator``)."""
    field = model.model_fields.get(info.field_name)
    if isinstance(value, bool) and field is not None and field.annotation in (int, float, int | None, float | None):
        raise ValueError(f"{info.field_name} = {str(value).lower()}: a number is required")
    return value


class WidgetState(BaseModel):
    """The base of every widget's state: frozen, no unknown fields, and a URL query string form."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: Any) -> Any:
        return _no_bool_for_a_number(cls, value, info)

    #: the widget's name in URLs (``/landscape``, ``/api/landscape``)
    widget: ClassVar[str] = ""

    # -- the URL form ---------------------------------------------------------------------------------------

    def to_query(self) -> str:
        """The fields that differ from their defaults, as a query string (lists as repeated keys)."""
        pairs: list[tuple[str, str]] = []
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if value == info.get_default(call_default_factory=True):
                continue
            if isinstance(value, tuple) and value and isinstance(value[0], OptimizerEntry):
                pairs.extend((name, entry.to_text()) for entry in value)
            elif isinstance(value, tuple):
                pairs.append((name, ",".join(_text(v) for v in value)))
            elif value is not None:
                pairs.append((name, _text(value)))
        return urllib.parse.urlencode(pairs)

    @classmethod
    def from_query(cls, query: str | Mapping[str, Any]) -> WidgetState:
        """The state a query string (or a mapping of key → text or list of texts) describes; missing keys
        keep their defaults. Raises :class:`pydantic.ValidationError` for anything not allowed."""
        if isinstance(query, str):
            items = urllib.parse.parse_qsl(query.lstrip("?"), keep_blank_values=True)
            grouped: dict[str, list[str]] = {}
            for key, value in items:
                grouped.setdefault(key, []).append(value)
        else:
            grouped = {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in query.items()}
        data: dict[str, Any] = {}
        for key, values in grouped.items():
            info = cls.model_fields.get(key)
            if info is None:
                data[key] = values[-1]  # refused as an unknown field, with its name
                continue
            kind = _kind(info.annotation)
            if kind == "scalar" and len(values) > 1 and len(set(values)) > 1:  # steps=5&steps=6: which one?
                message = (f"{key}: given {len(values)} times ({', '.join(_shown(v, 20) for v in values[:3])}"
                           f"{', ...' if len(values) > 3 else ''}); give it once")
                raise ValidationError.from_exception_data(cls.__name__, [
                    {"type": "value_error", "loc": (key,), "input": values, "ctx": {"error": ValueError(message)}}])
            if kind == "entries":
                data[key] = [OptimizerEntry.from_text(v, where=f"{key}.{i}") for i, v in enumerate(values)]
            elif kind == "tuple":
                # commas inside parentheses belong to the item: hybrid(32,8,512) is one batch size; the key given
                # several times gives them all (batch_sizes=full&batch_sizes=32 kept only 32)
                data[key] = [part.strip() for value in values if value.strip()
                             for part in re.split(r",(?![^()]*\))", value)]
            elif values[-1] == "" and _nullable(info.annotation):
                data[key] = None  # an empty value of a field that may be empty (init_scale=): its default
            else:
                data[key] = values[-1]
        return cls.model_validate(data)

    def key(self) -> str:
        """A canonical text of the state (the cache key of its result)."""
        return f"{self.widget}:" + json.dumps(self.model_dump(mode="json"), sort_keys=True)


def _optimizer_name(value: str) -> str:
    """An optimizer's name as the registry spells it, or a ValueError in the playground's words: the library's
    advice (descend.optim.register, --plugin, -o) is for Python and the command line, which a page has not."""
    from .._checks import close_matches
    from ..optim import OPTIMIZERS, get

    try:
        return get(value.strip()).name
    except ValueError:
        key = value.strip().lower().replace("_", "-")
        if "," in key:
            raise ValueError(f"{value!r} names several optimizers; give one") from None
        raise ValueError(f"unknown optimizer {value!r}{close_matches(key, OPTIMIZERS)} (the playground offers: "
                         f"{', '.join(OPTIMIZERS)})") from None


def _kind(annotation: Any) -> str:
    text = str(annotation)
    if "OptimizerEntry" in text:
        return "entries"
    if "tuple" in text.lower():
        return "tuple"
    return "scalar"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back to the same float
    return str(value)


# -- optimizers of a widget -----------------------------------------------------------------------------------


class OptimizerEntry(BaseModel):
    """One optimizer of a widget: its registry name, learning rate, decay and key hyperparameters.

    ``decay`` is an inverse-time decay α_t = α/(1 + decay·t), t counting the steps (seed 003's "Learning Rate Decay"
    control, whose formula the seed does not print); ``schedule`` any schedule of
    :mod:`descend.schedules` in ``descend compare --schedule``'s words (``cosine``, ``step:step_size=100,gamma=0.5``),
    as a multiplier of ``lr``; give one of them. ``hyper`` holds the other hyperparameters (``beta1``,
    ``momentum``, ...), checked against the optimizer's allowed ranges by descend's registry.
    In a URL it is written ``adam;lr=0.05;beta1=0.8`` (:meth:`to_text`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: Any) -> Any:
        return _no_bool_for_a_number(cls, value, info)

    name: str = Field("adam", description="optimizer (descend list optimizers)")
    lr: float = Field(0.01, gt=0, le=10, description="learning rate α")
    decay: float = Field(0.0, ge=0, le=10, description="inverse-time decay: α/(1 + decay·t)")
    schedule: str = Field("", max_length=80, description="a schedule of lr instead of decay, e.g. cosine")
    hyper: dict[str, Any] = Field(default_factory=dict, description="other hyperparameters")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _optimizer_name(value)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        """``constant`` is no schedule (as for descend compare --schedule), one state with ``""``."""
        return "" if value.strip().lower() == "constant" else value

    @field_validator("hyper", mode="before")
    @classmethod
    def _hyper(cls, value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ValueError("hyper must be a table of name: value")
        out: dict[str, Any] = {}
        for key, v in value.items():
            if key not in KEY_HYPERPARAMETERS:
                raise ValueError(f"{key!r} cannot be set here; the playground sets lr, decay, schedule and "
                                 f"{', '.join(KEY_HYPERPARAMETERS)}")
            if isinstance(v, str) and v.strip().lower() in ("true", "false"):
                v = v.strip().lower() == "true"
            elif isinstance(v, str):
                try:
                    v = float(v)
                except ValueError:
                    raise ValueError(f"{key}={v!r} must be a number, true or false") from None
            if isinstance(v, bool):
                out[key] = v
            elif isinstance(v, (int, float)) and _finite(v):
                out[key] = float(v)
            else:
                raise ValueError(f"{key}={_shown(v)} must be a finite number, true or false")
        return dict(sorted(out.items()))

    @model_validator(mode="after")
    def _check(self) -> OptimizerEntry:
        from ..compare_config import schedule_options
        from ..optim import get

        info = get(self.name)
        unknown = [k for k in self.hyper if k not in info.names]
        if unknown:
            raise ValueError(f"{self.name} has no hyperparameter {unknown[0]!r}{info.symbol_hint(unknown[0])}; it has "
                             f"{', '.join(n for n in info.names if n in KEY_HYPERPARAMETERS) or 'none to set here'}")
        info.configure(lr=self.lr, **self.hyper)  # the registry's allowed ranges, with its message
        if self.schedule.strip():
            if self.decay:
                raise ValueError("give decay (inverse-time) or schedule, not both")
            schedule_options(self.schedule, what="schedule")  # its words; the widget's state builds it over its steps
        return self

    def settings(self) -> tuple[Any, ...]:
        """What trains: the optimizer's name, every hyperparameter as the registry configures it (defaults filled
        in, values in their type), the decay and the schedule."""
        from ..optim import get

        config = get(self.name).configure(lr=self.lr, **self.hyper)
        return (get(self.name).name, tuple(sorted(config.items())), float(self.decay or 0),
                self.schedule.strip())

    @property
    def label(self) -> str:
        parts = [f"lr={_short(float(self.lr))}"] + [f"{k}={_short(v)}" for k, v in self.hyper.items()]
        if self.decay:
            parts.append(f"decay={_short(float(self.decay))}")
        if self.schedule.strip():
            parts.append(self.schedule.strip())
        return f"{self.name}({', '.join(parts)})"

    def to_text(self) -> str:
        parts = [self.name, f"lr={_text(self.lr)}"]
        if self.decay:
            parts.append(f"decay={_text(self.decay)}")
        if self.schedule.strip():
            parts.append(f"schedule={self.schedule.strip()}")
        parts += [f"{k}={_text(v)}" for k, v in self.hyper.items()]
        return ";".join(parts)

    @classmethod
    def from_text(cls, text: str, where: str = "optimizer") -> dict[str, Any]:
        """``adam;lr=0.05;beta1=0.8`` → the fields of an entry (validated when the state is)."""
        name, *rest = text.split(";")
        data: dict[str, Any] = {"name": name.strip(), "hyper": {}}
        last = ""
        for part in rest:
            key, eq, value = part.partition("=")
            key = key.strip()
            if "schedule" in data and last == "schedule" and not re.fullmatch(r"[A-Za-z_]\w*", key):
                data["schedule"] += ";" + part  # a schedule's own list: multistep:milestones=150;225,gamma=0.3
                continue
            last = key
            if not eq or not key:
                raise ValueError(f"{where}: {part!r} is not key=value (write e.g. adam;lr=0.05;beta1=0.9)")
            if key in data["hyper"] or key in ("lr", "decay", "schedule") and key in data:  # the last one won
                raise ValueError(f"{where}: {key} is given twice in {text!r}; give it once")
            if key in ("lr", "decay", "schedule"):
                data[key] = value.strip()
            else:
                low = value.strip().lower()
                data["hyper"][key] = low == "true" if low in ("true", "false") else value.strip()
        return data


def _short(v: Any) -> str:
    return f"{v:.10g}" if isinstance(v, float) else str(v).lower()  # (0.1 and 0.1000001 named apart)


def _entries(*items: tuple[str, float]) -> tuple[OptimizerEntry, ...]:
    return tuple(OptimizerEntry(name=n, lr=lr) for n, lr in items)


def _check_schedules(state: WidgetState) -> None:
    """Each optimizer's schedule built over the widget's steps, which its row does not know (one_cycle's warm-up
    needs more steps than 1/pct_start): refused naming the row, as the row's own checks are."""
    from ..compare_config import parse_schedule

    for i, entry in enumerate(state.optimizers):
        try:
            parse_schedule(entry.schedule, state.steps, what="schedule")
        except ValueError as e:
            said = f"{e} (at steps={state.steps})" if "total_steps" in str(e) else str(e)  # (one the steps decide)
            raise ValidationError.from_exception_data(type(state).__name__, [
                {"type": "value_error", "loc": ("optimizers", i), "input": entry.schedule,
                 "ctx": {"error": ValueError(said)}}]) from None


def _check_entries(value: tuple[OptimizerEntry, ...]) -> tuple[OptimizerEntry, ...]:
    if not value:
        raise ValueError("choose at least one optimizer")
    if len(value) > MAX_OPTIMIZERS:
        raise ValueError(f"{len(value)} optimizers; at most {MAX_OPTIMIZERS} per request")
    labels = [e.label for e in value]
    settings = [e.settings() for e in value]  # as trained: amsgrad=1 is amsgrad=true, no beta1 its default
    twice = next((i for i, s in enumerate(settings) if s in settings[:i]), None)
    if twice is not None:
        first = settings.index(settings[twice])
        raise ValueError(f"{labels[first]} and {labels[twice]} name one optimizer twice with the same settings")
    return value


# -- the widgets' states ---------------------------------------------------------------------------------------


class LineState(WidgetState):
    """Widget 1, seed 003's line fit: data from a ground-truth line, the cost over (w, b), a draggable start."""

    widget: ClassVar[str] = "line"

    m: int = Field(64, ge=8, le=1024, description="training set size m (validation and test samples besides)")
    noise: float = Field(0.5, ge=0, le=5, description="noise σ on y")
    data_seed: int = Field(0, ge=0, le=10**6, description="seed of the data set")
    slope: float = Field(2.0, ge=-5, le=5, description="true w")
    intercept: float = Field(-1.0, ge=-5, le=5, description="true b")
    start: tuple[float, float] = Field((-2.0, 3.0), description="initial (w, b)")
    optimizer: str = Field("gd", description="optimizer")
    lr: float = Field(0.1, gt=0, le=10, description="learning rate α")
    batch_size: int = Field(0, ge=0, le=1024, description="batch size: 0 = the whole training set (GD), 1 = SGD")
    steps: int = Field(100, ge=1, le=1000, description="iterations")
    grid: int = Field(60, ge=20, le=120, description="contour grid points per axis")

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> tuple[float, float]:
        return _point(_pair(value), 20.0)

    @field_validator("optimizer")
    @classmethod
    def _optimizer(cls, value: str) -> str:
        return _optimizer_name(value)

    @model_validator(mode="after")
    def _batch(self) -> LineState:
        if self.batch_size > self.m:
            raise ValueError(f"batch_size {self.batch_size} is larger than the training set (m = {self.m}); give "
                             f"1..{self.m}, or 0 for the whole set")
        return self


class CurvatureState(WidgetState):
    """Widget 2, seed 003's learning rate against curvature: gradient descent on the parabola c·w²/2."""

    widget: ClassVar[str] = "curvature"

    curvature: float = Field(1.0, ge=0.1, le=10, description="curvature c of J(w) = c·w²/2")
    lr: float = Field(0.3, gt=0, le=5, description="learning rate α")
    start: float = Field(1.5, ge=-2, le=2, description="initial w")
    steps: int = Field(20, ge=1, le=100, description="iterations")


class LandscapeState(WidgetState):
    """Widget 3: optimizers on a built-in landscape or a typed formula, each with its own settings."""

    widget: ClassVar[str] = "landscape"

    landscape: str = Field("himmelblau", min_length=1, max_length=MAX_FORMULA,
                           description="a landscape name (descend list landscapes) or a formula in x and y")
    start: tuple[float, float] | None = Field(None, description="initial (x, y); none: the landscape's")
    optimizers: tuple[OptimizerEntry, ...] = Field(
        _entries(("gd", 0.01), ("momentum", 0.01), ("rmsprop", 0.01), ("adam", 0.05)),
        description="optimizers, each with its own settings")
    steps: int = Field(300, ge=1, le=2000, description="steps per optimizer")
    noise: float = Field(0.0, ge=0, le=10, description="gradient noise σ: the noisy empirical risk; 0 = exact")
    m: int = Field(256, ge=2, le=2048, description="samples of the noisy risk")
    batch_size: int = Field(1, ge=1, le=2048, description="batch size with noise")
    data_seed: int = Field(0, ge=0, le=10**6, description="seed of the noise samples")
    grid: int = Field(80, ge=20, le=150, description="contour grid points per axis")

    @field_validator("landscape")
    @classmethod
    def _landscape(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> tuple[float, float] | None:
        value = _pair(value)
        return None if value is None else _point(value, 1e4)

    @field_validator("optimizers")
    @classmethod
    def _optimizers(cls, value: tuple[OptimizerEntry, ...]) -> tuple[OptimizerEntry, ...]:
        return _check_entries(value)

    @model_validator(mode="after")
    def _work(self) -> LandscapeState:
        work = self.steps * len(self.optimizers)
        if work > MAX_LANDSCAPE_WORK:
            raise ValueError(f"steps × optimizers = {self.steps} × {len(self.optimizers)} = {work}; at most "
                             f"{MAX_LANDSCAPE_WORK} per request (fewer steps or optimizers)")
        if self.noise > 0 and self.batch_size > self.m:
            raise ValueError(f"batch_size {self.batch_size} is larger than m = {self.m} noise samples")
        _check_schedules(self)
        return self


class EllipseState(WidgetState):
    """Widget 4, seed 004's Earth–Mars transfer orbit: four optimizers from (A, B) = (0.1, 1.8) on the cost
    surface, and gradient descent with the whole set, single samples, mini-batches and the hybrid schedule."""

    widget: ClassVar[str] = "ellipse"

    start: tuple[float, float] = Field((0.1, 1.8), description="initial (A, B)")
    optimizers: tuple[OptimizerEntry, ...] = Field(
        _entries(("gd", 0.1), ("momentum", 0.05), ("rmsprop", 0.005), ("adam", 0.05)),
        description="optimizers of the paths")
    steps: int = Field(400, ge=1, le=1000, description="steps per optimizer (whole training set)")
    batch_optimizer: str = Field("gd", description="optimizer of the batch-size comparison")
    batch_lr: float = Field(0.1, gt=0, le=10, description="its learning rate")
    epochs: int = Field(12, ge=1, le=16, description="epochs of the batch-size comparison (the hybrid changes to "
                                                      "512 after 8)")
    batch_sizes: tuple[str, ...] = Field(("full", "1", "32", "hybrid"),
                                         description="batch sizes compared: full, 1, 32, hybrid (32 for 8 epochs, "
                                                     "then 512), or a number")
    grid: int = Field(60, ge=20, le=120, description="contour grid points per axis")

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> tuple[float, float]:
        a, b = _point(_pair(value), 5.0)
        _some_sample_valid(a, b)
        return a, b

    @field_validator("optimizers")
    @classmethod
    def _optimizers(cls, value: tuple[OptimizerEntry, ...]) -> tuple[OptimizerEntry, ...]:
        return _check_entries(value)

    @field_validator("batch_optimizer")
    @classmethod
    def _batch_optimizer(cls, value: str) -> str:
        return _optimizer_name(value)

    @model_validator(mode="after")
    def _schedules(self) -> EllipseState:
        _check_schedules(self)
        return self

    @field_validator("batch_sizes")
    @classmethod
    def _batch_sizes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from ..compare import parse_batch_sizes

        if not value:
            raise ValueError("choose at least one batch size")
        if len(value) > 6:
            raise ValueError(f"{len(value)} batch sizes; at most 6")
        from ..compare_config import batch_text

        sizes = []
        for v in value:
            size = parse_batch_sizes(v, what="batch size")[0]
            sizes.append(batch_text(size))
            for number in (size.first, size.then) if hasattr(size, "first") else (size,):  # a hybrid's two sizes
                if isinstance(number, int) and number > 512:
                    which = f"{v.strip()}: {number}" if hasattr(size, "first") else str(number)
                    raise ValueError(f"batch size {which} is larger than the 512 training samples")
        value = tuple(str(int(v)) if v.strip().isdigit() else v.strip().lower() for v in value)  # ３２ is 32
        twice = sorted({size for size in sizes if sizes.count(size) > 1})
        if twice:  # the same runs twice (as written, or in other digits), as on the landscape widget: refused
            raise ValueError(f"batch size {twice[0]} is given twice")
        return value


def _some_sample_valid(a: float, b: float) -> None:
    """Refuse an ellipse start where no sample of the orbit is on the ellipse (|x + c| <= |A| for none): every
    run would have left the model's domain before its first step, with nothing to show."""
    import torch

    from .. import tasks

    task = tasks.get("ellipse")
    x = task.data.train.x
    if not bool(task.model.valid([torch.tensor([a], dtype=x.dtype), torch.tensor([b], dtype=x.dtype)], x).any()):
        raise ValueError(f"A = {a:g}: no sample of the orbit is on an ellipse this narrow (its x + 0.26185 must be "
                         "within ±A for some sample); the Earth–Mars orbit has A = 1.26")


class VanishingState(WidgetState):
    """Widget 5, seed 002's vanishing and exploding gradients: per-layer gradient norms of a deep MLP."""

    widget: ClassVar[str] = "vanishing"

    depth: int = Field(8, ge=1, le=12, description="hidden layers")
    width: int = Field(16, ge=2, le=32, description="units per hidden layer")
    activation: Literal["sigmoid", "tanh", "relu"] = Field("sigmoid", description="hidden activation")
    init: Literal["xavier", "he", "normal", "uniform", "torch", "zeros"] = Field(
        "xavier", description="weight initialisation (xavier for sigmoid and tanh, he for relu)")
    init_scale: float | None = Field(None, gt=0, le=10, description="weight scale: σ of normal, bound of uniform "
                                     "(empty: 0.01 and 1/√fan-in); normal, relu and 1 make gradients explode")
    optimizer: str = Field("sgd", description="optimizer")
    lr: float = Field(0.5, gt=0, le=10, description="learning rate α")
    steps: int = Field(200, ge=1, le=500, description="steps (whole training set)")

    @field_validator("optimizer")
    @classmethod
    def _optimizer(cls, value: str) -> str:
        return _optimizer_name(value)

    @field_validator("init")
    @classmethod
    def _init(cls, value: str) -> str:
        from ..models import INITS

        if value not in INITS:
            raise ValueError(f"init {value!r}: choose one of {', '.join(INITS)}")
        return value

    @model_validator(mode="after")
    def _scale(self) -> VanishingState:
        if self.init_scale is not None and self.init not in SCALED_INITS:
            raise ValueError(f"init_scale {self.init_scale:g} is the scale of init normal (σ) or uniform (its bound), "
                             f"not of {self.init}; choose one of them, or leave init_scale empty")
        return self


class TuneState(WidgetState):
    """Widget 6: a small search by :func:`descend.tune` for the problem another widget's URL describes."""

    widget: ClassVar[str] = "tune"

    target: Literal["landscape", "line", "ellipse"] = Field("landscape", description="the widget whose problem "
                                                                                    "is tuned")
    query: str = Field("", max_length=2000, description="that widget's URL query string")
    trials: int = Field(16, ge=4, le=48, description="trials per optimizer")
    sampler: Literal["tpe", "random", "qmc"] = Field("tpe", description="Optuna sampler")

    @model_validator(mode="after")
    def _target(self) -> TuneState:
        try:
            state = STATES[self.target].from_query(self.query)
        except ValueError as e:  # a ValidationError, or a malformed item of the query itself
            raise ValueError("query (the " + self.target + " widget's state): "
                             + "; ".join(m["message"] for m in errors_of(e))) from None
        names = _tuned_names(state)
        if len(names) * self.trials > 96:
            raise ValueError(f"trials: {len(names)} optimizers × {self.trials} trials = {len(names) * self.trials}; "
                             f"at most 96 trials per request (at most {96 // len(names)} trials for {len(names)} "
                             "optimizers)")
        return self

    def target_state(self) -> WidgetState:
        return STATES[self.target].from_query(self.query)


def _tuned_names(state: WidgetState) -> list[str]:
    if isinstance(state, LineState):
        return [state.optimizer]
    names: list[str] = []
    for e in getattr(state, "optimizers", ()):
        if e.name not in names:
            names.append(e.name)
    return names


def _pair(value: Any) -> Any:
    """A start given as text ``"x,y"`` or a list: two numbers, or an error saying so."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [p.strip() for p in value.split(",")]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{_shown(value)}: give two numbers, x,y")
    if any(isinstance(v, bool) for v in value):  # JSON's true read as 1.0
        raise ValueError(f"{_shown(value)}: give two numbers, x,y (not true or false)")
    try:
        return tuple(float(v) for v in value)
    except (TypeError, ValueError, OverflowError):  # an integer beyond any float overflows
        raise ValueError(f"{_shown(value)}: give two finite numbers, x,y") from None


def _finite(v: int | float) -> bool:
    """Whether a number is finite as a float: an integer beyond the largest float is not (it overflows)."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _shown(value: Any, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters: a 400-digit number is not echoed whole."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _point(value: Any, limit: float) -> tuple[float, float]:
    if value is None:  # (a start that may be none, the landscape's, is not given here)
        raise ValueError("null: give two numbers, x,y")
    x, y = (float(v) for v in value)
    for v in (x, y):
        if not math.isfinite(v) or abs(v) > limit:
            raise ValueError(f"{v!r}: each coordinate must be finite and within ±{limit:g}")
    return (x, y)


#: Every widget's state class by widget name.
STATES: dict[str, type[WidgetState]] = {
    cls.widget: cls for cls in (LineState, CurvatureState, LandscapeState, EllipseState, VanishingState, TuneState)
}


# -- errors ---------------------------------------------------------------------------------------------------


def errors_of(error: Exception) -> list[dict[str, str]]:
    """``[{"field": ..., "message": ...}]`` for a refused state: each message names the field, the value given
    and what is allowed, as the page shows it next to the control."""
    if not isinstance(error, ValidationError):  # a message that starts with its field ("optimizers.0: ...")
        message = str(error)
        named = re.match(r"([a-z_]+(?:\.\d+)*): ", message)
        fields = {name for cls in STATES.values() for name in cls.model_fields}
        return [{"field": named.group(1) if named and named.group(1).split(".")[0] in fields else "",
                 "message": message}]
    out = []
    for e in error.errors():
        loc = [str(p) for p in e.get("loc", ())]
        field = ".".join(loc)
        message = e.get("msg", "not allowed")
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if e.get("type") in ("model_type", "model_attributes_type", "dict_type"):  # not "instance of LineState"
            what = "an optimizer" if loc and loc[0] == "optimizers" else "the widget's state"
            message = (f"{what} must be a JSON object of settings"
                       + (' ({"name": "adam", "lr": 0.05}; the text adam;lr=0.05 is a query string\'s form)'
                          if loc and loc[0] == "optimizers" else ' ({"steps": 100, ...})'))
        ctx = e.get("ctx") or {}
        bounds = {k: ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx}
        given = e.get("input")
        if bounds or e.get("type") in ("int_parsing", "float_parsing", "int_from_float", "literal_error",
                                       "string_too_long", "extra_forbidden", "int_type", "float_type",
                                       "finite_number"):
            shown = given if not isinstance(given, (dict, list)) else json.dumps(given)
            text = "null" if given is None else _shown(shown, 60)  # JSON's word, not Python's None
            message = f"{_spoken(field) or 'value'} = {text}: {message[0].lower()}{message[1:]}"
            allowed = _allowed(error.title, loc)
            if allowed:
                message += f" (allowed: {allowed})"
        elif field and not message.startswith(field):
            message = f"{_spoken(field)}: {message}"
        if not field:  # a check across fields: the message starts with the field it is about
            first = message.split(" ", 1)[0].rstrip(":")
            model = {cls.__name__: cls for cls in STATES.values()}.get(error.title)
            if model is not None and first in model.model_fields:
                field = first
        out.append({"field": field, "message": message})
    return out


def _spoken(field: str) -> str:
    """A field's path as the page's reader counts: ``optimizers.1.lr`` is optimizer 2's lr."""
    return re.sub(r"^optimizers\.(\d+)(?:\.(\w+))?", lambda m: f"optimizer {int(m[1]) + 1}"
                  + (f"'s {m[2]}" if m[2] else ""), field)


def _allowed(title: str, loc: list[str]) -> str:
    """The allowed range of the field at ``loc`` of the model called ``title``, in words."""
    model: Any = {cls.__name__: cls for cls in (*STATES.values(), OptimizerEntry)}.get(title)
    if model is None or not loc:
        return ""
    name = loc[-1]
    if len(loc) >= 3 and loc[0] in ("optimizers",):
        model, name = OptimizerEntry, loc[-1]
    info = model.model_fields.get(name)
    if info is None:
        return ""
    low = high = None
    low_open = high_open = False
    for m in info.metadata:
        for attr, is_low, is_open in (("ge", True, False), ("gt", True, True), ("le", False, False),
                                      ("lt", False, True)):
            v = getattr(m, attr, None)
            if v is not None:
                if is_low:
                    low, low_open = v, is_open
                else:
                    high, high_open = v, is_open
    if low is None and high is None:
        return ""
    def shown(v: float) -> str:  # a whole number as one (a field that takes 1000000 refuses "1e+06")
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"

    left = "" if low is None else f"{shown(low)} {'<' if low_open else '≤'} "
    right = "" if high is None else f" {'<' if high_open else '≤'} {shown(high)}"
    return f"{left}{name}{right}"
