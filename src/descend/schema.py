"""A configuration declared once: each setting is a dataclass field with its default, type word, help text,
validation and spellings, and the command line, TOML files and dicts (a web request body) are derived from it.

    @dataclass(frozen=True)
    class Settings(Schema):
        seeds: int = setting(3, help="Seeds per configuration (default 3).", metavar="INTEGER", parse=whole(1))

    Settings.from_dict({"seeds": 2})             # Settings(seeds=2)
    Settings.from_dict({"seeds": 0})             # ValueError: seeds 0: a whole number >= 1 is required
    Settings.from_dict({"seeds": "0"}, names={"seeds": "--seeds"})  # --seeds 0: ... (the CLI's words)
    Settings(seeds=2).to_dict()                  # {"seeds": 2}, what a TOML file or a JSON body holds

A setting's ``parse(value, name)`` turns a value as any interface gives it (the text of a command-line
option, a TOML or JSON value, or an already parsed value) into the field's value, or raises a ``ValueError``
that starts with ``name``: the field as the user spelled it (``--lr`` on the command line, ``lr`` in a TOML
file or a request body). Parsing is idempotent, so a dataclass built directly (``Settings(seeds=0)``) is
validated by the same functions. ``None`` always means "not given": the field keeps its default.

:mod:`descend.cli` generates a command's options from a schema's fields (``flags``, ``metavar``, ``help``),
so a new field needs no other edit.
"""

from __future__ import annotations

import dataclasses
import math
import re
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from ._checks import plain_number  # a NumPy number as Python's (no NumPy imported)
from ._names import check_names, close_matches

Parse = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Setting:
    """How one field of a :class:`Schema` is given, checked and written (the field's metadata)."""

    help: str  #: one sentence for --help and documentation
    metavar: str  #: the type as a word, shown by --help (INTEGER, NUMBER, PATH, RATES, ...)
    parse: Parse  #: (value, name) -> the field's value; ValueError naming ``name``
    key: str = ""  #: the TOML / dict key ("" = the field's name)
    flags: tuple[str, ...] | None = None  #: command-line names; None = ("--key-with-dashes",); () = none
    argument: bool = False  #: a positional argument on the command line instead of an option
    repeat: bool = False  #: an option given once per value (-o adam -o sgd)
    switch: bool = False  #: a boolean --name/--no-name option
    dump: Callable[[Any], Any] | None = None  #: the field's value -> a plain TOML/JSON value
    written: Callable[[Any, Any], bool] | bool = True  #: (value, instance) -> whether to_dict writes it


def setting(default: Any = None, *, help: str, metavar: str, parse: Parse, key: str = "",
            flags: tuple[str, ...] | None = None, argument: bool = False, repeat: bool = False,
            switch: bool = False, dump: Callable[[Any], Any] | None = None,
            written: Callable[[Any, Any], bool] | bool = True,
            default_factory: Callable[[], Any] | None = None) -> Any:
    """A dataclass field of a :class:`Schema` with its :class:`Setting`."""
    meta = {"setting": Setting(help=help, metavar=metavar, parse=parse, key=key, flags=flags, argument=argument,
                               repeat=repeat, switch=switch, dump=dump, written=written)}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class Entry:
    """One field of a schema as the interfaces see it."""

    name: str  #: the Python attribute
    key: str  #: the TOML / dict key
    flags: tuple[str, ...]  #: command-line names (empty: not on the command line)
    default: Any
    setting: Setting

    @property
    def flag(self) -> str:
        """How the command line names it in messages: its long option, or the argument's metavar."""
        if self.setting.argument:
            return self.setting.metavar
        return next((f for f in self.flags if f.startswith("--")), self.key)


_S = TypeVar("_S", bound="Schema")


class Schema:
    """A mixin for frozen dataclasses whose fields are declared with :func:`setting`."""

    #: the noun for an unknown key in :meth:`from_dict` ("unknown field 'lrr'; did you mean 'lr'?")
    _noun: ClassVar[str] = "field"

    def __post_init__(self) -> None:
        for entry in self.entries():
            value = getattr(self, entry.name)
            if value is None and entry.default is None:
                continue
            object.__setattr__(self, entry.name, entry.setting.parse(plain_number(value), entry.key))

    @classmethod
    def overlay(cls, file: Mapping[str, Any], given: Mapping[str, Any],
                where: str) -> tuple[dict[str, Any], list[str]]:
        """The settings of a --config file (``where``) with those given on the command line over them (key ->
        value as given, each winning over the file's), and the notes that say what of the file's was taken out
        without being given again: here none, each given setting replacing the file's of the same key."""
        return {**file, **given}, []

    @classmethod
    def entries(cls) -> list[Entry]:
        out = []
        for f in dataclasses.fields(cls):
            s = f.metadata.get("setting")
            if s is None:
                continue
            key = s.key or f.name
            flags = s.flags if s.flags is not None else ("--" + key.replace("_", "-"),)
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
            out.append(Entry(name=f.name, key=key, flags=() if s.argument else flags, default=default, setting=s))
        return out

    @classmethod
    def keys(cls) -> list[str]:
        """The TOML / dict keys, in declaration order."""
        return [e.key for e in cls.entries()]

    @classmethod
    def flags(cls) -> dict[str, str]:
        """key -> how the command line names it (for ``from_dict(..., names=...)``)."""
        return {e.key: e.flag for e in cls.entries()}

    @classmethod
    def from_dict(cls: type[_S], data: Mapping[str, Any], *, names: Mapping[str, str] | None = None,
                  what: str | None = None) -> _S:
        """Check and parse ``data`` (key -> value; ``None`` = not given) into an instance.

        Unknown keys are refused with the closest key; every error names the field as ``names`` spells it
        (default: the key itself). ``what`` names a key in the unknown-key message ("key in a.toml").
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a {cls.__name__} is given as a dict of key -> value, not {type(data).__name__}")
        entries = cls.entries()
        check_names([str(k) for k in data], [e.key for e in entries], what=what or cls._noun)
        spelled = {e.key: e.key for e in entries}
        spelled.update(names or {})
        data = cls._before({k: v for k, v in data.items() if v is not None}, spelled)
        values = {e.name: e.setting.parse(plain_number(data[e.key]), spelled[e.key]) for e in entries if e.key in data}
        values = cls._after(values, spelled)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The plain values (str, numbers, bools, lists, dicts) that :meth:`from_dict` reads back."""
        out: dict[str, Any] = {}
        for e in self.entries():
            value = getattr(self, e.name)
            written = e.setting.written
            if value is None or not (written(value, self) if callable(written) else written):
                continue
            out[e.key] = e.setting.dump(value) if e.setting.dump is not None else value
        return out

    @classmethod
    def _before(cls, data: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        """A hook: adjust the raw given values before each is parsed (e.g. one value meaning another key)."""
        return data

    @classmethod
    def _after(cls, values: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        """A hook: checks across fields of what was given (attribute -> parsed value)."""
        return values


# -- parsers for common kinds of field --------------------------------------------------------------------------


def whole(low: int, high: int | None = None) -> Parse:
    """A whole number >= ``low`` (and <= ``high``, where given): an int, or its decimal text."""

    def parse(value: Any, name: str) -> int:
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} {value!r}: a whole number >= {low} is required")
        if high is not None and value > high:
            raise ValueError(f"{name} {value!r}: a whole number from {low} to {high:,} is required")
        return value

    return parse


def decimal_comma(text: str, name: str) -> str:
    """A hint for a number written with a decimal comma (``0,5``): "" when ``text`` is not one."""
    t = text.strip()
    if re.fullmatch(r"[-+]?\d+,\d+", t):
        return f" (decimals take a point: {name} {t.replace(',', '.')})"
    return ""


def finite(value: Any, name: str) -> float:
    """A finite number (int, float or its text) as a float."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"{name} {value!r}: a finite number is required{decimal_comma(value, name)}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} {value!r}: a finite number is required")
    return float(value)


def boolean(value: Any, name: str) -> bool:
    """true or false (a bool, or the words)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ValueError(f"{name} {value!r}: true or false is required")
    return value


def text(value: Any, name: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} {value!r}: a non-empty text is required")
    return value


def path(value: Any, name: str) -> str:
    """A file or directory path (kept as text)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return text(value, name)


def choice(*allowed: str) -> Parse:
    """One of ``allowed``, in any case (``SAME-LR`` is same-lr, as ``FULL`` is a full batch and ``ADAM`` adam)."""

    def parse(value: Any, name: str) -> str:
        found = next((a for a in allowed if isinstance(value, str) and value.strip().lower() == a.lower()), None)
        if found is None:
            raise ValueError(f"{name} {value!r} is not allowed{close_matches(str(value), allowed)}; choose one of "
                             f"{', '.join(allowed)}")
        return found

    return parse


def table(value: Any, name: str) -> dict[str, Any]:
    """A table of named values (a TOML table, a JSON object)."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"{name} {value!r}: a table of name = value pairs is required")
    return dict(value)
