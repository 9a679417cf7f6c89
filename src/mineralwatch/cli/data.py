"""``mineralwatch init`` and ``mineralwatch ingest``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mineralwatch.cli._common import WarehouseOpt, console, open_wh


def register(app: typer.Typer) -> None:
    """Add the data commands to ``app``."""

    @app.command("ingest", help="Parse a public data file and write it to the warehouse. "
                 "KIND is one of the registered loaders (see below).", epilog=_kinds_help())
    def ingest(
        kind: Annotated[str, typer.Argument(help="Loader kind, e.g. usgs-mcs, wgi, baci.")],
        path: Annotated[Path, typer.Argument(help="File to read.")],
        warehouse: WarehouseOpt = None,
        force: Annotated[bool, typer.Option(help="Re-ingest even if unchanged.")] = False,
    ) -> None:
        from mineralwatch.sources import ingest_file

        with open_wh(warehouse) as wh:
            res = ingest_file(wh, kind, path, force=force)
        if res.skipped:
            console.print(f"[yellow]{res.source_id}[/yellow] unchanged (same checksum): "
                          "nothing written.")
        else:
            verb = "replaced" if res.replaced else "added"
            rows = ", ".join(f"{n:,} {t}" for t, n in res.rows.items())
            console.print(f"[green]{res.source_id}[/green] {verb}: {rows}.")


def _kinds_help() -> str:
    from mineralwatch.sources import LOADERS

    lines = [f"{k}: {ld.description}" for k, ld in sorted(LOADERS.items())]
    return "Kinds:\n\n" + "\n\n".join(lines) if lines else ""
