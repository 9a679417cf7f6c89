"""``mineralwatch shock``: propagate an export cut through a mineral's trade network.

JSON output (``--format json``) is documented in ``docs/json.md``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from mineralwatch.cli._common import Format, FormatOpt, WarehouseOpt, emit, open_wh
from mineralwatch.errors import Failure, InputError

#: Fields of each country record in the JSON output, in order.
JSON_FIELDS = ["country", "loss_t", "loss_pct", "stock_drawn_t", "consumption_loss_t",
               "export_cut_t", "shortage_pct", "consumption_t", "first_round"]


class ShockModel(StrEnum):
    """Propagation models."""

    proportional = "proportional"
    threshold = "threshold"


class ShockKind(StrEnum):
    """What the shock removes."""

    export = "export"
    production = "production"


def table_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Readable rows: tonnes rounded, percentages with one decimal."""
    def pct(v: float | None) -> str:
        return "" if v is None else f"{v:.1f}%"

    return [{"country": r["country"], "loss t": f"{r['loss_t']:,.1f}",
             "loss % use": pct(r["loss_pct"]), "stock drawn t": f"{r['stock_drawn_t']:,.1f}",
             "shortage t": f"{r['consumption_loss_t']:,.1f}",
             "shortage % use": pct(r["shortage_pct"]),
             "passed on t": f"{r['export_cut_t']:,.1f}", "round": r["first_round"]}
            for r in report["countries"]]


def parse_stocks(text: str | None) -> dict[str, float] | None:
    """``"USA=500,JPN=1200"`` -> ``{"USA": 500.0, "JPN": 1200.0}``."""
    if not text:
        return None
    out: dict[str, float] = {}
    bad = []
    for item in text.split(","):
        name, _, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            bad.append(Failure("expected COUNTRY=TONNES", column="--stocks", value=item))
    if bad:
        raise InputError("Cannot read --stocks.", bad, hint="e.g. --stocks USA=500,JPN=1200")
    return out


def register(app: typer.Typer) -> None:
    """Add ``shock`` to ``app``."""

    @app.command("shock", help="Who runs short when an exporter cuts: propagate an export "
                 "cut (or production loss) through the mineral's trade network.")
    def shock_cmd(
        mineral: Annotated[str, typer.Option("--mineral", "-m", help="Mineral id or name.")],
        exporter: Annotated[str, typer.Option(help="Country that cuts (ISO3 or name).")],
        cut: Annotated[float, typer.Option(help="Fraction cut, 0-1 (0.5 = half).")],
        targets: Annotated[str | None, typer.Option(
            help="Comma-separated importers the cut applies to (default: all).")] = None,
        model: Annotated[ShockModel, typer.Option(help="Propagation model.")] =
            ShockModel.proportional,
        kind: Annotated[ShockKind, typer.Option(help="Cut exports or production.")] =
            ShockKind.export,
        year: Annotated[int | None, typer.Option(help="Trade year (default: latest).")] = None,
        stock_days: Annotated[float, typer.Option(
            help="Default stocks in days of consumption.")] = 30.0,
        stocks: Annotated[str | None, typer.Option(
            help="Known stocks in tonnes, e.g. USA=500,JPN=1200 (others: --stock-days).")]
            = None,
        warehouse: WarehouseOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from mineralwatch.analytics.network import shock

        with open_wh(warehouse, read_only=True, create=False) as wh:
            report = shock(wh, mineral, exporter, cut,
                           targets=[t.strip() for t in targets.split(",")] if targets else None,
                           model=model.value, kind=kind.value, year=year,
                           stocks=parse_stocks(stocks), stock_days=stock_days)
        if fmt == Format.json:
            emit(report, fmt)
            return
        s = report["shock"]
        emit(table_rows(report) if fmt == Format.table else report["countries"], fmt,
             title=f"{report['mineral']} {report['year']}: {s['country']} cuts "
             f"{100 * s['cut']:.0f}% of {s['kind']} ({s['total_t']:,.0f} t), {report['model']}",
             caption=f"{report['rounds']} rounds; conserved: {report['conserved']}. "
             + " ".join(report["notes"]))
