"""The ``descend`` command line: a thin layer over the library.

    descend list                 optimizers, losses, schedules, tasks and landscapes, one line each
    descend list optimizers      just one kind
    descend card TASK            what a task is, its data, model, loss and known answer
    descend compare TASK         compare optimizers on a task; writes an HTML report, figures, CSV/JSON
    descend landscape NAME       paths of several optimizers over a 2-D landscape (figure, animation)
    descend show REPORT_DIR      a finished comparison's summary table
    descend report REPORT_DIR    rebuild a report's figures and HTML from its saved results
    descend tune TASK            hyperparameter search on Optuna, K trials trained as one batched program
    descend play                 the interactive playground in a browser (a local web server)
    descend dashboard OUT_DIR    Optuna's web dashboard for a study of descend tune (optuna-dashboard)
    descend --version
"""

from __future__ import annotations

import contextlib
import errno
import functools
import importlib
import inspect
import itertools
import json
import os
import re
import shlex
import sys
from enum import Enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
import typer.core
from rich.console import Console
from rich.table import Table

from . import __version__
from ._names import folder_name, shell_word
from ._streams import Unbroken
from .catalog import FORMER_COLUMNS, TEST_LOSS_UNSTANDARDISED, TEST_RMSE
from .compare_config import DATA_KEYS, TRAINING_KEYS, Config, batch_label


class _Argument(typer.core.TyperArgument):
    """A positional argument shown by its metavar alone (``TASK``, ``[KIND]``), as click does, not followed
    by the Python type (``TASK <str>``, ``{TASK}``)."""

    def display_type_rich(self, ctx: Any) -> Optional[str]:
        return None if self.metavar is not None else super().display_type_rich(ctx)

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return name if self.required else f"[{name}]"


#: The errors of a write to a full or failing disk: the standard output's, said as such (``>/dev/full``).
_OUTPUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG)


def _comma_joined(values: Sequence[str]) -> str:
    """Words a list option was given as (``--drop id, zip``: ``id,`` and ``zip``) as its one value, ``id,zip``:
    each as typed (a name with a comma, quoted already, stays so), the commas between them once."""
    return ",".join(v.strip().strip(",") if '"' not in v else v.strip() for v in values if v.strip().strip(","))


def _options_part(given: list[str]) -> list[str]:
    """The words of a command line before ``--`` (after it, none is an option)."""
    return given[:given.index("--")] if "--" in given else given


class _Command(typer.core.TyperCommand):
    """Every command's arguments as :class:`_Argument`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is typer.core.TyperArgument:
                param.__class__ = _Argument

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Click's parsing; a formula that starts with a minus (``-x**2 - y**2``) reads as an unknown option, so
        its error says how to give it: after ``--``."""
        given = list(args)  # (the parser consumes the list)
        try:
            rest = super().parse_args(ctx, args)
        except Exception as e:  # Click's NoSuchOption (Typer's copy of Click, or Click)
            name = str(getattr(e, "option_name", "")) if type(e).__name__ == "NoSuchOption" else ""
            # Click names the first letter after the minus ('-exp(-x**2)': -e; '-hypot(x, y)': -h is help, then -y):
            # the word typed is the one with a formula's characters
            formulas = self._dashed_formulas(given) if name else []
            if name in ("-x", "-y") or any(ch in name for ch in "*+/()^ .") or formulas:
                typed = next((a for a in formulas if a.startswith(name)), formulas[0] if formulas else
                             next((a for a in given if a.startswith(name)), name))  # the whole formula
                e.message = (f"No such option: {name}. A formula that starts with a minus goes after --, which ends "
                             f"the options: descend {ctx.info_name} [OPTIONS] -- {shlex.quote(typed)}")
            elif name in self.OTHER_COMMANDS.get(ctx.info_name, {}) and hasattr(e, "message"):
                e.message = f"No such option: {name}. {self.OTHER_COMMANDS[ctx.info_name][name]}"
            elif (taken := self._value_forgotten(given)) is not None and hasattr(e, "message"):
                flag, other = taken  # --steps --lr 0.1: --steps took "--lr" as its value, and 0.1 was left over
                e.message = f"{flag} needs a value (it took the option {other} as its value): give {flag} VALUE"
            elif (spaced := self._spaced_list(given)) is not None and "unexpected extra argument" in str(e):
                flag, values = spaced  # --lr 0.01 0.1: the second value left over as an argument
                what = {"na_values": "texts"}.get(flag.lstrip("-").replace("-", "_"), "columns") if (
                    flag.lstrip("-").replace("-", "_") in self.COLUMN_LISTS) else "values"
                _fail(f"{flag} takes several {what} in one, separated by commas without spaces: {flag} "
                      f"{shlex.quote(_comma_joined(values))}")
            raise
        self._check_given_once(ctx, given)
        self._check_spaced_columns(ctx, given)
        return rest

    #: Options that list a CSV file's columns, or texts (its missing values' markers): any words.
    COLUMN_LISTS = ("drop", "features", "categorical", "na_values")

    def _check_spaced_columns(self, ctx: Any, given: list[str]) -> None:
        """A list of columns separated by spaces (``--drop id zip``) left its second name as the TASK argument,
        which a CSV file does not take: said as the list it is."""
        if ctx.params.get("csv") is None or ctx.params.get("task") is None:
            return
        flags = self._options()
        options = _options_part(given)
        for i, token in enumerate(options):
            param = flags.get(token)
            if param is None or param.name not in self.COLUMN_LISTS:
                continue
            values = list(itertools.takewhile(lambda t: not t.startswith("-"), options[i + 1:]))
            if len(values) > 1 and ctx.params["task"] in values[1:]:
                flag = max([*param.opts, *param.secondary_opts], key=len)
                what = "texts" if param.name == "na_values" else "columns"
                _fail(f"{flag} takes several {what} in one, separated by commas without spaces: {flag} "
                      f"{shell_word(_comma_joined(values))}")

    def _options(self) -> dict[str, Any]:
        """Each option's flags (``--steps``, ``--no-compile``, ...) to its parameter."""
        return {name: param for param in self.params if param.param_type_name == "option"
                for name in (*param.opts, *param.secondary_opts)}

    def _dashed_formulas(self, given: list[str]) -> list[str]:
        """The words before ``--`` that read as a formula starting with a minus, not an option's value (``--start
        -1.5,2``, ``--target -1.03``: a mistyped option beside them was told to put -1.5,2 after --)."""
        takes_value = {name for name, param in self._options().items() if not param.is_flag}
        options = _options_part(given)
        return [a for i, a in enumerate(options) if re.fullmatch(r"-[^-].*[*+/()^ .,].*", a)
                and not (i and options[i - 1] in takes_value)]

    def _value_forgotten(self, given: list[str]) -> tuple[str, str] | None:
        """An option given no value, followed by another option (which it then took as its value)."""
        flags = self._options()
        options = _options_part(given)
        for token, following in zip(options, options[1:]):
            param = flags.get(token)
            if param is not None and not param.is_flag and following in flags:
                return token, following
        return None

    #: Another command's options given to this one: what this one calls them.
    OTHER_COMMANDS = {"compare": {"--trials": "descend compare's trial budget is --budget N, with --mode tuned "
                                              "(descend tune's --trials: a search of its own)",
                                  "--space": "descend compare --mode tuned searches the learning rate alone; "
                                             "descend tune searches a --space"}}

    #: Options whose one value may list several, comma-separated (a second flag's value would be lost).
    LISTS = ("lr", "batch_size", "drop", "features", "categorical", "na_values")

    def _spaced_list(self, given: list[str]) -> tuple[str, list[str]] | None:
        """A list option (or a point, ``--start X,Y``) whose values were separated by spaces: the flag and its values
        (``--lr 0.01 0.1``), or None."""
        flags = self._options()
        options = _options_part(given)
        for i, token in enumerate(options):
            param = flags.get(token)
            if param is None or param.name not in (*self.LISTS, "start"):
                continue
            values = list(itertools.takewhile(lambda t: not t.startswith("--") and not re.fullmatch(r"-[A-Za-z]", t),
                                              options[i + 1:]))
            if len(values) > 1 and (param.name in self.COLUMN_LISTS or all(
                    re.fullmatch(r"[-+0-9.eE,]+|full|hybrid\S*", v) for v in values[1:])):
                return max([*param.opts, *param.secondary_opts], key=len), values
        return None

    def _check_given_once(self, ctx: Any, given: list[str]) -> None:
        """An option of one value given twice (``--lr 0.1 --lr 0.01``) kept the last, without a word."""
        options = _options_part(given)
        for param in self.params:
            if param.param_type_name != "option" or param.multiple or param.is_flag:
                continue
            names = [*param.opts, *param.secondary_opts]
            values = []
            for i, token in enumerate(options):
                if token in names:
                    values.append(options[i + 1] if i + 1 < len(options) else "")
                elif token.startswith("--") and "=" in token and token.split("=", 1)[0] in names:
                    values.append(token.split("=", 1)[1])
            if len(values) > 1:
                flag = max(names, key=len)
                hint = (f"; several values go in one, comma-separated: {flag} {shlex.quote(','.join(values))}"
                        if param.name in self.LISTS else "")
                times = "twice" if len(values) == 2 else f"{len(values)} times"
                _fail(f"{flag} is given {times} ({', '.join(values)}): give it once{hint}")


app = typer.Typer(
    name="descend",
    help="Train, compare and see gradient-based optimizers.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},  # every command's -h, as most tools take it
)


class What(str, Enum):
    all = "all"
    optimizers = "optimizers"
    losses = "losses"
    schedules = "schedules"
    tasks = "tasks"
    landscapes = "landscapes"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"descend {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Train, compare and see gradient-based optimizers."""


# `descend list` reads the light registry (descend.catalog), which the modules of the real objects read too:
# the list needs neither torch nor the data sets


def _optimizers() -> Table:
    from .catalog import OPTIMIZERS, RANDOM_SEARCH

    table = Table(title="Optimizers (descend.optim.get(name))", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("lr", justify="right")
    table.add_column("state", justify="right")
    table.add_column("description")
    for name, info in OPTIMIZERS.items():
        table.add_row(name, f"{info.lr:g}", str(info.state), info.description)
    table.add_row(RANDOM_SEARCH[0], "—", "0", RANDOM_SEARCH[1])
    table.caption = ("lr: default learning rate; state: tensors kept per parameter (memory); "
                     "random-search: the gradient-free baseline (descend compare and descend.fit run it; it has "
                     "no update rule for descend.optim.get, and nothing for descend tune to tune)")
    return table


def _losses() -> Table:
    from .catalog import LOSSES

    table = Table(title="Losses (descend.losses.get_loss(name))", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("kind")
    table.add_column("description")
    for name, info in LOSSES.items():
        table.add_row(name, info.kind, info.description)
    return table


def _schedules() -> Table:
    from .catalog import SCHEDULES

    table = Table(title="Schedules (descend.schedules.get_schedule(name, ...))", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description")
    for name, description in SCHEDULES.items():
        table.add_row(name, description)
    table.caption = ("--schedule NAME multiplies each run's --lr: its value (max_value for one_cycle) is 1, so that "
                     "cosine:min_value=0.01 anneals to a hundredth of --lr and one_cycle:max_value=10 peaks at ten "
                     "times it")
    return table


def _tasks() -> Table:
    from .catalog import TASKS

    table = Table(title="Tasks (descend.fit(task=name), descend card NAME)", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("kind")
    table.add_column("description")
    for name, entry in TASKS.items():
        table.add_row(name, entry.group, entry.summary)
    table.caption = ("every landscape (descend list landscapes) is a task too, and so is any CSV file: "
                     "descend compare --csv FILE --column COL")
    return table


def _landscapes() -> Table:
    from .catalog import LANDSCAPES

    table = Table(title="Landscapes (descend.landscapes.get(name), a task of the same name)", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("J(x, y)")
    table.add_column("minima", justify="right")
    table.add_column("saddles", justify="right")
    for name, scape in LANDSCAPES.items():
        minima = f"{scape.minima}+" if scape.more_minima else str(scape.minima)
        table.add_row(name, scape.formula, minima, str(scape.saddles))
    table.caption = ("N+: N minima listed, nearest the global one, of many; saddles include degenerate ones; "
                     "any formula in x and y is a landscape too: descend compare 'x**2 + 10*sin(y)'")
    return table


@app.command("list", cls=_Command, short_help='List the optimizers, losses, schedules, tasks and landscapes.')
def list_(what: str = typer.Argument(
    What.all.value, metavar="KIND", show_default=False,
    help="What to list: all (default), optimizers, losses, schedules, tasks or landscapes.")) -> None:
    """List the optimizers, losses, schedules, tasks and landscapes, one line each."""
    from ._names import close_matches

    kinds = [w.value for w in What]
    if what not in kinds:
        _fail(f"unknown kind {what!r}{close_matches(what, kinds)} (allowed: {', '.join(kinds)})")
    console = Console()
    builders = {What.optimizers: _optimizers, What.losses: _losses, What.schedules: _schedules,
                What.tasks: _tasks, What.landscapes: _landscapes}
    for kind, build in builders.items():
        if what in (What.all.value, kind.value):
            console.print(build())
            console.print()


@app.command("card", cls=_Command, short_help="Print a task's card: its data, model, loss and known answer.")
def card(task: str = typer.Argument(..., metavar="TASK",
                                    help="A task or landscape name (see `descend list tasks`), or a formula in x, y "
                                         "such as 'x**2 + 10*sin(y)'.")) -> None:
    """Print a task's card: what it is, its data, model, loss, known answer and sensible learning rates."""
    from .compare_config import get_task

    try:
        built = get_task(task)  # what descend compare and tune take as TASK
    except ValueError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    typer.echo(built.card())


# -- compare -----------------------------------------------------------------------------------------------------


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _failed_while_running(message: str) -> None:
    """A failure while the command ran, not a usage error (an optimizer's rule that raised,
    :class:`descend.engine.RuleFailed`): one line, exit code 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _read_config(path: Path, schema: type = Config, *, csv_given: bool = True,
                 notes: list[str] | None = None) -> dict[str, Any]:
    """The settings of a TOML file, its keys checked against ``schema``'s. ``csv_given``: the command line gives
    ``--csv`` (else the file's ``csv``, read from the file's folder, must be there; a report's config.toml whose file
    is gone reads it where ``descend report`` finds it, :func:`_report_csv`, said in ``notes``)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    from ._checks import check_names

    try:  # TOML is UTF-8 whatever the locale; a byte-order mark (Windows Notepad's) is read past
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ValueError(f"--config {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ValueError(f"--config {str(path)!r} is a directory; give the TOML file of the settings") from None
    except UnicodeDecodeError:
        raise ValueError(f"--config {str(path)!r} is not UTF-8 text, which a TOML file is: save it as UTF-8") from None
    except OSError as e:
        raise ValueError(f"--config {str(path)!r} cannot be read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"--config {str(path)!r} is not valid TOML: {e}") from None
    switches = [key for key in data if key in _COMMAND_SWITCHES]
    if switches:  # how the command writes, not what it compares: those stay on the command line
        flag = "--" + switches[0].replace("_", "-")
        raise ValueError(f"--config {str(path)!r}: {switches[0]} is a switch of the command, not a setting of the "
                         f"comparison; give {flag} on the command line")
    check_names(list(data), schema.keys(), what=f"key in {path}")
    csv = data.get("csv")
    if isinstance(csv, str) and csv.strip() and not Path(csv).expanduser().is_absolute():
        data["csv"] = str(Path(path).parent / csv)  # as a file names its data: from the file's own folder
        if not csv_given and not Path(data["csv"]).exists() and Path(csv).is_file():  # as an earlier release wrote
            # it (from the folder it ran in): the file that was meant is not known
            raise ValueError(f"--config {str(path)!r}: csv = {csv!r} is read from the file's folder, which holds no "
                             f"such file ({data['csv']!r}); the {csv!r} of the folder you are in is not taken for it: "
                             f"write its path in {Path(path).name} (absolute, or from the file's folder), or give "
                             f"--csv {shlex.quote(str(Path(csv).resolve()))}")
    if isinstance(csv, str) and csv.strip() and not csv_given and not Path(data["csv"]).expanduser().exists():
        data["csv"] = _report_csv(path, csv, data["csv"], notes)
    plugins = data.get("plugin")
    if isinstance(plugins, (list, str)):  # a plugin file the same way (a module's name is imported as it is)
        def beside(p: Any) -> Any:
            from .compare_config import plugin_is_file

            file = isinstance(p, str) and plugin_is_file(p) and not Path(p.strip()).expanduser().is_absolute()
            return str(Path(path).parent / p.strip()) if file else p

        data["plugin"] = [beside(p) for p in plugins] if isinstance(plugins, list) else beside(plugins)
    return data


def _report_csv(path: Path, csv: str, named: str, notes: list[str] | None) -> str:
    """The CSV file that ``path``, the config.toml of a report (its folder holds comparison.json), reads where the
    file it names (``named``; ``csv`` as written) is gone: the first found where ``descend report`` looks for the
    report's data (:func:`descend.report.saved.csv_places`: at the same place relative to the report's folder as when
    the report was written, in the folder, beside it), said in ``notes``; none found, a ValueError naming the places
    and --csv. Not a report's config.toml: ``named``, which the task says is not there."""
    from .report.saved import RECORD, csv_places

    folder = Path(path).parent
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return named
    places = csv_places(csv, folder, record) if isinstance(record, dict) else []
    found = next((place for place in places[1:] if place.is_file()), None)
    if found is not None:
        said = "the first file found where descend report looks, its numbers not those the runs trained on"
        try:  # the place descend report reads: the first holding the runs' numbers (decided there)
            from .report.saved import described

            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover - Python 3.10
                import tomli as tomllib
            settings = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
            found, said = Path(described(folder, record, settings, repr(str(folder)))[0].csv), (
                "the report's data where descend report finds it")
        except (ValueError, OSError, KeyError, TypeError, AttributeError):  # none holds them, or config.toml was
            pass  # edited for a new comparison: the first file found, said as such
        if notes is not None:
            notes.append(f"csv (in {path}): {named!r} is not there; comparing on {str(found)!r}, {said} (--csv FILE "
                         "gives another file)")
        return str(found)
    if len(places) < 2:
        return named
    raise ValueError(f"--config {str(path)!r}: the CSV file {named!r} (csv) is not there, nor at "
                     f"{' or '.join(repr(str(p)) for p in places[1:])}, where descend report looks for a report's "
                     f"data: give the file to compare on with --csv FILE")


#: The switches of ``descend compare`` that are not settings of the comparison (not read from --config).
_COMMAND_SWITCHES = ("force", "quiet", "no_animation", "svg", "mp4", "config")


def _schema_parameters(schema: type, keys: Sequence[str] | None = None,
                       helps: Mapping[str, str] | None = None) -> list[inspect.Parameter]:
    """The command-line parameters of a :class:`descend.schema.Schema`'s fields (those of ``keys`` only, when
    given): an option (or argument) per field, all defaulting to None (not given), so that a --config file's
    values apply unless overridden. ``helps``: a field's help in this command's words, where the schema's speaks
    of another command's options."""
    out = []
    for entry in schema.entries():
        if keys is not None and entry.key not in keys:
            continue
        s = entry.setting
        if helps and entry.key in helps:
            s = replace(s, help=helps[entry.key])
        if s.argument:
            annotation, default = Optional[str], typer.Argument(None, metavar=s.metavar, help=s.help,
                                                                show_default=False)
        elif not entry.flags:
            continue  # a TOML / dict setting only
        elif s.switch:
            flag = entry.flags[0]
            annotation, default = Optional[bool], typer.Option(None, f"{flag}/--no-{flag[2:]}", *entry.flags[1:],
                                                               help=s.help, show_default=False)
        else:
            annotation = Optional[list[str]] if s.repeat else Optional[str]
            default = typer.Option(None, *entry.flags, metavar=s.metavar, help=s.help, show_default=False)
        out.append(inspect.Parameter(entry.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                     annotation=annotation))
    return out


def _with_settings(schema: type, keys: Sequence[str] | None = None, helps: Mapping[str, str] | None = None) -> Any:
    """Give a command (``def command(own options..., **settings)``) one option per field of ``schema`` (per
    field of ``keys``, after the command's own, when given; ``helps``: as :func:`_schema_parameters`)."""

    def wrap(function: Any) -> Any:
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
               for p in inspect.signature(function, eval_str=True).parameters.values()
               if p.kind is not inspect.Parameter.VAR_KEYWORD]
        settings = _schema_parameters(schema, keys, helps)
        function.__signature__ = inspect.Signature(settings + own if keys is None else own + settings)
        return function

    return wrap


def _settings(schema: type, given: dict[str, Any], config: Optional[Path]) -> Any:
    """The schema's instance from a --config file and the command line's options (which win), each checked;
    an error names the setting as the user gave it (``--lr``, or ``lr (in FILE)``)."""
    return _named_settings(schema, given, config)[0]


def _check_mp4(mp4: Any, task: Any) -> None:
    """--mp4 for a task without paths to animate (no two-parameter surface): refused, as with --no-animation (no
    video was written, without a word)."""
    if mp4 and getattr(task, "surface", None) is None:
        raise ValueError(f"--mp4 writes the animation of the paths over a two-parameter task's surface, and task "
                         f"{task.name!r} has none (its report has no animation): leave --mp4 out")


def _named_settings(schema: type, given: dict[str, Any],
                    config: Optional[Path]) -> tuple[Any, dict[str, str], list[str]]:
    """:func:`_settings`, each setting's name as the user gave it, for the checks made later (the task's), and
    the notes on what of the --config file the command line took out (:meth:`descend.schema.Schema.overlay`)."""
    entries = {e.name: e for e in schema.entries()}
    data: dict[str, Any] = {}
    found: list[str] = []  # where a report's CSV file was found, moved since (_report_csv)
    names = schema.flags()
    if config is not None:
        data = _read_config(config, schema, csv_given=given.get("csv") is not None, notes=found)
        names.update({key: f"{key} (in {config})" for key in data})
    flagged = {}
    for name, value in given.items():
        entry = entries[name]
        if value is None or (entry.setting.repeat and not value):
            continue
        flagged[entry.key] = list(value) if entry.setting.repeat else value
        names[entry.key] = entry.flag
    data, notes = schema.overlay(data, flagged, str(config)) if config is not None else (flagged, [])
    return schema.from_dict(data, names=names), names, [*found, *notes]


class _Progress:
    """A Rich progress bar fed by descend.fit's progress events: runs done, steps per second, time left."""

    def __init__(self, total_cohorts: int, quiet: bool) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.quiet = quiet
        self.total = total_cohorts
        self.done_cohorts = 0.0
        self.runs = 0
        self.steps = 0
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[runs]} runs"), TextColumn("{task.fields[rate]} steps/s"),
            TextColumn("•"), TimeElapsedColumn(), TextColumn("elapsed •"), TimeRemainingColumn(), TextColumn("left"),
            console=Console(file=Unbroken(), stderr=True), disable=quiet, transient=False,
        )
        self.task = self.progress.add_task("training", total=total_cohorts, runs=0, rate="-")
        self.started = None

    def __enter__(self) -> "_Progress":
        import time

        from .progress import start

        self.started = time.perf_counter()
        start(self.progress)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def __call__(self, event: dict[str, Any]) -> None:
        import time

        self.steps += event["runs"]
        members = event.get("members", 1)  # the cohorts of the group that trains (one per optimizer and batch size)
        if event["step"] == event["steps"]:
            self.done_cohorts += members
            self.runs += event["runs"]
        fraction = self.done_cohorts + (members * event["step"] / event["steps"] if event["step"] < event["steps"]
                                        else 0)
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        if event["step"] % 10 == 0 or event["step"] == event["steps"]:
            self.progress.update(self.task, completed=min(fraction, self.total), runs=self.runs,
                                 rate=f"{self.steps / elapsed:,.0f}")


@app.command("compare", cls=_Command, short_help='Compare optimizers on a task and write a report.')
@_with_settings(Config)
def compare_command(
    config: Optional[Path] = typer.Option(None, metavar="FILE", help="A TOML file of the comparison's settings: "
                                          "the keys of these options (and task_options), not the switches --force, "
                                          "--quiet, --no-animation, --svg and --mp4; a relative csv or plugin path in "
                                          "it is read from its folder; an option given on the command line wins over "
                                          "the file."),
    force: bool = typer.Option(False, "--force", help="Replace the report already in --out (its files only: a "
                               "directory holding anything else is refused)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar; print only where the report is."),
    no_animation: bool = typer.Option(False, "--no-animation", help="Skip the GIF of the paths (2-D tasks)."),
    svg: bool = typer.Option(False, "--svg", help="Also write every figure as SVG (figures/NAME.svg) next to its "
                             "PNG; the page shows the PNGs."),
    mp4: bool = typer.Option(False, "--mp4", help="Also write the animation of the paths as a video (paths.mp4) "
                             "next to paths.gif (2-D tasks)."),
    **settings: Any,
) -> None:
    """Compare optimizers on a task and write a report (HTML, figures, CSV, JSON, the resolved config).

    \b
    Examples:
      descend compare ellipse
      descend compare rosenbrock -o gd -o adam --lr 1e-3..1e-1:4 --start -1.5,2
      descend compare 'x**2 + 10*sin(y)' --steps 500
      descend compare house-prices --loss huber --mode tuned
      descend compare digits --init xavier --clip-norm 1 --batch-size 32
      descend compare --csv houses.csv --column price --kind regression --drop id --dropna
      descend compare --csv data.csv --column label --kind classification --sep ';' --encoding latin-1
    """
    import time
    import warnings

    from .report.render import warm_up

    # the report's drawing processes get ready on the other core while this one imports torch (before training,
    # which may take both cores: descend.engine.train's processes)
    if mp4 and no_animation:  # the video is the animation's: nothing would be written, without a word
        _fail("--mp4 writes the animation of the paths as a video, and --no-animation writes no animation: give "
              "one of them")
    try:
        warm_up()
    except ValueError as e:  # DESCEND_REPORT_WORKERS that is not a number of processes: before any work
        _fail(str(e))
    from ._interrupts import interrupt_after

    try:  # a C extension's import cut short by Ctrl-C aborted the process (pybind11) or failed later: whole
        with interrupt_after():
            importlib.import_module("torch")
            from . import compare as cmp
            from .engine import RuleFailed
            from .report.build import CLI_NAMES, ReportExists, check_json, check_out, prefetch_surface, write_report
            from .report.saved import DEFAULT_OUT
            from .report.timings import since_start
    except KeyboardInterrupt:
        _interrupted_at_start()

    started, startup = time.perf_counter(), since_start()  # what the report's timings.json records
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FutureWarning)
            given, names, notes = _named_settings(Config, settings, config)
        for note in [*(str(warning.message) for warning in caught), *notes]:
            typer.echo(f"note: {note}", err=True)
        resolved, built = given.resolved(names=names)  # a file's value named as the file's: "start (in FILE)"
        out_dir = check_out(given.out or Path("reports") / folder_name(built), force=force,
                            flag="--out" if given.out else DEFAULT_OUT, data=resolved.csv)
        check_json(given.json, out_dir, data=resolved.csv)
        _check_mp4(mp4, built)
    except ValueError as e:
        _fail(str(e))
    except MemoryError:  # a task built larger than memory (--task-option m=1000000000): the options to make smaller
        from .compare_config import task_too_large

        _fail(task_too_large(settings.get("task_options") or ()))
    except KeyboardInterrupt:
        _interrupted_at_start()
    if not quiet:
        n = len(resolved.optimizers)
        typer.echo(f"training {n} optimizer{'s' * (n != 1)} on {built.name}, {cmp.mode_text(resolved)}; "
                   "Ctrl-C stops and writes the report from what finished", err=True)
    timings = {"startup": startup, "task": time.perf_counter() - started}
    try:
        with interrupt_after():  # (it imports the figures' modules)
            prefetch_surface(built, animation=not no_animation)  # and its surface's grids are evaluated there too
    except KeyboardInterrupt:
        _interrupted_at_start()
    try:
        with _Progress(cmp.trainings(resolved), quiet) as bar:
            comparison = cmp.compare(resolved, built, progress=bar)
    except RuleFailed as e:
        _failed_while_running(f"{e}; no report written")
    except ValueError as e:  # a configuration the checks above could not foresee
        _fail(str(e))
    except (MemoryError, RuntimeError) as e:
        from .compare_config import no_space, out_of_memory

        message = out_of_memory(e, "comparison", task_options=bool(given.task_options)) or no_space(e)
        if message is None:
            raise
        _fail(message)
    except KeyboardInterrupt:  # before training started (it keeps what finished): said, not a silent 130
        typer.echo("interrupted before any run finished a step: no report written", err=True)
        raise typer.Exit(130) from None
    timings["training"] = time.perf_counter() - started - timings["task"]
    if comparison.stopped_before_any_step:
        typer.echo("interrupted during the learning-rate search, before any re-run of its best trials (the runs the "
                   "report is made of): no report written" if resolved.mode == "tuned" else
                   "interrupted before any run reached its first evaluation (a run's results are what it recorded "
                   "there): no report written", err=True)
        raise typer.Exit(130)
    if comparison.interrupted:
        typer.echo("interrupted: writing the report from what finished", err=True)
    write = functools.partial(write_report, comparison, out_dir, json_path=given.json, force=force,
                              command={k: v for k, v in timings.items() if v is not None}, names=CLI_NAMES)
    drawn = True
    try:  # checked again as at the start: a report another command wrote there meanwhile is not replaced
        try:
            with _drawings_failed():
                html = write(animation=not no_animation, svg=svg, mp4=mp4)
        except KeyboardInterrupt:
            # the training is done: Ctrl-C (or kill, timeout) while the figures were drawn lost it, with the report
            # of the default comparisons taking longer than their training; a second one stops at once
            typer.echo("interrupted while the report was written: writing it without its figures (Ctrl-C again "
                       "stops at once)", err=True)
            drawn = False
            html = write(figures=False, animation=False)
    except ReportExists:
        _fail(f"--out {str(out_dir)!r}: another command wrote a report there while this one ran; it is kept, "
              "and this comparison's report is not written (run it again with another --out, or --force)")
    except KeyboardInterrupt:
        typer.echo(f"interrupted while writing the report: {out_dir} is as it was", err=True)
        raise typer.Exit(130) from None
    except (OSError, ValueError) as e:  # e.g. the disk filled up; out_dir is as it was
        _fail(f"the report could not be written to {str(out_dir)!r} ({e}); it is as it was")
    except MemoryError:  # its figures and files of every step of every run, after the training
        from .compare_config import out_of_memory

        fewer = "fewer --steps (or --epochs) or fewer runs (--lr values, --seeds, optimizers)"
        _fail(f"the report could not be written to {str(out_dir)!r}, which is as it was: "
              f"{out_of_memory(MemoryError(), 'report', fewer)}")
    if not quiet:
        title = f"{built.title} — {cmp.mode_text(resolved)}"
        Console().print(_table_of(_compact(comparison.table), comparison.winners, title,
                                  notes=_seeds_note(comparison.table)))
        if every := cmp.every_run_text(resolved):  # as descend tune says its trials' (the table shows neither)
            typer.echo(f"every run: {every}")
        # the table's notes, and the comparison's (an optimizer whose every search trial diverged is in no row)
        for note in [*comparison.table_notes, *(n for n in comparison.notes if not n.startswith("interrupted"))]:
            typer.echo(f"note: {note}")
        from .tasks.task import said_facts

        for fact in said_facts(built.facts):  # what could mislead about the data, as the report's card says it
            typer.echo(f"note: {fact}")
    _interruption_notes(comparison)
    if not drawn:
        typer.echo(f"note: the report has no figures: descend report {shlex.quote(str(out_dir))} --figures draws "
                   "them from its saved results")
    if not quiet:
        from .report.saved import model_names
        from .selection import CHOSEN_ON, chosen_label

        losses = comparison.table[CHOSEN_ON].to_dict() if CHOSEN_ON in comparison.table else {}
        _models_line(out_dir, model_names(comparison),
                     [label for label in comparison.table.index if comparison.models
                      and str(label) not in comparison.models], chosen_label(comparison.winners, losses))
    typer.echo(f"report: {html}")
    if comparison.interrupted or not drawn:
        raise typer.Exit(130)


def _models_line(out: Path, models: Mapping[str, str], without: Sequence[str] = (), chosen: str | None = None) -> None:
    """The line that names a comparison's model files (``models``: each optimizer label's representative run's) and
    how new rows are predicted with the one of the label ``chosen`` on validation data
    (:func:`descend.selection.chosen_label`; the first where it has none), and the optimizers ``without`` one (no
    run of theirs finished with a result); nothing where there is none."""
    from .selection import CHOSEN_ON

    if not models:
        return
    names = list(models.values())
    which = f" with {chosen}'s, the lowest median {CHOSEN_ON}" if chosen in models and len(models) > 1 else ""
    offered = shlex.quote(str(Path(out) / models.get(chosen, names[0])))
    none = (f"; none for {', '.join(without)}: {'its' if len(without) == 1 else 'their'} representative run has no "
            "result" if without else "")
    typer.echo(f"model{'s' * (len(names) > 1)}: {', '.join(names)} in {out} (each optimizer's representative run; "
               f"new rows{which}: descend predict {offered} NEW_ROWS.csv){none}")


@contextlib.contextmanager
def _drawings_failed() -> Iterator[None]:
    """Say on the terminal, under --quiet too, each figure that raised an error while it was drawn (the report is
    written without it and says so in its notes; :class:`descend.report.build.DrawingFailed`)."""
    import warnings

    from .report.build import DrawingFailed

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DrawingFailed)
            yield
    finally:  # said once the recording has ended (inside it, showing a warning would record it again)
        for warning in caught:
            if issubclass(warning.category, DrawingFailed):
                typer.echo(f"warning: {warning.message}", err=True)
            else:  # another warning: as Python would show it
                warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


@app.command("report", cls=_Command, short_help='Rebuild a report from its saved results.')
def report_command(
    report: Path = typer.Argument(..., metavar="DIRECTORY", help="A report directory written by descend compare."),
    out: Optional[Path] = typer.Option(None, metavar="DIRECTORY", help="Write the rebuilt report here instead "
                                       "of replacing DIRECTORY's (DIRECTORY is left as it is); a --json file "
                                       "inside DIRECTORY is written there too, at the same place."),
    force: bool = typer.Option(False, "--force", help="Replace a report already in --out."),
    no_animation: bool = typer.Option(False, "--no-animation", help="Skip the GIF of the paths (2-D tasks)."),
    figures: Optional[bool] = typer.Option(None, "--figures/--no-figures", help="Draw (or not) the figures and "
                                           "the animation of the paths (2-D tasks); by default as the report did "
                                           "(one written after Ctrl-C while its figures were drawn has none)."),
    svg: Optional[bool] = typer.Option(None, "--svg/--no-svg", help="Write (or not) every figure as SVG too; by "
                                       "default as the report did."),
    mp4: Optional[bool] = typer.Option(None, "--mp4/--no-mp4", help="Write (or not) the animation as paths.mp4 "
                                       "too; by default as the report did."),
) -> None:
    """Rebuild a report's figures and HTML from its saved results (no training).

    It imports the plugin file that the report's config.toml names, Python that runs with your permissions: read
    that file first in a report folder from someone else.

    The JSON file of --json, where the comparison wrote it inside the report's directory, is part of the report:
    it is written again from the saved results (and with --out, into the new directory at the same place). One
    written outside the report's directory is not touched.
    """
    from .report.build import CLI_NAMES, ReportExists, check_out, json_inside, write_report
    from .report.render import warm_up
    from .report.saved import digest, load

    try:
        warm_up()  # started here, deaf to the signals a closed terminal sends every process (not by a worker thread)
    except ValueError as e:  # DESCEND_REPORT_WORKERS that is not a number of processes: before any work
        _fail(str(e))
    try:
        read = digest(report) if out is None else None  # rebuilt in place: this report, and no other, is replaced
        comparison, drawn = load(report)  # first: what is wrong with DIRECTORY is said of it, not of --out
        # rebuilt in place: the folder named as such, with no --force to speak of (the command replaces its own
        # report unasked); the CSV file the report reads from inside it is the report's data, kept
        names = CLI_NAMES if out is not None else {**CLI_NAMES, "out": "the folder", "force": None}
        target = check_out(out if out is not None else report, force=force or out is None, flag=names["out"],
                           force_flag=names["force"], data=comparison.config.csv)
    except ValueError as e:
        _fail(str(e))
    try:
        _check_mp4(mp4, comparison.task)
    except ValueError as e:
        _fail(str(e))
    if svg and figures is False:  # SVG copies of figures that are not drawn: nothing would be written, without a word
        _fail("--svg writes the figures as SVG too, and --no-figures draws none: give one of them")
    if figures is not None:  # the figures and the animation as asked, the extra formats with them unless asked
        drawn = {**drawn, "figures": figures, "animation": figures, "svg": drawn.get("svg", False) and figures,
                 "mp4": drawn.get("mp4", False) and figures}
    if mp4 and (no_animation or not drawn.get("animation", True)):  # the video is the animation's
        _fail("--mp4 writes the animation of the paths as a video, and " + (
            "--no-animation writes no animation: give one of them" if no_animation else
            f"{report} has no animation (it was written with --no-animation): add --figures, which draws the "
            "figures and the animation from the saved results"))
    inner = json_inside(report)  # the --json file the report holds: written again, not dropped
    # and how long the comparison's own phases took (its startup, task and training: not redone by a rebuild)
    try:
        ran = json.loads((Path(report) / "timings.json").read_text(encoding="utf-8")).get("command")
    except (OSError, ValueError, AttributeError):
        ran = None
    try:
        # a report saved before --svg and --mp4 existed had both
        animation = drawn.get("animation", True) and not no_animation  # and the video with it, unless asked
        with _drawings_failed():
            html = write_report(comparison, target, json_path=target / inner if inner is not None else None,
                                figures=drawn.get("figures", True), animation=animation,
                                svg=drawn.get("svg", True) if svg is None else svg,
                                mp4=(drawn.get("mp4", True) and animation) if mp4 is None else mp4,
                                force=force or out is None, names=names, replacing=read,
                                command=ran if isinstance(ran, dict) else None)
    except ReportExists:  # another command wrote a report there while this one was drawn
        _fail(f"{str(target)!r}: another command wrote a report there while this one ran; it is kept, and this "
              "rebuild is not written (run descend report again)")
    except KeyboardInterrupt:
        typer.echo(f"interrupted while writing the report: {target} is as it was", err=True)
        raise typer.Exit(130) from None
    except (OSError, ValueError) as e:
        _fail(f"the report could not be written to {str(target)!r} ({e}); it is as it was")
    typer.echo(f"report: {html}")
    for note in comparison.notes:  # what a report of an earlier descend lets go unchecked (load says it)
        if note.startswith("this report was written by an earlier descend"):
            typer.echo(f"note: {note}", err=True)


_SHOWN = ("lr", "batch size", "final train loss", "test loss", TEST_LOSS_UNSTANDARDISED, TEST_RMSE, "test accuracy",
          "steps to target", "divergence rate", "distance to answer")

#: How the terminal table heads a column (the report has the full names).
_HEADS = {"final train loss": "train loss", "divergence rate": "diverged", "distance to answer": "distance",
          "batch size": "batch", "steps to target": "to target", TEST_LOSS_UNSTANDARDISED: "test, target scale",
          TEST_RMSE: "test RMSE, target units", "left-domain rate": "left domain", "pruned rate": "pruned",
          "interrupted rate": "interrupted"}

#: The columns a narrow terminal drops first (those the same in every row before the others); the optimizer,
#: its training loss and at least one more column are always shown.
_DROPPED_FIRST = ("distance to answer", "batch size", "steps to target", "interrupted rate", "pruned rate",
                  "left-domain rate", "divergence rate", "lr", "test loss", TEST_LOSS_UNSTANDARDISED, TEST_RMSE,
                  "test accuracy")


#: Rates of runs without a result besides divergence: shown where some run has them (an ellipse row of dashes
#: said "diverged 0%" where every run had left the model's domain).
_SHOWN_WHEN_SOME = ("left-domain rate", "pruned rate", "interrupted rate")


def _compact(frame: Any) -> Any:
    """The columns a terminal table may show; the report has them all."""
    import pandas as pd

    some = [c for c in _SHOWN_WHEN_SOME if c in frame.columns
            and bool((pd.to_numeric(frame[c], errors="coerce").fillna(0) > 0).any())]
    shown = [c for c in _SHOWN if c in frame.columns]
    at = shown.index("divergence rate") + 1 if "divergence rate" in shown else len(shown)
    return frame[shown[:at] + some + shown[at:]]


def _seeds_note(frame: Any) -> list[str]:
    """What a row's numbers are where a configuration ran with several seeds (the report says it; ``descend tune``
    shows means, so a table without the word read as another statistic of the same runs)."""
    import pandas as pd

    seeds = pd.to_numeric(frame["seeds"], errors="coerce").max() if "seeds" in frame.columns else None
    return ["medians over the seeds with a result"] if seeds is not None and seeds > 1 else []


def _table_of(frame: Any, winners: Mapping[str, Sequence[str]], title: str, width: int | None = None,
              notes: Sequence[str] = ()) -> Table:
    """The summary table for a terminal ``width`` columns wide (default: the console's), ``notes`` first in its
    caption.

    A number is never split across lines and a heading breaks only between words: each column is as wide as
    its widest cell and its longest heading word, and when they do not all fit, whole columns are left out
    (:data:`_DROPPED_FIRST`; the caption names them, the report has them); only a long optimizer label may
    wrap.
    """
    from rich.markup import escape

    from .report.cells import column_texts, terminal_text  # the report's cell text (descend show reads it as text)

    console = Console()
    width = width or console.width
    colour = console.color_system is not None and not console.no_color  # none into a file or a pipe; NO_COLOR keeps
    # a colour system in rich, which then strips the colours as it renders: the stars mark the best cells there too
    labels = [str(label) for label in frame.index]
    cells = {str(c): column_texts(str(c), frame[c], [label in winners.get(str(c), ()) for label in labels],
                                  terminal_text) for c in frame.columns}
    if not colour:  # the best cells marked by a star, as the caption says
        cells = {c: [f"{t}*" if label in winners.get(c, ()) else t for label, t in zip(labels, texts)]
                 for c, texts in cells.items()}
    heads = {c: _HEADS.get(c, c) for c in cells}
    need = {c: max([len(t) for t in cells[c]] + [len(w) for w in heads[c].split()]) for c in cells}
    label_min = min(max([len(w) for label in labels for w in label.split()] + [len("optimizer")]), 18)

    def fits(columns: list[str]) -> bool:  # each column: its text, a space either side, a rule
        return label_min + sum(need[c] for c in columns) + 3 * (len(columns) + 1) + 1 <= width

    kept = list(cells)
    order = sorted((c for c in kept if c in _DROPPED_FIRST),
                   key=lambda c: (len(set(cells[c])) > 1, _DROPPED_FIRST.index(c)))
    dropped = []
    while not fits(kept) and order and len(kept) > 2:
        column = order.pop(0)
        kept.remove(column)
        dropped.append(column)
    label_full = max([len(label) for label in labels] + [len("optimizer")])
    spare = width - (sum(need[c] for c in kept) + 3 * (len(kept) + 1) + 1) - min(label_full, label_min)
    for c in kept:  # headings on one line where the width allows
        grow = max(0, min(len(heads[c]) - need[c], spare))
        need[c] += grow
        spare -= grow
    label_width = min(label_full, label_min + max(spare, 0))
    table = Table(title=escape(title), title_justify="left")  # a CSV file's or folder's name: its text as it is
    table.add_column("optimizer", style="bold", overflow="fold", width=max(label_width, len("optimizer")))
    for c in kept:
        table.add_column(heads[c], justify="right", width=need[c], no_wrap=False)
    for i, label in enumerate(labels):
        row = [escape(cells[c][i]) for c in kept]
        if colour:
            row = [f"[green]{t}[/green]" if label in winners.get(c, ()) else t for c, t in zip(kept, row)]
        table.add_row(escape(label), *row)
    best = "green: best per metric" if colour else "*: best per metric"
    notes = [*notes, *([best] if any(winners.get(c) for c in kept) else [])]
    if dropped:
        notes.append(f"not shown at this width: {', '.join(heads[c] for c in dropped)} (the report has every column)")
    table.caption = "; ".join(notes) or None
    return table


@app.command("show", cls=_Command, short_help="Print a report's table, or a search's best settings.")
def show(report: Path = typer.Argument(..., metavar="DIRECTORY",
                                       help="A report directory written by descend compare or descend tune.")) -> None:
    """Print a finished comparison's summary table, or a search's best configurations."""
    from ._files import read_csv_exact

    path = Path(report) / "table.csv"
    if not Path(report).exists():
        _fail(f"{str(report)!r} does not exist; give a report directory written by descend compare or tune")
    if not Path(report).is_dir():
        _fail(f"{str(report)!r} is not a directory; give a report directory written by descend compare or tune")
    if not (Path(report) / "comparison.json").exists() and (Path(report) / "best.json").exists():
        from .tune.command import show as show_search

        try:  # a search: its table.csv is absent when no trial finished
            show_search(Path(report))
        except BrokenPipeError:  # the reader of the output went away (descend show DIR | head)
            raise
        except OSError as e:
            if e.filename is None and e.errno in _OUTPUT_FULL:  # the standard output (>/dev/full), not the files:
                raise  # said as such where every command's is (main)
            _fail(f"{str(report)!r}: its results cannot be read (best.json, table.csv: {type(e).__name__}: "
                  f"{str(e).splitlines()[0] if str(e) else ''}); the command of the search that wrote them writes "
                  "them again")
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            _fail(f"{str(report)!r}: its results cannot be read (best.json, table.csv: {type(e).__name__}: "
                  f"{str(e).splitlines()[0] if str(e) else ''}); the command of the search that wrote them writes "
                  "them again")
        return
    from .report.saved import TUNE_MARKER

    if (Path(report) / TUNE_MARKER).exists() and not (Path(report) / "comparison.json").exists():  # no best.json
        _fail(f"{str(report)!r} holds a search whose results are not all written (best.json, written last, is "
              "missing): either it is still running, and writes them when it ends, or it stopped before or while "
              "writing them, and the descend tune command that began it writes them, its finished trials kept "
              f"(--out {str(report)!r})")
    if not path.exists() and (Path(report) / "study.journal").exists():  # a search before its first result
        _fail(f"{str(report)!r} holds the study of a search that has not written its results (study.journal): either "
              "it is still running, and writes them when it ends, or it stopped before, and the descend tune command "
              f"that began it resumes it, its finished trials kept (--out {str(report)!r})")
    if not path.exists():
        _fail(f"{str(report)!r} holds no descend report (no table.csv); run descend compare or tune first")
    from .compare import winners

    try:
        frame = read_csv_exact(path, index_col=0).rename(columns=FORMER_COLUMNS)  # an earlier release's names
    except (OSError, ValueError, UnicodeDecodeError) as e:  # pandas' ParserError and EmptyDataError are ValueErrors
        _fail(f"{str(report)!r}: its table.csv cannot be read ({type(e).__name__}: {str(e).splitlines()[0]}); "
              f"descend report {shlex.quote(str(report))} writes it again from the saved results")
    config, saved = Path(report) / "config.toml", Path(report) / "comparison.json"
    title, notes, unread, won = f"report {report}", [], None, None
    try:  # the task the report compared on, and what qualifies its table (an interruption, ...)
        record = json.loads(saved.read_text(encoding="utf-8"))
        task = record["task"]
        if task == "formula" and config.exists():  # a formula's task is named formula: the formula says more
            task = _read_config(config).get("task") or task
        title = f"{task} ({report})" + (" — interrupted" if record["fields"].get("interrupted") else "")
        notes = [str(n) for n in [*record["fields"].get("notes", []), *record["fields"].get("table_notes", []),
                                  *record.get("facts", [])]]  # what compare said of the data (none: an earlier one)
        from .report.saved import frame_from_json

        rows = len(frame_from_json(record["table"]))
        from .compare import WINNERS_RULE

        recorded = record["fields"].get("winners")
        if isinstance(recorded, dict) and record.get("winners_rule") == WINNERS_RULE:  # the comparison's own
            # decision (its seeds' ranges are not in table.csv), as the report shows it
            from .report.html import _check_winners

            won = _check_winners({FORMER_COLUMNS.get(k, k): v for k, v in recorded.items()}, frame)
        elif isinstance(recorded, dict):  # an earlier release's rule: the medians alone, as the table has them
            notes.append(f"the stars are the best medians alone: an earlier descend wrote this report, and descend "
                         f"report {shlex.quote(str(report))} writes it again with this release's winners (several "
                         "where their seeds' interquartile ranges overlap)")
        if config.exists() and (edited := _edited(Path(report), record, config)):
            notes.append(edited)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        rows = None  # a report of a descend before comparison.json: nothing to check the table against
        if saved.exists():  # damaged: the table is shown as table.csv holds it, and said to be unchecked
            again = (f"descend compare --config {shlex.quote(str(config))} --out NEW_FOLDER runs the comparison again"
                     if config.exists() else "running the comparison again does")
            from .report.saved import unreadable

            unread = (f"{saved} cannot be read ({unreadable(e)}): the table "
                      "is table.csv as it is, its rows not checked against the comparison's, without the task, the "
                      "interruption and the notes the comparison recorded; descend report cannot write them again "
                      f"from a damaged comparison.json, {again}")
    if rows is not None and rows != len(frame):  # cut short or edited: its rows are not the comparison's
        _fail(f"{str(report)!r}: its table.csv has {len(frame)} rows where the comparison had {rows}; descend report "
              f"{shlex.quote(str(report))} writes it again from the saved results")
    won = winners(frame) if won is None else won
    Console().print(_table_of(_compact(frame), won, title, notes=_seeds_note(frame)))
    for note in [*notes, *([unread] if unread else [])]:
        typer.echo(f"note: {note}")
    models = record.get("models") if unread is None and rows is not None else None
    models = models if isinstance(models, dict) else {}
    from .selection import CHOSEN_ON, chosen_label

    _models_line(Path(report), {str(label): name for label, name in models.items()
                                if isinstance(name, str) and Path(name).name == name and name.endswith(".pt")
                                and (Path(report) / name).is_file()},
                 chosen=chosen_label(won, frame[CHOSEN_ON].to_dict() if CHOSEN_ON in frame else {}))
    if config.exists():
        typer.echo(config.read_text(encoding="utf-8"))


def _edited(report: Path, record: Any, config: Path) -> str | None:
    """Why ``descend report`` would refuse the folder ``report`` for its config.toml (edited since the report was
    written, its CSV file changed or moved beyond reach), as it says it, or None: the one check both make
    (:func:`descend.report.saved.described`)."""
    import tomllib

    from .report.saved import described

    try:
        settings = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as e:
        return f"config.toml cannot be read ({e}): descend report cannot rebuild this report from it"
    try:
        described(report, record, settings, "descend report refuses this folder")
    except ValueError as e:
        return str(e)
    except Exception:  # noqa: BLE001 - what the check cannot judge is left to descend report to say
        return None
    return None


_PLUGIN_HELP = next(e.setting.help for e in Config.entries() if e.key == "plugin")  # as compare and tune say it
_BATCH_HELP = next(e.setting.help for e in Config.entries() if e.key == "batch_size")  # as compare says it


@app.command("landscape", cls=_Command, short_help="Draw optimizers' paths over a two-parameter landscape.")
def landscape_command(
    name: str = typer.Argument(..., metavar="LANDSCAPE",
                               help="A landscape (descend list landscapes), a formula in x and y, or a task "
                                    "with two parameters (ellipse, line)."),
    optimizer: Optional[list[str]] = typer.Option(None, "--optimizer", "-o", metavar="NAME[:KEY=VALUE,...]",
                                                  help="An optimizer, repeatable, e.g. -o gd -o adam (default: the "
                                                       "landscape's own choice of optimizers)."),
    lr: Optional[str] = typer.Option(None, metavar="RATES", help="Learning rates: 0.1,0.01 or 1e-4..1e-1[:N] (N "
                                     "log-spaced; default: the landscape's range)."),
    start: Optional[str] = typer.Option(None, metavar="X,Y", help="Start point X,Y (default: the landscape's)."),
    steps: int = typer.Option(300, metavar="INTEGER", help="Steps per optimizer."),
    batch_size: Optional[str] = typer.Option(None, "--batch-size", metavar="SIZES", help=_BATCH_HELP),
    out: str = typer.Option("reports", metavar="DIRECTORY", help="Directory for the figure (PNG and SVG)."),
    animate: Optional[Path] = typer.Option(None, metavar="FILE", help="Also write an animation: FILE.gif or FILE.mp4."),
    plugin: Optional[list[str]] = typer.Option(None, metavar="FILE.py", help=_PLUGIN_HELP),
) -> None:
    """Paths of several optimizers over one landscape: a contour and 3-D figure (and an animation)."""
    from . import compare as cmp
    from .engine import RuleFailed
    from .report import figures

    try:
        if not out.strip():  # Path("") is the working directory: the figures were written there
            raise ValueError("--out '': give a directory")
        out = Path(out)
        point = None
        if start is not None:
            parts = start.split(",")  # "1,,2" is not two numbers
            try:
                point = tuple(float(p) for p in parts)
            except ValueError:
                raise ValueError(f"--start {start!r}: give two numbers X,Y") from None
            if len(point) != 2:
                raise ValueError(f"--start {start!r}: give two numbers X,Y")
        if animate is not None and animate.suffix.lower() not in (".gif", ".mp4"):
            raise ValueError(f"--animate {str(animate)!r}: the file must end in .gif or .mp4")
        if animate is not None:  # before training, as --out: where the animation goes must take a file
            if animate.is_dir():
                raise ValueError(f"--animate {str(animate)!r} is a directory; give a file name ending in .gif or .mp4")
            folder = next((p for p in animate.absolute().parents if p.exists()), None)  # the rest is made
            if folder is not None and not folder.is_dir():
                raise ValueError(f"--animate {str(animate)!r}: {str(folder)!r} is a file, not a directory")
        if out.exists() and not out.is_dir():  # before training: a figure cannot go there
            raise ValueError(f"--out {str(out)!r} is a file; give a directory for the figure")
        from .report import saved

        if animate is not None and folder is not None:  # a folder this user cannot write into (/proc, read-only)
            saved.writable_into(folder, what=f"--animate {str(animate)!r}: its folder")

        saved.writable_into(out)  # a read-only folder, a file on the way: said before training, not a traceback
        resolved, task = cmp.resolve(name, optimizers=optimizer or None, lr=lr, steps=steps, seeds=1,
                                     batch_size=batch_size, start=start if point else None, plugin=plugin or None)
        if task.surface is None:
            raise ValueError(f"{name!r} is not a 2-D landscape (its paths cannot be drawn on a map); descend compare "
                             f"{shlex.quote(name)} trains and reports it")
    except ValueError as e:
        _fail(str(e))
    try:
        comparison = cmp.compare(resolved, task)
    except RuleFailed as e:
        _failed_while_running(f"{e}; no figure written")
    except ValueError as e:  # a configuration the checks above could not foresee
        _fail(str(e))
    except (MemoryError, RuntimeError) as e:
        from .compare_config import out_of_memory

        if (message := out_of_memory(e, "figure", "fewer --steps or fewer runs (--lr values, -o)")) is None:
            raise
        _fail(message)
    except KeyboardInterrupt:  # before training started: said, not a silent 130
        typer.echo("interrupted before any run finished a step: no figure written", err=True)
        raise typer.Exit(130) from None
    if comparison.stopped_before_any_step:
        typer.echo("interrupted before any run reached its first evaluation: no figure written", err=True)
        raise typer.Exit(130)
    from .selection import statuses

    # each path named as its run: with several batch sizes (the task's, or --batch-size's), an optimizer's rate
    # ran once per size, and its paths (SGD's far from GD's) were drawn under one name
    several = len(resolved.batch_size) > 1
    labels = {int(i): f"{row['label']} lr={row['lr']:g}" + (f" batch {row['batch_size']}" if several else "")
              for i, row in comparison.summary.iterrows()}
    status = {int(i): s for i, s in statuses(comparison.summary).items()}
    stem = f"landscape-{folder_name(task)}"
    from .report.build import holding_paths

    surface = holding_paths(task.surface, comparison.paths, status)  # a finished path drawn whole, as in a report
    earlier = f" ({animate} is an earlier run's)" if animate is not None and animate.exists() else ""
    try:
        figure = figures.landscape(surface, comparison.paths, labels, title=f"{task.title}: optimizer paths",
                                   status=status)
        out.mkdir(parents=True, exist_ok=True)
        written = figures.save(figure, out, stem)
    except OSError as e:  # a full disk: one line, as a report that cannot be written
        _fail(f"--out {str(out)!r}: the figure could not be written ({e.strerror or e})")
    except KeyboardInterrupt:  # said, not a silent 130 (each file is written aside, then renamed: none is half)
        typer.echo("interrupted while drawing: the figure is not written" + (
            f", nor the animation{earlier}" if animate is not None else ""), err=True)
        raise typer.Exit(130) from None
    typer.echo(f"figure: {written[0]}")
    if several and batch_size is None:  # the task's batch sizes multiply the paths (48 for the ellipse's defaults)
        sizes = ", ".join(batch_label(b) for b in resolved.batch_size)
        typer.echo(f"note: the paths are drawn at each of the task's batch sizes ({sizes}), {len(comparison.paths)} "
                   "in all, each named with its size; --batch-size full (or another one size) draws one path per "
                   "optimizer and rate")
    # random search samples points: no path to draw (its best is in the table)
    pathless = sorted({str(row["label"]) for i, row in comparison.summary.iterrows() if int(i) not in comparison.paths
                       and int(row.get("steps_done", 1) or 0) > 0})
    if animate is not None and comparison.paths:
        try:
            figures.animate(surface, comparison.paths, labels, animate, title=task.title, status=status)
        except OSError as e:
            _fail(f"--animate {str(animate)!r}: the animation could not be written ({e.strerror or e})")
        except KeyboardInterrupt:  # the figure is this run's, the animation beside it is not: said so
            typer.echo(f"interrupted while writing the animation: the figure is written ({written[0]}), the "
                       f"animation is not{earlier}", err=True)
            raise typer.Exit(130) from None
        typer.echo(f"animation: {animate}")
    elif animate is not None:  # a Ctrl-C before any run finished, or only optimizers without a path
        why = f"{', '.join(pathless)} has no path" if pathless and not comparison.interrupted else "no run finished"
        typer.echo(f"note: no animation: {why} ({animate} is not written)")
    if pathless:
        typer.echo(f"note: {', '.join(pathless)} samples points rather than following a path: not drawn (its best "
                   "point is in the table)")
    Console().print(_table_of(_compact(comparison.table), comparison.winners, f"{task.title} — same-lr",
                              notes=_seeds_note(comparison.table)))
    for note in [*comparison.table_notes, *_off_the_map(surface.domain, comparison.paths, labels)]:
        typer.echo(f"note: {note}")
    if comparison.interrupted:  # as descend compare: why the table's cells are empty, and exit code 130
        _interruption_notes(comparison)
        raise typer.Exit(130)


def _interruption_notes(comparison: Any) -> None:
    """After Ctrl-C: the comparison's notes on what it cut short (why the table's cells are empty), on stderr."""
    for note in comparison.notes if comparison.interrupted else []:
        if note.startswith("interrupted"):
            typer.echo(f"note: {note}", err=True)


def _off_the_map(domain: Any, paths: Mapping[int, Any], labels: Mapping[int, str]) -> list[str]:
    """The runs whose path the figure cannot show: every point outside the plotted domain (a --start far off),
    which the figure left out without a word."""
    import numpy as np

    (x0, x1), (y0, y1) = domain
    by_start: dict[str, list[str]] = {}  # one note per start (every run of a --start far off shares it)
    for run, path in paths.items():
        xy = np.asarray(path, dtype=np.float64).reshape(len(path), -1)[:, :2]
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        if len(xy) and not inside.any():
            by_start.setdefault(f"({xy[0, 0]:.4g}, {xy[0, 1]:.4g})", []).append(str(labels.get(run, run)))
    out = []
    for start, runs in by_start.items():
        whose = (f"the path of {runs[0]} lies" if len(runs) == 1 else
                 f"the paths of {', '.join(runs) if len(runs) <= 3 else f'{len(runs)} runs ({runs[0]}, ...)'} lie")
        out.append(f"{whose} outside the map (x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]): "
                   f"{'it starts' if len(runs) == 1 else 'they start'} at {start}; give a --start inside it")
    return out


#: descend tune's words for the settings whose help speaks of descend compare's options (--lr, a --config file).
TUNE_HELPS = {
    "schedule": "Learning-rate schedule of every trial, a multiplier of its lr over its steps (with --epochs, those "
                "its batch size takes; its value is 1: cosine:min_value=0.01 anneals to a hundredth of the trial's "
                "lr): cosine, step:step_size=100,"
                "gamma=0.5, one_cycle, 'multistep:milestones=100;200,gamma=0.1' (quoted: the shell reads ;), ... "
                "(descend list schedules). step and multistep count steps, not epochs: under --epochs, step_size=100 "
                "is 100 steps, another number of epochs at each batch size the space searches",
    "task_options": "An option of the task, repeatable: --task-option hidden=64 (descend card TASK lists them).",
    "init_scale": "With --init normal, the weights' standard deviation; with --init uniform, their bound (default: "
                  "0.01 and 1/sqrt(fan-in)).",
}


@app.command("tune", cls=_Command, short_help='Search hyperparameters (Optuna), many trials at once.')
@_with_settings(Config, keys=(*DATA_KEYS, "plugin", *TRAINING_KEYS), helps=TUNE_HELPS)
def tune_command(
    task: Optional[str] = typer.Argument(None, metavar="TASK", show_default=False,
                                         help="A task (descend list tasks), a landscape, or a formula in x, y."),
    csv: Optional[str] = typer.Option(None, metavar="PATH", help="A CSV file as the task: --csv PATH --column COL."),
    column: Optional[str] = typer.Option(None, metavar="COLUMN", help="The CSV column to predict."),
    optimizer: Optional[list[str]] = typer.Option(
        None, "--optimizer", "-o", metavar="NAME[:KEY=VALUE,...]",
        help="An optimizer to tune, repeatable; each gets its own study and the same trial budget. KEY=VALUE "
             "holds a hyperparameter fixed (sgd:nesterov=true). 'adam|sgd': a choice of optimizer inside one "
             "study, each one's own hyperparameters searched only when it is chosen. Default: adam."),
    space: Optional[list[str]] = typer.Option(
        None, metavar="SPACE", help="What to search: 'lr=1e-5..1e-1:log, beta1=0.8..0.999, amsgrad=true|false, "
        "batch_size=16|32, schedule=constant|cosine, eps=1e-8' (ranges, choices, fixed values); 'OPTIMIZER: ...' "
        "adds to it for one optimizer (its items replace those of the same name), repeatable; given alone, it is "
        "that optimizer's whole space (the others keep their default). Default: lr around the task's rate and the "
        "optimizer's own hyperparameters."),
    trials: Optional[str] = typer.Option(None, metavar="INTEGER", help="Trials per optimizer (for a choice such as "
                                         "-o 'adam|sgd', of the one study), complete or pruned, counting those a "
                                         "resumed study holds (default 64)."),
    cohort: Optional[str] = typer.Option(None, metavar="INTEGER", help="Trials trained together as one batched "
                                         "program (default 16)."),
    sampler: str = typer.Option("tpe", metavar="tpe|gp|cmaes|qmc|random|grid", help="Optuna's sampler."),
    pruner: str = typer.Option("none", metavar="none|sha|median", help="Prune runs at checkpoints, decided over "
                               "the whole cohort (successive halving, or the median of completed trials)."),
    steps: Optional[str] = typer.Option(None, metavar="INTEGER", help="Steps per trial (default: the task's)."),
    epochs: Optional[str] = typer.Option(None, metavar="INTEGER", help="Budget in epochs instead of steps."),
    batch_size: Optional[str] = typer.Option(None, "--batch-size", metavar="SIZE", help="The batch size when the "
                                             "space does not search it: full or a whole number (default: the "
                                             "task's first)."),
    metric: str = typer.Option("loss", metavar="loss|accuracy", help="The objective: the validation loss, or "
                               "accuracy (training data for a task without a validation split)."),
    seeds: str = typer.Option("3", metavar="INTEGER", help="Re-runs of each best configuration over the whole "
                              "budget, reported on test data (0: none)."),
    storage: Optional[str] = typer.Option(None, metavar="URL", help="Where the study lives: a journal file "
                                          "(default OUT/study.journal), sqlite:///study.db, or "
                                          "postgresql://user:password@host:port/db for several workers."),
    study: Optional[str] = typer.Option(None, metavar="NAME", help="The study's name (default: the task's; "
                                        "NAME-OPTIMIZER for several optimizers; at most 512 characters)."),
    timeout: Optional[str] = typer.Option(None, metavar="SECONDS", help="Start no new cohort after this long "
                                          "(each study's first cohort runs; with several --optimizer, no new round "
                                          "of one cohort per optimizer: the studies stop at the same point). The "
                                          "best's re-runs (--seeds) follow."),
    seed: str = typer.Option("0", metavar="INTEGER", help="The sampler's seed."),
    out: Optional[str] = typer.Option(None, metavar="DIRECTORY", help="Where the results go (default: "
                                      "reports/tune-TASK)."),
    compile: bool = typer.Option(False, "--compile", help="Compile each cohort's step (Inductor): small steps "
                                 "(mini-batches) up to 2-4x faster, full-batch steps bound by their products less; "
                                 "about 30-40 s per cohort size and batch shape the first time, then read from disk "
                                 "at once. Pays off when the training takes minutes, or on later searches. Default: "
                                 "no."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    **data: Any,
) -> None:
    """Search hyperparameters with Optuna, training each cohort of trials as one batched program.

    \b
    Examples:
      descend tune line --trials 64
      descend tune digits -o adam --space "lr=1e-5..1e-1:log, beta1=0.8..0.999" --trials 256 --cohort 64
      descend tune rosenbrock -o adam -o sgd:nesterov=true --sampler qmc --pruner sha
      descend tune digits -o "adam|sgd|rmsprop" --trials 128   (the optimizer chosen inside one study)
      descend tune digits --space "lr=1e-4..1e-1:log, batch_size=16|32|64" --epochs 5 --metric accuracy
      descend tune digits --storage postgresql://user:pw@host:5432/db --study digits   (each worker)
      descend tune --csv sales.csv --column price --kind regression --sep ';' --drop id --dropna
      descend tune digits -o adam -o lion --plugin lion.py   (an optimizer of one's own, registered by the file)
    """
    from .tune.command import main as tune_main

    code = tune_main(task, csv=csv, column=column, optimizer=optimizer, space=space, trials=trials, cohort=cohort,
                     sampler=sampler, pruner=pruner, steps=steps, epochs=epochs, seeds=seeds, storage=storage,
                     study=study, timeout=timeout, out=out, metric=metric, batch_size=batch_size, seed=seed,
                     quiet=quiet, compile=compile, data=data)
    if code:
        raise typer.Exit(code)


PREDICT_HELPS = {
    "sep": "The CSV file's separator between columns, e.g. ';', tab or '||', read as descend compare reads it "
           "(default: the one the model's training file was read with, else ',').",
    "encoding": "The CSV file's encoding, e.g. latin-1 (default: the training file's, else utf-8).",
    "decimal": "The CSV file's decimal mark: ',' for numbers written 0,5 (default: the training file's, else '.').",
    "thousands": "The CSV file's thousands separator, e.g. '.' for 1.234,5 (default: the training file's, else "
                 "none).",
    "na_values": "Texts that mark a missing value, comma-separated (default: the training file's); a row with one "
                 "is refused, named by its line.",
}


@app.command("predict", cls=_Command,
             short_help="Predict new rows of a CSV file with a model descend tune or compare wrote.")
@_with_settings(Config, keys=("sep", "encoding", "decimal", "thousands", "na_values"), helps=PREDICT_HELPS)
def predict_command(
    model: Path = typer.Argument(..., metavar="MODEL", show_default=False,
                                 help="A model file descend tune or descend compare wrote (OUT/model-adam.pt), or "
                                      "the folder of a search or comparison that wrote one."),
    rows: Path = typer.Argument(..., metavar="CSV", show_default=False,
                                help="The new rows: a CSV file with the columns the model was trained on (the "
                                     "target column may be missing)."),
    probabilities: bool = typer.Option(False, "--probabilities",
                                       help="Add each class's probability, a column probability_<class> each (a "
                                            "classification's)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE",
                                       help="Write the rows with their predictions to this CSV file (default, or "
                                            "-: the standard output), with the separator, decimal mark and encoding "
                                            "the rows were read with; the file's cells are written as they are."),
    **read: Any,
) -> None:
    """Predict new rows with a trained model: the rows of the CSV file, each with its prediction in a last
    column, predicted_<target> (a number in the target's units, or a class by its name).

    \b
    Examples:
      descend tune --csv houses.csv --column price --out td
      descend predict td/model-adam.pt new_houses.csv --out predicted.csv
      descend predict td new_houses.csv        (the folder's one model; to the standard output)
      descend compare --csv houses.csv --column price --out cmp
      descend predict cmp/model-sgd.pt new_houses.csv
    """
    from .compare_config import _spelling
    from .data import DataError
    from .predictor import Predictor, find

    entries = {e.name: e for e in Config.entries()}
    flags = Config.flags()
    try:
        options = {entries[k].key: entries[k].setting.parse(v, flags[entries[k].key]) for k, v in read.items()
                   if v is not None}
        options = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
        path = find(model)
        if out is not None and Path(out).resolve() == path.resolve():
            raise ValueError(f"--out {str(out)!r} is the model file: give another file for the predictions")
        predictor = Predictor.load(path)
        if probabilities:
            try:
                predictor.check_probabilities()
            except ValueError as e:
                raise ValueError(f"--probabilities: {e}") from None
        frame = predictor.predict_csv(rows, probabilities=probabilities, **options)
    except DataError as e:  # its fixes as this command's flags (--encoding latin-1)
        _fail(e.render(_spelling(flags)))
    except ValueError as e:
        _fail(str(e))
    read = {**predictor.read_options, **options}  # the rows written as they were read
    sep = read.get("sep") or ","
    if not (isinstance(sep, str) and len(sep) == 1):  # a separator of several characters (or a pattern) is read only
        typer.echo(f"note: the predictions are written with ',' between columns (--sep {shell_word(sep)} is read, "
                   "not written: a CSV writer takes one character)", err=True)
        sep = ","
    text = frame.to_csv(index=False, sep=sep, decimal=read.get("decimal") or ".")
    encoding = read.get("encoding") or "utf-8"
    if out is None or str(out) == "-":
        sys.stdout.write(text)
        return
    from ._files import written_aside

    try:
        with written_aside([out]) as (partial,):
            partial.write_bytes(text.encode(encoding, errors="replace"))  # in the file's encoding, as it was read
    except OSError as e:
        _fail(f"--out {str(out)!r} could not be written: {e.strerror or e}")
    about = predictor.about
    made = ", ".join(f"{k} {about[k]:.4g}" if isinstance(about.get(k), float) else f"{k} {about[k]}"
                     for k in ("optimizer", "lr") if k in about)
    typer.echo(f"{len(frame)} row{'s' * (len(frame) != 1)} predicted by {path}" + (f" ({made})" if made else "")
               + f": {out}", err=True)


@app.command("play", cls=_Command, short_help="The tutorials' interactive widgets, in a browser.")
def play_command(
    host: str = typer.Option("127.0.0.1", metavar="HOST", help="The address to listen on; 0.0.0.0 serves every "
                             "machine that can reach this one (a warning says so)."),
    port: int = typer.Option(8000, metavar="PORT", min=1, max=65535, help="The port to listen on (1-65535)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Print the URL only; do not open a browser."),
    no_compile: bool = typer.Option(False, "--no-compile", help="Always train eagerly. By default a widget's "
                                    "first answer is eager and its program is compiled on the side, so that the "
                                    "next answers of the same shapes (a drag, a slider) come compiled, 3-8x sooner."),
) -> None:
    """The seeds' interactive widgets in a browser, computed by descend: a local web server until Ctrl-C.

    \b
    Examples:
      descend play
      descend play --port 8001 --no-browser
    """
    from .play import serve
    from .play.app import PageMissing, PortBusy

    try:
        serve(host=host, port=port, open_browser=not no_browser, echo=typer.echo, compile=not no_compile)
    except (PortBusy, PageMissing) as e:
        _fail(str(e))


@app.command("dashboard", cls=_Command, short_help="Optuna's dashboard for the studies of descend tune.")
def dashboard_command(
    directory: Optional[str] = typer.Argument(None, metavar="OUT_DIR", show_default=False,
                                              help="An output directory of descend tune (its study.journal, or "
                                                   "the storage its best.json names)."),
    storage: Optional[str] = typer.Option(None, metavar="URL", help="The study's storage instead, as descend tune "
                                          "--storage takes it: a journal file, sqlite:///study.db or "
                                          "postgresql://user:password@host:port/db."),
    host: str = typer.Option("127.0.0.1", metavar="HOST", help="The address to listen on; 0.0.0.0 serves every "
                             "machine that can reach this one (a warning says so)."),
    port: int = typer.Option(8080, metavar="PORT", min=1, max=65535, help="The port to listen on (1-65535)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Print the URL only; do not open a browser."),
) -> None:
    """Optuna's web dashboard for the studies of descend tune, in its own process until Ctrl-C.

    \b
    Examples:
      descend dashboard reports/tune-digits
      descend dashboard --storage sqlite:///study.db --port 8081 --no-browser
    """
    from .tune.dashboard import serve

    if directory is not None and storage is not None:
        _fail(f"give OUT_DIR ({directory!r}) or --storage URL, not both")
    if directory is None and storage is None:
        _fail("give the output directory of descend tune (OUT_DIR) or --storage URL (a journal file, "
              "sqlite:///study.db or postgresql://...)")
    try:
        serve(storage if storage is not None else directory, host=host, port=port, open_browser=not no_browser,
              what="--storage" if storage is not None else "OUT_DIR", echo=typer.echo)
    except ValueError as e:
        _fail(str(e))


def _interrupted_at_start() -> NoReturn:
    """Ctrl-C before any training: said, not a silent 130 or a traceback."""
    typer.echo("interrupted before training started: nothing written", err=True)
    raise typer.Exit(130)


def main() -> None:
    """The command line, as a function: it ends with SystemExit, as Typer's app does."""
    try:
        app()
    finally:
        import gc

        if "descend.report.render" in sys.modules:  # a command that drew: its idle fork server ends now, not after
            from ._interrupts import interrupt_after

            # the work is done and said: a Ctrl-C meanwhile ends the command as it was ending (it printed three
            # chained tracebacks from multiprocessing's reaping of the server)
            with interrupt_after(act=False):
                sys.modules["descend.report.render"].stop_fork_server()
        # the interpreter's last garbage collection at exit walks every object torch and pandas made (0.7 s of
        # every command's exit, 0.2 s without): nothing is left to collect at this point
        gc.freeze()


def run() -> None:
    """The ``descend`` program (its console script and ``python -m descend``): :func:`main`, then the end of the
    process (:func:`_exit`)."""
    _writable_streams()
    from ._interrupts import stops_as_ctrl_c

    stops_as_ctrl_c()  # SIGTERM and SIGHUP: what finished is written, as after Ctrl-C (they ended it with nothing)
    # what goes to standard error (progress, notes, the lines that say where the study is) is a courtesy: once its
    # reader has gone (2>&1 | head -1) the work goes on to its files instead of ending at the next line written
    sys.stderr = Unbroken(sys.stderr)
    try:
        main()
    except SystemExit as e:
        _exit(e)
        raise
    except OSError as e:  # the standard output on a full disk (>/dev/full): a traceback after the work was done
        if e.filename is not None or e.errno not in _OUTPUT_FULL:
            raise
        try:  # the standard output is what failed, not a file of the command's (which says so)?
            sys.stdout.write("\n")
            sys.stdout.flush()
        except OSError:
            pass
        else:
            raise
        print(f"error: the standard output could not be written ({e.strerror})", file=sys.stderr)
        end = SystemExit(1)
        _exit(end)
        raise end from None


def _writable_streams() -> None:
    """Output to a terminal or file whose encoding lacks descend's characters (an ISO-8859-1 locale: "—", "α",
    "≤"): each such character written as "?", not a UnicodeEncodeError after the work is done. A standard stream
    the program was started without (``2>&-``: Python's ``sys.stderr`` is None, and every command ended with code
    120 and nothing written) goes nowhere instead, on its own descriptor (the next free one: 2 for ``2>&-``)."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - the process's, to its end
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            "—α≤".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            reconfigure = getattr(stream, "reconfigure", None)
            if callable(reconfigure):
                reconfigure(errors="replace")


def _exit(end: SystemExit) -> None:
    """End the process as the interpreter would, without tearing down every module torch, pandas and matplotlib
    imported (a quarter of a second of every command's exit, after its last output): the at-exit functions run,
    the standard streams are flushed, then ``os._exit`` with the command's exit code. Only when the code is a
    number and no thread but daemons is left (the interpreter would wait for them: it then does, and returns)."""
    import atexit
    import threading

    code = end.code if end.code is not None else 0
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if not isinstance(code, int) or any(not t.daemon for t in others):
        return
    import signal

    if threading.current_thread() is threading.main_thread():  # a Ctrl-C now ends nothing more: its traceback in
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # an at-exit function was printed, and the process exited 0
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # a closed or broken pipe, or a stream closed before the
            # process started (`>&-`: Python's is then None): nothing more can be written
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
