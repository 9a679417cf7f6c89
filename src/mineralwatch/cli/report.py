"""``mineralwatch report``: the offline HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mineralwatch.cli._common import WarehouseOpt, console, open_wh, progress


def register(app: typer.Typer) -> None:
    """Add the report command to ``app``."""

    @app.command("report", help="Write a self-contained offline HTML report (no CDN): per "
                 "mineral, producer shares by stage, concentration with sources, events.")
    def report(
        out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
            "mineralwatch-report"),
        mineral: Annotated[list[str] | None, typer.Option(
            "--mineral", "-m", help="Only these minerals (repeatable).")] = None,
        warehouse: WarehouseOpt = None,
    ) -> None:
        from mineralwatch.reports.html import build_report

        with open_wh(warehouse, create=False) as wh, progress("Writing report") as bar:
            def step(name: str) -> None:
                bar.update(description=f"Mineral pages: {name}")
                bar.advance()

            path = build_report(wh, out, minerals_=mineral, progress=step)
        console.print(f"Report written: [bold]{path.resolve()}[/bold]")
