"""``mineralwatch init`` and ``mineralwatch ingest``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from mineralwatch.cli._common import Format, FormatOpt, WarehouseOpt, console, emit, open_wh

#: Trade rows in one ingest above which ``ingest`` suggests ``optimize``.
OPTIMIZE_HINT_ROWS = 1_000_000


def register(app: typer.Typer) -> None:
    """Add the data commands to ``app``."""

    @app.command("init", help="Build the warehouse from the built-in starter dataset "
                 "(USGS MCS 2025, EU CRM 2023 shares, WGI, curated policy events). Idempotent.")
    def init(
        warehouse: WarehouseOpt = None,
        force: Annotated[bool, typer.Option(help="Re-write even if unchanged.")] = False,
    ) -> None:
        from mineralwatch.cli._common import progress
        from mineralwatch.store.starter import ingest_starter, manifest

        n = len(manifest()["sources"]) + 1
        with open_wh(warehouse) as wh, progress("Building warehouse", total=n) as bar:
            def step(name: str) -> None:
                bar.update(description=f"Ingesting {name}")
                bar.advance()

            results = ingest_starter(wh, force=force, progress=step)
            where = wh.path
        added = sum(r.total_rows for r in results if not r.skipped)
        skipped = sum(1 for r in results if r.skipped)
        console.print(f"Warehouse [bold]{where}[/bold]: {len(results)} starter sources, "
                      f"{added:,} rows written, {skipped} unchanged.")

    @app.command("minerals", help="List the minerals and groups mineralwatch knows, with "
                 "Chinese names, groups, stages and HS codes.")
    def minerals_(fmt: FormatOpt = Format.table,
                  search: Annotated[str | None, typer.Option(
                      "--search", "-s", help="Only names or aliases containing this.")] = None
                  ) -> None:
        from mineralwatch.codes import minerals

        rows = []
        for m in minerals.table().values():
            names = [m.id, m.name, *m.zh, *m.aliases]
            if search and not any(search.casefold() in n.casefold() for n in names):
                continue
            rows.append({"id": m.id, "name": m.name, "zh": ", ".join(m.zh), "kind": m.kind,
                         "groups": list(m.groups), "members": list(m.members),
                         "stages": list(m.stages), "hs6": sorted({h.hs6 for h in m.hs})})
        emit(rows, fmt, title="Minerals", columns=["id", "name", "zh", "kind", "groups",
                                                   "stages", "hs6"])

    @app.command("sources", help="List the sources in the warehouse with their provenance.")
    def sources(warehouse: WarehouseOpt = None, fmt: FormatOpt = Format.table) -> None:
        with open_wh(warehouse, create=False) as wh:
            df = wh.sources()
        if fmt != Format.table:
            emit(df, fmt, columns=["source_id", "kind", "rows", "publisher", "licence",
                                   "loader_version", "ingested_at", "path"])
            return
        table = df.assign(ingested=df["ingested_at"].astype(str).str[:10])
        emit(table, fmt, title="Sources", columns=["source_id", "rows", "publisher", "licence",
                                                   "ingested"],
             caption="paths and loader versions: --format json or csv")

    @app.command("ingest", help="Parse a public data file and write it to the warehouse. "
                 "KIND is one of the registered loaders (see below).", cls=_IngestCommand)
    def ingest(
        kind: Annotated[str, typer.Argument(help="Loader kind, e.g. usgs-mcs, wgi, baci.")],
        path: Annotated[Path, typer.Argument(help="File to read.")],
        warehouse: WarehouseOpt = None,
        force: Annotated[bool, typer.Option(help="Re-ingest even if unchanged.")] = False,
    ) -> None:
        from mineralwatch.store.ingest import ingest_file

        with open_wh(warehouse) as wh:
            res = ingest_file(wh, kind, path, force=force)
        if res.skipped:
            console.print(f"[yellow]{res.source_id}[/yellow] unchanged (same checksum): "
                          "nothing written.")
        else:
            verb = "replaced" if res.replaced else "added"
            rows = ", ".join(f"{n:,} {t}" for t, n in res.rows.items())
            console.print(f"[green]{res.source_id}[/green] {verb}: {rows}.")
            if res.rows.get("trade", 0) >= OPTIMIZE_HINT_ROWS:
                console.print("Run [bold]mineralwatch optimize[/bold] to cluster the trade "
                              "table: screening and shock queries then read only the rows "
                              "they need.")

    @app.command("optimize", help="Rewrite large tables in clustering order (trade by "
                 "exporter and importer) so that screening and shock queries read only the "
                 "rows they need. Run after bulk trade ingests; results do not change.")
    def optimize(warehouse: WarehouseOpt = None) -> None:
        from mineralwatch.cli._common import progress

        with open_wh(warehouse, create=False) as wh, \
                progress("Clustering tables", total=None) as bar:
            done = wh.optimize()
            bar.update(description="Done")
        if not done:
            console.print("Nothing to rewrite (no rows in clustered tables).")
        for table, n in done.items():
            console.print(f"[green]{table}[/green]: {n:,} rows rewritten in clustering order.")


class _IngestCommand(TyperCommand):
    """``ingest``: its help lists the loader kinds, imported only when help is shown."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        if not self.epilog:
            self.epilog = _kinds_help()
        super().format_help(ctx, formatter)


def _kinds_help() -> str:
    from mineralwatch.sources import LOADERS

    lines = [f"{k}: {ld.description}" for k, ld in sorted(LOADERS.items())]
    return "Kinds:\n\n" + "\n\n".join(lines) if lines else ""
