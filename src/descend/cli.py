"""The ``descend`` command line: a thin layer over the library.

    descend list                 optimizers, losses, schedules, tasks and landscapes, one line each
    descend list optimizers      just one kind
    descend card TASK            what a task is, its data, model, loss and known answer
    descend compare TASK         compare optimizers on a task; writes an HTML report, figures, CSV/JSON
    descend landscape NAME       paths of several optimizers over a 2-D landscape (figure, animation)
    descend show REPORT_DIR      a finished comparison's summary table
    descend --version
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import __version__

app = typer.Typer(
    name="descend",
    help="Train, compare and see gradient-based optimizers.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
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


def _optimizers() -> Table:
    from .optim import OPTIMIZERS

    table = Table(title="Optimizers (descend.optim.get(name))", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("lr", justify="right")
    table.add_column("state", justify="right")
    table.add_column("description")
    for name, info in OPTIMIZERS.items():
        table.add_row(name, f"{info.defaults['lr']:g}", str(info.state_tensors()), info.description)
    table.caption = "lr: default learning rate; state: tensors kept per parameter (memory)"
    return table


def _losses() -> Table:
    from .losses import LOSSES

    table = Table(title="Losses (descend.losses.get_loss(name))", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("kind")
    table.add_column("description")
    for name, info in LOSSES.items():
        table.add_row(name, info.kind, info.description)
    return table


def _schedules() -> Table:
    from .schedules import SCHEDULES

    table = Table(title="Schedules (descend.schedules.get_schedule(name, ...))", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description")
    for name, info in SCHEDULES.items():
        table.add_row(name, info.description)
    return table


def _tasks() -> Table:
    from .tasks import TASKS

    table = Table(title="Tasks (descend.fit(task=name), descend card NAME)", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("kind")
    table.add_column("description")
    for name, entry in TASKS.items():
        table.add_row(name, entry.group, entry.summary)
    table.caption = "every landscape (descend list landscapes) is a task too; any CSV: descend.tasks.real.from_csv"
    return table


def _landscapes() -> Table:
    from .landscapes import LANDSCAPES

    table = Table(title="Landscapes (descend.landscapes.get(name), a task of the same name)", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("J(x, y)")
    table.add_column("minima", justify="right")
    table.add_column("saddles", justify="right")
    for name, scape in LANDSCAPES.items():
        table.add_row(name, scape.formula, str(len(scape.minima)), str(len(scape.saddles)))
    table.caption = "custom landscapes: descend.tasks.formula(\"x**2 + 10*sin(y)\")"
    return table


@app.command("list")
def list_(what: What = typer.Argument(
    What.all, help="What to list: all, optimizers, losses, schedules, tasks or landscapes.")) -> None:
    """List the optimizers, losses, schedules, tasks and landscapes, one line each."""
    console = Console()
    builders = {What.optimizers: _optimizers, What.losses: _losses, What.schedules: _schedules,
                What.tasks: _tasks, What.landscapes: _landscapes}
    for kind, build in builders.items():
        if what in (What.all, kind):
            console.print(build())
            console.print()


@app.command("card")
def card(task: str = typer.Argument(..., help="A task or landscape name (see `descend list tasks`).")) -> None:
    """Print a task's card: what it is, its data, model, loss, known answer and sensible learning rates."""
    from .tasks import get

    try:
        built = get(task)
    except ValueError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    typer.echo(built.card())


# -- compare -----------------------------------------------------------------------------------------------------

_CONFIG_KEYS = ("task", "csv", "column", "optimizer", "mode", "lr", "batch_size", "steps", "epochs", "seeds", "schedule",
                "budget", "target", "task_options", "compile", "out", "json")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _read_config(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    from ._checks import check_names

    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ValueError(f"--config {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"--config {str(path)!r} cannot be read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"--config {str(path)!r} is not valid TOML: {e}") from None
    check_names(list(data), _CONFIG_KEYS, what=f"key in {path}")
    if isinstance(data.get("optimizer"), str):
        data["optimizer"] = [data["optimizer"]]
    return data


class _Progress:
    """A Rich progress bar fed by descend.fit's progress events: runs done, steps per second, time left."""

    def __init__(self, total_cohorts: int, quiet: bool) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.quiet = quiet
        self.total = total_cohorts
        self.done_cohorts = 0.0
        self.runs = 0
        self.steps = 0
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[runs]} runs"), TextColumn("{task.fields[rate]} steps/s"),
            TextColumn("•"), TimeElapsedColumn(), TextColumn("elapsed •"), TimeRemainingColumn(), TextColumn("left"),
            console=Console(stderr=True), disable=quiet, transient=False,
        )
        self.task = self.progress.add_task("training", total=total_cohorts, runs=0, rate="-")
        self.started = None

    def __enter__(self) -> "_Progress":
        import time

        self.started = time.perf_counter()
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, event: dict[str, Any]) -> None:
        import time

        self.steps += event["runs"]
        if event["step"] == event["steps"]:
            self.done_cohorts += 1
            self.runs += event["runs"]
        fraction = self.done_cohorts + (event["step"] / event["steps"] if event["step"] < event["steps"] else 0)
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        if event["step"] % 10 == 0 or event["step"] == event["steps"]:
            self.progress.update(self.task, completed=min(fraction, self.total), runs=self.runs,
                                 rate=f"{self.steps / elapsed:,.0f}")


@app.command("compare")
def compare_command(
    task: Optional[str] = typer.Argument(None, help="A task (descend list tasks), a landscape, or a formula in x, y "
                                                    "such as 'x**2 + 10*sin(y)'."),
    optimizer: Optional[list[str]] = typer.Option(None, "--optimizer", "-o", help="NAME[:key=value,...], repeatable, "
                                                  "e.g. -o adam -o sgd:momentum=0.9. Default: the task's set."),
    lr: Optional[str] = typer.Option(None, help="Learning rates: 0.1,0.01 or a log range 1e-4..1e-1[:N]."),
    batch_size: Optional[str] = typer.Option(None, "--batch-size", help="full (GD), 1 (SGD), 32, hybrid, ... "
                                             "comma-separated. Default: the task's."),
    steps: Optional[int] = typer.Option(None, help="Training steps per run (default: the task's)."),
    epochs: Optional[int] = typer.Option(None, help="Budget in epochs instead of steps."),
    seeds: Optional[int] = typer.Option(None, help="Seeds per configuration (default 3)."),
    schedule: Optional[str] = typer.Option(None, help="Learning-rate schedule: cosine, step:step_size=100,gamma=0.5, ..."),
    mode: Optional[str] = typer.Option(None, help="same-lr (default), defaults or tuned."),
    budget: Optional[int] = typer.Option(None, help="Tuned mode: learning rates tried per optimizer (default 7)."),
    target: Optional[str] = typer.Option(None, help="Target loss: steps and epochs to reach it are reported. With "
                                         "--csv and no --column, the column to predict."),
    csv: Optional[Path] = typer.Option(None, help="A CSV file as the task: --csv PATH --target COL."),
    column: Optional[str] = typer.Option(None, help="The CSV column to predict (then --target is the target loss)."),
    out: Optional[Path] = typer.Option(None, help="Report directory (default: reports/TASK)."),
    json_file: Optional[Path] = typer.Option(None, "--json", help="Also write one JSON record per run and optimizer."),
    config: Optional[Path] = typer.Option(None, help="A TOML file with the same keys as these options."),
    force: bool = typer.Option(False, help="Overwrite a report already in --out."),
    quiet: bool = typer.Option(False, help="No progress bar; print only where the report is."),
    no_animation: bool = typer.Option(False, "--no-animation", help="Skip the GIF/MP4 of the paths (2-D tasks)."),
    compile: Optional[bool] = typer.Option(None, "--compile/--no-compile", help="Compile each training step "
                                           "(Inductor): steps 2-4x faster, but about 15 s per optimizer and batch "
                                           "shape the first time (then cached on disk); for long runs. Default: no."),
) -> None:
    """Compare optimizers on a task and write a report (HTML, figures, CSV, JSON, the resolved config)."""
    from . import compare as cmp
    from .report.build import check_out, write_report

    if target is not None:
        try:
            target = float(target)
        except ValueError:
            if csv is None or column is not None:
                _fail(f"--target {target!r} must be a number (the target loss); with --csv PATH it may name the column")
            column, target = target, None
    given = {"task": task, "optimizer": optimizer or None, "lr": lr, "batch_size": batch_size, "steps": steps,
             "epochs": epochs, "seeds": seeds, "schedule": schedule, "mode": mode, "budget": budget, "target": target,
             "csv": str(csv) if csv else None, "column": column, "out": str(out) if out else None,
             "json": str(json_file) if json_file else None, "compile": compile}
    try:
        settings = _read_config(config) if config is not None else {}
        settings.update({k: v for k, v in given.items() if v is not None})
        resolved, built = cmp.resolve(
            settings.get("task"), optimizers=settings.get("optimizer"), mode=settings.get("mode", "same-lr"),
            lr=settings.get("lr"), batch_size=settings.get("batch_size"), steps=settings.get("steps"),
            epochs=settings.get("epochs"), seeds=settings.get("seeds", 3), schedule=settings.get("schedule"),
            budget=settings.get("budget", 7), target=settings.get("target"),
            task_options=settings.get("task_options"), csv=settings.get("csv"), column=settings.get("column"),
            compile=settings.get("compile", False),
        )
        out_dir = check_out(settings.get("out") or Path("reports") / _slug(built.name), force=force)
    except ValueError as e:
        _fail(str(e))
    fits = len(resolved.optimizers) * (2 if resolved.mode == "tuned" else 1)
    if not quiet:
        typer.echo(f"training {len(resolved.optimizers)} optimizers on {built.name} ({resolved.mode}); Ctrl-C stops "
                   "and writes the report from what finished", err=True)
    try:
        with _Progress(fits * len(resolved.batch_size), quiet) as bar:
            comparison = cmp.compare(resolved, built, progress=bar)
    except ValueError as e:  # a configuration the checks above could not foresee
        _fail(str(e))
    if comparison.interrupted and not len(comparison.summary):
        typer.echo("interrupted before any run finished a step: no report written", err=True)
        raise typer.Exit(130)
    if comparison.interrupted:
        typer.echo("interrupted: writing the report from what finished", err=True)
    try:
        html = write_report(comparison, out_dir, json_path=settings.get("json"), animation=not no_animation,
                            force=True)
    except KeyboardInterrupt:
        typer.echo("interrupted while writing the report", err=True)
        raise typer.Exit(130) from None
    if not quiet:
        Console().print(_table_of(_compact(comparison.table), comparison.winners, f"{built.title} — {resolved.mode}"))
    typer.echo(f"report: {html}")
    if comparison.interrupted:
        raise typer.Exit(130)


_SHOWN = ("lr", "batch size", "final train loss", "test loss", "test accuracy", "steps to target", "divergence rate",
          "distance to answer")


def _compact(frame: Any) -> Any:
    """The columns that fit a terminal; the report has them all."""
    return frame[[c for c in _SHOWN if c in frame.columns]]


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:60] or "task"


def _table_of(frame: Any, winners: dict[str, str], title: str) -> Table:
    import math

    short = {"final train loss": "train loss", "divergence rate": "diverged", "distance to answer": "distance",
             "batch size": "batch", "steps to target": "to target"}
    table = Table(title=title, title_justify="left")
    table.add_column("optimizer", style="bold", overflow="fold")
    for column in frame.columns:
        table.add_column(short.get(str(column), str(column)), justify="right", overflow="fold")
    for label, row in frame.iterrows():
        cells = []
        for column, value in row.items():
            if isinstance(value, float):
                text = "—" if math.isnan(value) else (f"{value:.0%}" if column in ("divergence rate", "test accuracy")
                                                     else f"{value:.4g}")
            else:
                text = str(value)
            cells.append(f"[green]{text}[/green]" if winners.get(str(column)) == str(label) else text)
        table.add_row(str(label), *cells)
    table.caption = "green: best per metric" if winners else None
    return table


@app.command("show")
def show(report: Path = typer.Argument(..., help="A report directory written by descend compare.")) -> None:
    """Print a finished comparison's summary table."""
    import pandas as pd

    path = Path(report) / "table.csv"
    if not path.exists():
        _fail(f"{str(report)!r} holds no descend report (no table.csv); run descend compare first")
    from .compare import winners

    frame = pd.read_csv(path, index_col=0)
    config = Path(report) / "config.toml"
    Console().print(_table_of(_compact(frame), winners(frame), f"descend report {report}"))
    if config.exists():
        typer.echo(config.read_text())


@app.command("landscape")
def landscape_command(
    name: str = typer.Argument(..., help="A landscape (descend list landscapes) or a formula in x and y."),
    optimizer: Optional[list[str]] = typer.Option(None, "--optimizer", "-o", help="NAME[:key=value,...], repeatable."),
    lr: Optional[str] = typer.Option(None, help="Learning rates (default: the landscape's range)."),
    start: Optional[str] = typer.Option(None, help="Start point X,Y (default: the landscape's)."),
    steps: int = typer.Option(300, help="Steps per optimizer."),
    out: Path = typer.Option(Path("reports"), help="Directory for the figure."),
    animate: Optional[Path] = typer.Option(None, help="Also write an animation: FILE.gif or FILE.mp4."),
) -> None:
    """Paths of several optimizers over one landscape: a contour and 3-D figure (and an animation)."""
    from . import compare as cmp
    from .report import figures

    try:
        point = None
        if start is not None:
            parts = [p for p in start.split(",") if p.strip()]
            try:
                point = tuple(float(p) for p in parts)
            except ValueError:
                raise ValueError(f"--start {start!r}: give two numbers X,Y") from None
            if len(point) != 2:
                raise ValueError(f"--start {start!r}: give two numbers X,Y")
        if animate is not None and animate.suffix.lower() not in (".gif", ".mp4"):
            raise ValueError(f"--animate {str(animate)!r}: the file must end in .gif or .mp4")
        resolved, task = cmp.resolve(name, optimizers=optimizer, lr=lr, steps=steps, seeds=1,
                                     task_options={"start": point} if point else None)
        if task.surface is None:
            raise ValueError(f"{name!r} is not a 2-D landscape")
    except ValueError as e:
        _fail(str(e))
    comparison = cmp.compare(resolved, task)
    labels = {int(i): f"{row['label']} lr={row['lr']:g}" for i, row in comparison.summary.iterrows()}
    out.mkdir(parents=True, exist_ok=True)
    stem = f"landscape-{_slug(task.name)}"
    figure = figures.landscape(task.surface, comparison.paths, labels, title=f"{task.title}: optimizer paths")
    written = figures.save(figure, out, stem)
    typer.echo(f"figure: {written[0]}")
    if animate is not None:
        figures.animate(task.surface, comparison.paths, labels, animate, title=task.title)
        typer.echo(f"animation: {animate}")
    Console().print(_table_of(_compact(comparison.table), comparison.winners, f"{task.title} — same-lr"))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
