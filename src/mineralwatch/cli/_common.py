"""Options and output helpers shared by every command."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mineralwatch.errors import NotFoundError

if TYPE_CHECKING:
    import pandas as pd

    from mineralwatch.store import Warehouse

console = Console()
err_console = Console(stderr=True)


class Format(StrEnum):
    """Output formats of table-like commands."""

    table = "table"
    json = "json"
    csv = "csv"


WarehouseOpt = Annotated[
    Path | None,
    typer.Option("--warehouse", "-w", help="Warehouse file (default: $MINERALWATCH_WAREHOUSE "
                 "or the user data directory).", envvar="MINERALWATCH_WAREHOUSE",
                 show_envvar=True),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
YearsOpt = Annotated[str | None, typer.Option(help="Years, e.g. 2025-2030.")]
DrawsOpt = Annotated[int, typer.Option(min=0, help="Monte Carlo draws (0: none).")]
SeedOpt = Annotated[int, typer.Option(help="Random seed.")]


def open_wh(path: Path | None, *, read_only: bool = False, create: bool = True
            ) -> Warehouse:
    """Open the warehouse named by ``--warehouse`` (or the default).

    Commands that only read (``create=False``) refuse a path where no warehouse exists
    instead of creating an empty one (a mistyped path would otherwise answer "no data").
    """
    from mineralwatch.store import default_path
    from mineralwatch.store import open as open_warehouse

    where = Path(path).expanduser() if path is not None else default_path()
    if not create and str(where) != ":memory:" and not where.exists():
        raise NotFoundError(f"No warehouse at {where}.",
                            hint="Build it with `mineralwatch init` (and `ingest`), or point "
                            "--warehouse / $MINERALWATCH_WAREHOUSE at an existing one.")
    return open_warehouse(path, read_only=read_only)


def dumps(obj: Any) -> str:
    """JSON text of ``obj`` (``mineralwatch.serialize.dumps``, imported when first used)."""
    from mineralwatch.serialize import dumps as _dumps

    return _dumps(obj)


def emit(data: pd.DataFrame | Sequence[dict[str, Any]] | dict[str, Any], fmt: Format, *,
         title: str | None = None, columns: Sequence[str] | None = None,
         caption: str | None = None, formats: Mapping[str, str] | None = None,
         labels: Mapping[str, str] | None = None) -> None:
    """Print records or a frame as a rich table, JSON or CSV on stdout.

    ``formats`` gives a format spec per column of the table (``{"sr": ".2f"}``) and
    ``labels`` its header; JSON and CSV keep the full values and the field names.
    """
    import pandas as pd

    from mineralwatch.serialize import to_jsonable
    if fmt == Format.json:
        payload = data.to_dict(orient="records") if isinstance(data, pd.DataFrame) else data
        sys.stdout.write(dumps(payload) + "\n")
        return
    df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(
        [data] if isinstance(data, dict) else list(data))
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    if fmt == Format.csv:
        flat = df.copy()
        for c in flat.columns:
            if flat[c].map(lambda v: isinstance(v, list | dict)).any():
                flat[c] = flat[c].map(lambda v: json.dumps(to_jsonable(v), ensure_ascii=False)
                                      if isinstance(v, list | dict) else v)
        sys.stdout.write(flat.to_csv(index=False))
        return
    formats, labels = formats or {}, labels or {}
    specs = [formats.get(str(c)) for c in df.columns]
    headers = [labels.get(str(c), str(c)) for c in df.columns]
    cells = [[_cell(v, spec) for v, spec in zip(row, specs, strict=True)]
             for row in df.itertuples(index=False)]
    print_table(headers, cells, title=title, caption=caption)


#: A cell that is one number (``132,000``, ``-4.5%``, ``5,867-5,875``): never wrapped.
_NUMBER = re.compile(r"[-+−]?[\d.,]+%?(\s?[-–]\s?[-+−]?[\d.,]+%?)?")


def column_widths(headers: Sequence[str], cells: Sequence[Sequence[str]]
                  ) -> list[tuple[int, bool]]:
    """(minimum width, is numeric) per column: a numeric column is as wide as its widest
    cell or its header; a text column as wide as its longest word (so no number or word
    is split)."""
    out = []
    for j, h in enumerate(headers):
        col = [r[j] for r in cells if r[j]]
        numeric = bool(col) and all(_NUMBER.fullmatch(v) for v in col)
        words = [w for v in [*col, h] for w in v.split()] or [h]
        # a numeric column does not wrap at all, its header included
        need = max(len(h), *(len(v) for v in col)) if numeric else max(len(w) for w in words)
        out.append((max(need, 1), numeric))
    return out


def print_table(headers: Sequence[str], cells: Sequence[Sequence[str]], *,
                title: str | None = None, caption: str | None = None) -> None:
    """A rich table whose numbers are never split across lines.

    Numeric columns do not wrap; text columns wrap between words. When even that does not
    fit the terminal (or the 80 columns of a pipe), each row is printed as its own block of
    ``field: value`` lines instead.
    """
    widths = column_widths(headers, cells)
    needed = sum(w for w, _ in widths) + 3 * len(widths) + 1
    if needed > console.width:
        _print_records(headers, cells, title=title, caption=caption)
        return
    table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    for h, (w, numeric) in zip(headers, widths, strict=True):
        table.add_column(h, min_width=w, no_wrap=numeric, overflow="fold",
                         justify="right" if numeric else "left")
    for row in cells:
        # cells are data, not markup: "[report.txt:3]" must print as written
        table.add_row(*[escape(v) for v in row])
    console.print(table)


def _print_records(headers: Sequence[str], cells: Sequence[Sequence[str]], *,
                   title: str | None, caption: str | None) -> None:
    if title:
        console.print(f"[bold]{escape(title)}[/bold]")
    width = max((len(h) for h in headers), default=0)
    for i, row in enumerate(cells):
        if i:
            console.print()
        for h, v in zip(headers, row, strict=True):
            if v:
                console.print(f"{escape(h).ljust(width)}  {escape(v)}", soft_wrap=True)
    if caption:
        console.print(f"\n[dim]{escape(caption)}[/dim]")


def _cell(v: Any, spec: str | None = None) -> str:
    from mineralwatch.serialize import to_jsonable

    v = to_jsonable(v)
    if v is None:
        return ""
    if spec is not None and isinstance(v, int | float) and not isinstance(v, bool):
        return format(v, spec)
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1 else f"{v:,.1f}" if abs(v) < 1e4 else f"{v:,.0f}"
    if isinstance(v, list):
        return ", ".join(_cell(x) if not isinstance(x, dict) else
                         " ".join(f"{k}={_cell(val)}" for k, val in x.items()) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Any]:
    """A rich progress bar on stderr (hidden when stderr is not a terminal)."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err_console, transient=True,
                  disable=not err_console.is_terminal) as p:
        task = p.add_task(description, total=total)

        class _Handle:
            def advance(self, n: float = 1) -> None:
                p.advance(task, n)

            def update(self, **kw: Any) -> None:
                p.update(task, **kw)

        yield _Handle()
