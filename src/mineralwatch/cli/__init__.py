"""The ``mineralwatch`` command.

Each capability registers its commands from its own module (``cli/<topic>.py`` with a
``register(app)`` function); this module only assembles them and turns every
:class:`~mineralwatch.errors.MineralwatchError` into a readable message and exit code 2.
"""

from __future__ import annotations

import importlib
import sys

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

def _version(value: bool) -> None:
    if value:
        from mineralwatch import __version__

        typer.echo(f"mineralwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                       help="Print the version and exit.")) -> None:
    """Critical-mineral supply security: concentration, criticality, balances, trade
    screening, stockpiles and document intelligence — offline."""


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
    """Entry point: run the CLI and return the exit code.

    0 success; 2 a usage error (printed by the command-line parser) or a
    :class:`MineralwatchError` (printed as one readable message, never a traceback);
    130 interrupted.
    """
    _load()
    _quiet_rounding_warnings()
    err = Console(stderr=True)
    command = typer.main.get_command(app)
    try:
        # standalone mode: the parser prints usage errors itself and exits with code 2,
        # whichever click (installed or vendored by typer) it is built on
        command.main(args=argv, prog_name="mineralwatch", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except MineralwatchError as exc:
        err.print(f"[bold red]Error ({type(exc).__name__}):[/bold red] ", end="")
        err.print(str(exc), markup=False, highlight=False)
        return 2
    except OSError as exc:  # a path that cannot be read or written: say which, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        err.print(f"[bold red]Error ({type(exc).__name__}):[/bold red] ", end="")
        err.print(f"{exc.strerror or exc}{where}", markup=False, highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("[red]Interrupted.[/red]")
        return 130
    return 0


def _quiet_rounding_warnings() -> None:
    """Rounding normalisations are reported in outputs (notes, attrs), not as warnings."""
    import warnings

    # by message, so that --help need not import the analytics (and numpy) to name the class
    # (mineralwatch.analytics.concentration.indicators.ShareNormalisationWarning)
    warnings.filterwarnings("ignore", message=r"Shares sum to .* \(rounding\)")


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


__all__ = ["COMMAND_MODULES", "app", "main", "run"]
