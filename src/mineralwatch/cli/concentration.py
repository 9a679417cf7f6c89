"""``mineralwatch concentration``: supply concentration of a mineral at a stage.

JSON output (``--format json``) is documented in ``docs/json.md``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from mineralwatch.cli._common import Format, FormatOpt, WarehouseOpt, emit, open_wh


class Stage(StrEnum):
    """Value-chain stages of production data."""

    mine = "mine"
    refinery = "refinery"
    smelter = "smelter"
    processing = "processing"


#: Fields of each JSON record, in order.
JSON_FIELDS = [
    "mineral", "stage", "year", "hhi", "hhi_min", "hhi_max", "n_producers", "top1_country",
    "top1_share", "top3_share", "top3_countries", "top5_share", "top5_countries", "n1_gap",
    "governance_weighted_hhi", "unlisted_share", "world_quantity", "unit", "basis",
    "source_id", "shares", "units",
]


def _pct(v: Any) -> str:
    return "" if v is None or v != v else f"{100 * float(v):.1f}%"


def table_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Readable rows: percentages, rounded HHI, the largest producers with their shares.

    The stage and sources go in the title and caption; the N-1 gap equals the top-1 share
    and the governance-weighted HHI is shown only when known.
    """
    rows = []
    with_gov = any(r["governance_weighted_hhi"] is not None for r in records)
    for r in records:
        row: dict[str, Any] = {
            "mineral": r["mineral"], "year": r["year"], "HHI": f"{r['hhi']:,.0f}",
            "HHI range": (f"{r['hhi_min']:,.0f}-{r['hhi_max']:,.0f}"
                          if r["hhi_max"] - r["hhi_min"] >= 0.5 else ""),
            "n": r["n_producers"],
            "top 1": f"{r['top1_country']} {_pct(r['top1_share'])}",
            "top 3": _pct(r["top3_share"]), "top 5": _pct(r["top5_share"]),
        }
        if with_gov:
            gov = r["governance_weighted_hhi"]
            row["HHI-WGI"] = "" if gov is None else f"{gov:.2f}"
        row["largest producers"] = ", ".join(f"{d['country']} {_pct(d['share'])}"
                                             for d in r["shares"][:3])
        rows.append(row)
    return rows


def default_stage(mineral: str | None) -> str:
    """``mine``, or the first stage a mineral is produced at when it is not mined itself.

    Gallium, germanium, magnesium and silicon are recovered at refineries or smelters (the
    USGS reports no mine production for them).
    """
    if mineral is None:
        return Stage.mine.value
    from mineralwatch.codes import minerals

    stages = minerals.table()[minerals.to_id(mineral)].stages
    return Stage.mine.value if not stages or Stage.mine.value in stages else stages[0]


def register(app: typer.Typer) -> None:
    """Add ``concentration`` to ``app``."""

    @app.command("concentration", help="Supply concentration of a mineral: HHI (0-10,000), "
                 "top-1/3/5 shares, N-1 gap and governance-weighted HHI from the warehouse's "
                 "production data.")
    def concentration_cmd(
        mineral: Annotated[str | None, typer.Option(
            "--mineral", "-m", help="Mineral name or id (all minerals when omitted).")] = None,
        stage: Annotated[Stage | None, typer.Option(
            "--stage", "-s", help="Value-chain stage (default: mine, or the first stage the "
            "mineral is produced at, e.g. refinery for gallium).")] = None,
        year: Annotated[int | None, typer.Option(
            "--year", "-y", help="Year (default: the latest with data).")] = None,
        source: Annotated[str | None, typer.Option(
            help="Source id or kind to use (default: USGS MCS, then BGS, then others).")
        ] = None,
        fmt: FormatOpt = Format.table,
        warehouse: WarehouseOpt = None,
    ) -> None:
        from mineralwatch.analytics.concentration import concentration

        at = stage.value if stage is not None else default_stage(mineral)
        from mineralwatch.store import default_path

        path = warehouse if warehouse is not None else default_path()
        with open_wh(path, read_only=True, create=False) as wh:
            df = concentration(wh, mineral, at, year, source=source)
        records: list[dict[str, Any]] = [
            {str(k): v for k, v in r.items()} for r in df[JSON_FIELDS].to_dict(orient="records")]
        if fmt == Format.table:
            sources = sorted({f"{r['source_id']}" + ("" if r["basis"] == "production"
                                                      else f" ({r['basis']})")
                              for r in records})
            emit(table_rows(records), fmt, title=f"Supply concentration, {at}",
                 caption="HHI 0-10,000 (range: shares incomplete); shares of world supply; "
                 "N-1 gap = top 1. Source: " + "; ".join(sources))
        else:
            emit(records, fmt)
