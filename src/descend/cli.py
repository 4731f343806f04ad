"""The ``descend`` command line: a thin layer over the library.

    descend list                 optimizers, losses, schedules, tasks and landscapes, one line each
    descend list optimizers      just one kind
    descend card TASK            what a task is, its data, model, loss and known answer
    descend --version
"""

from __future__ import annotations

from enum import Enum

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
