"""Checks of names against the names allowed, with close matches suggested: the part of
:mod:`descend._checks` that imports nothing heavy (the settings schema and the command line use it before
torch is needed)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable


def near(name: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The choices closest to ``name``, case aside (``PRICE`` finds ``price``), as they are spelt."""
    spelt: dict[str, str] = {}
    for choice in choices:
        spelt.setdefault(choice.lower(), choice)
    return [spelt[f] for f in difflib.get_close_matches(name.lower(), list(spelt), n=n, cutoff=cutoff)]


def close_matches(name: str, choices: Iterable[str]) -> str:
    """A ``"; did you mean 'x'?"`` suffix for an error message, or ``""`` when nothing is close."""
    found = near(name, choices)
    if not found:
        return ""
    return "; did you mean " + " or ".join(repr(f) for f in found) + "?"


#: One item of a comma-separated list: in double quotes (a quote inside doubled), kept as it is, or without them,
#: up to the next comma.
_ITEM = re.compile(r'\s*(?:"((?:[^"]|"")*)"\s*|([^",\s][^,]*|))(?=,|\Z)')


def split_items(text: str) -> list[str] | None:
    """A comma-separated list's items, read as the command line's ``--features`` and ``--na-values`` take them: an
    item in double quotes is kept exactly, spaces at its ends too (``id,"price, usd"``, ``"trail "``; a quote
    inside doubled), any other item with the spaces at its ends removed. None when a quote is not closed, or text
    follows a closing quote. :func:`join_items` writes a list back.

    >>> split_items(' a , "trail ","x, y","a ""b"" c"')
    ['a', 'trail ', 'x, y', 'a "b" c']
    >>> split_items('"open'), split_items('"a"b')
    (None, None)
    """
    items: list[str] = []
    pos = 0
    while True:
        match = _ITEM.match(text, pos)
        if match is None:
            return None
        quoted, plain = match.groups()
        items.append(quoted.replace('""', '"') if quoted is not None else plain.strip())
        pos = match.end() + 1  # past the comma
        if match.end() == len(text):
            return items


def join_items(items: Iterable[object]) -> str:
    """Items as one comma-separated text that :func:`split_items` reads back the same: an item holding a comma or
    a double quote, or with spaces at its ends, in double quotes.

    >>> join_items(["a", "trail ", "x, y", 'a "b" c'])
    'a,"trail ","x, y","a ""b"" c"'
    >>> split_items(join_items([" both ", "a"]))
    [' both ', 'a']
    """
    texts = [str(item) for item in items]
    return ",".join('"' + t.replace('"', '""') + '"' if "," in t or '"' in t or t != t.strip() else t
                    for t in texts)


def printable(text: object) -> str:
    r"""``text`` with its control characters (ESC, BEL, CR, a newline, ...: Unicode's category Cc) written as a
    Python string literal writes them (``\x1b``, ``\n``), so that a name from a file or the command line shown in a
    message cannot clear the terminal or move its cursor; any other text, in any script, as it is. The one rule for
    a name shown on the terminal (:func:`shell_word` for one in a command to copy).

    >>> print(printable("x\x1b[2Jcleared"), printable("b\x07\r\n"), printable("売上 ü"))
    x\x1b[2Jcleared b\x07\r\n 売上 ü
    """
    import unicodedata

    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in str(text))


def shell_word(text: object) -> str:
    r"""``text`` as one word of a command shown to copy: quoted as :func:`shlex.quote` does, and one holding control
    characters in the shell's ``$'...'`` with them escaped (:func:`printable`), which types the same text.

    >>> print(shell_word("a b"), shell_word("plain"), shell_word("it's\x1b[2J"))
    'a b' plain $'it\'s\x1b[2J'
    """
    import shlex

    text = str(text)
    if printable(text) == text:
        return shlex.quote(text)
    return "$'" + printable(text.replace("\\", "\\\\").replace("'", "\\'")) + "'"


def metric_words(metric: str) -> str:
    """A summary column as words: ``final_train_loss`` → "final training loss".

    >>> metric_words("final_train_loss"), metric_words("final_validation_accuracy")
    ('final training loss', 'final validation accuracy')
    """
    return metric.replace("_", " ").replace("train ", "training ")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, agreeing: "1 trial", "2 trials" ("1 batch", "2 batches" with ``plural``).

    >>> counted(1, "trial"), counted(3, "run"), counted(2, "batch", "batches")
    ('1 trial', '3 runs', '2 batches')
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def ordinal(n: int) -> str:
    """The ordinal of ``n`` in English, as a figure's legend says "every 2nd update".

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 22, 32, 101)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '22nd', '32nd', '101st']
    """
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def slug(name: object, empty: str = "task") -> str:
    """``name`` as a folder or study name: runs of characters other than letters, digits, ``_``, ``.`` and ``-``
    made one ``-``, no ``-`` or ``.`` at either end (never ``.`` or ``..``, nor a hidden folder), at most 60
    characters (``empty`` when nothing is left).

    >>> slug("x**2 + 10*sin(y)"), slug("***"), slug(".."), slug(".data."), slug("..", "csv")
    ('x-2-10-sin-y', 'task', 'task', 'data', 'csv')
    """
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip("-.")[:60] or empty


def folder_name(task: object) -> str:
    """A task's folder (and file) name in ``reports/``: :func:`slug` of its name (``csv`` for a CSV file's task
    whose name leaves nothing, the file ``..csv``), and for a typed formula (every one named ``formula``)
    ``formula-`` with the formula's slug and the start of its digest, so that two formulas' reports do not share a
    folder (``x+y`` and ``x-y`` have one slug).

    >>> from types import SimpleNamespace as Task
    >>> folder_name(Task(name="ellipse", facts=())), folder_name(Task(name="formula", facts=(("formula", "x-y"),)))
    ('ellipse', 'formula-x-y-aace07')
    >>> folder_name(Task(name=".", facts=(), options={"path": "..csv"}))
    'csv'
    """
    import hashlib
    import re

    text = formula_of(task)
    if not text:
        return slug(task.name, "csv" if "path" in getattr(task, "options", {}) else "task")
    return re.sub(r"-+", "-", f"formula-{slug(text, '')[:40]}-{hashlib.sha1(text.encode()).hexdigest()[:6]}")


def formula_of(task: object) -> str | None:
    """The formula a typed formula's task was made from (every one is named ``formula``), else None."""
    return dict(getattr(task, "facts", ())).get("formula") if getattr(task, "name", None) == "formula" else None


def check_names(given: Iterable[str], allowed: Iterable[str], *, what: str = "option",
                hint: Callable[[str], str] | None = None) -> None:
    """Raise a ValueError for the first name in ``given`` that is not in ``allowed`` (``hint(name)``, when
    given and not empty, takes the place of the close matches)."""
    allowed = list(dict.fromkeys(allowed))  # each name once
    for name in given:
        if name not in allowed:
            raise ValueError(
                f"unknown {what} {name!r}{(hint and hint(name)) or close_matches(name, allowed)} "
                f"(allowed: {', '.join(sorted(allowed))})"
            )


def optimizer_of(label: str) -> str:
    """The registry name a label starts with: ``"sgd(momentum=0.9)"`` → ``"sgd"``, ``"adam (lr 0.01)"`` →
    ``"adam"``, ``"adam:beta1=0.8"`` → ``"adam"`` (the one rule: a report's colours and the selection's choices
    read it).

    >>> optimizer_of("sgd(momentum=0.9) (lr 0.1)"), optimizer_of("Adam:beta1=0.8")
    ('sgd', 'adam')
    """
    match = re.match(r"\s*([A-Za-z][\w-]*)", str(label))
    return match.group(1).lower() if match else str(label).strip().lower()
