"""The ``mineralwatch`` command.

Each capability registers its commands from its own module (``cli/<topic>.py`` with a
``register(app)`` function); this module only assembles them and turns every
:class:`~mineralwatch.errors.MineralwatchError` into a readable message and exit code 2.
"""

from __future__ import annotations

import importlib
import sys

import click
import typer
from rich.console import Console

from mineralwatch.errors import MineralwatchError

app = typer.Typer(
    name="mineralwatch",
    help="Critical-mineral supply security: concentration, criticality, balances, trade "
    "screening, stockpiles and document intelligence — offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Modules under mineralwatch.cli that register commands, in help order.
COMMAND_MODULES = [
    "data",
    "concentration",
    "criticality",
    "balance",
    "events",
    "report",
    "web",
    "stockpile",
    "network",
    "screen",
    "docs",
]

_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for name in COMMAND_MODULES:
        mod = importlib.import_module(f"mineralwatch.cli.{name}")
        mod.register(app)
    _loaded = True


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and return the exit code (0 ok, 1 usage, 2 error)."""
    _load()
    err = Console(stderr=True)
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="mineralwatch", standalone_mode=False)
    except click.exceptions.Abort:
        err.print("[red]Aborted.[/red]")
        return 1
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return 1
    except MineralwatchError as exc:
        err.print(f"[bold red]Error ({type(exc).__name__}):[/bold red] ", end="")
        err.print(str(exc), markup=False, highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("[red]Interrupted.[/red]")
        return 130
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


__all__ = ["COMMAND_MODULES", "app", "main", "run"]
