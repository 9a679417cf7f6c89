"""China's graphite exports by partner and month (UN Comtrade, China as reporter).

The folder ``trade/china_exports_comtrade/`` (derived tables from
qennis/ChinaCriticalMineralComtrade) holds:

``deep_dive_hs6_monthly.csv`` — read
    ``period_dt, partner_name, hs6, val, qty, uv``: China's exports of natural graphite
    (250410) and artificial graphite (380110) by partner and month, value in USD and
    quantity in kg. Each row becomes one canonical ``trade`` row: exporter ``CHN``,
    importer the partner's ISO3, period ``YYYY-MM``, ``reporter_side 'export'``,
    quantity in tonnes. China reported in HS 2017 until December 2021 and in HS 2022
    from January 2022, so ``hs_revision`` follows the period (both codes are unchanged
    between the two revisions).

``country_monthly_stats.csv`` — not read
    values by *product group* (graphite, rare earths, polysilicon), not by HS6. The
    canonical trade table is keyed by real HS6 codes; a pseudo code for a group would
    be summed with real codes by every HS-based analysis, so the file is skipped.

``overview_monthly.csv``, ``concentration_destination_hhi.csv``, ``hs_map.csv`` — not read
    totals and indicators derived from the same flows (recomputable from the trade
    table) and China's HS8 lines per material (reference data, not flows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mineralwatch.errors import Failure, InputError
from mineralwatch.schema import LINE
from mineralwatch.sources._io import parse_numbers, read_table, require_columns
from mineralwatch.sources._registry import Loader, register
from mineralwatch.sources._trade import (
    constant,
    country_resolver,
    frame_lines,
    raise_failures,
    resolve_codes,
    trade_frame,
)

DEEP_DIVE = "deep_dive_hs6_monthly.csv"
REQUIRED = ("period_dt", "partner_name", "hs6", "val", "qty")
SKIPPED = {
    "country_monthly_stats.csv": "values by product group, not HS6",
    "overview_monthly.csv": "monthly totals by product group",
    "concentration_destination_hhi.csv": "a derived indicator",
    "hs_map.csv": "China's HS8 lines per material (reference data)",
}
#: China switched its tariff nomenclature to HS 2022 in January 2022.
HS2022_FROM = "2022-01"


def read_china_exports(path: str | Path) -> pd.DataFrame:
    """Read China's monthly HS6 graphite exports by partner into the ``trade`` table.

    Parameters
    ----------
    path
        the ``china_exports_comtrade`` folder or its ``deep_dive_hs6_monthly.csv``.

    Returns
    -------
    pandas.DataFrame
        Canonical trade rows (exporter ``CHN``) with ``_line``.

    Raises
    ------
    InputError
        for a file of the folder that is not by HS6 (``country_monthly_stats.csv`` ...).
    UnknownCodeError
        partner names that resolve to no ISO3, each with its first line.
    """
    p = _deep_dive_path(Path(path))
    file = str(p)
    df = require_columns(read_table(p), REQUIRED, file=p)
    line_of = frame_lines(df)
    importer, f1 = resolve_codes(df["partner_name"], country_resolver(), file=file,
                                 column="partner_name", line_of=line_of, what="partner name")
    period, f2 = resolve_codes(df["period_dt"], _month, file=file, column="period_dt",
                               line_of=line_of, what="month (expected YYYY-MM-DD)")
    hs6, f3 = resolve_codes(df["hs6"], _hs6, file=file, column="hs6", line_of=line_of,
                            what="HS6 code")
    raise_failures([*f1, *f2, *f3], file=file, what="partner name(s)")
    value = parse_numbers(df["val"], file=p, lines=df[LINE], column="val")["value"]
    kg = parse_numbers(df["qty"], file=p, lines=df[LINE], column="qty")["value"]
    quantity = kg.to_numpy() / 1000.0
    n = len(df)
    months = np.asarray(period.to_pylist(), dtype=object)
    return trade_frame({
        "period": period,
        "hs6": hs6,
        "hs_revision": np.where(months >= HS2022_FROM, "HS2022", "HS2017").astype(object),
        "exporter": "CHN",
        "importer": importer,
        "reporter_side": "export",
        "value_usd": value.to_numpy(),
        "quantity": quantity,
        "quantity_unit": constant("t", n, mask=np.isnan(quantity)),
        LINE: df[LINE].to_numpy(dtype=np.int64),
    }, n)


def _deep_dive_path(p: Path) -> Path:
    if p.is_dir():
        p = p / DEEP_DIVE
    if p.name in SKIPPED:
        raise InputError(
            f"{p.name} is not read by the china-exports loader: {SKIPPED[p.name]}.",
            [Failure("not an HS6 flow table", file=str(p))], file=p,
            hint=f"Pass the folder or its {DEEP_DIVE}; see mineralwatch.sources."
            "china_exports for why the other files are skipped.")
    if not p.is_file():
        raise InputError(f"File not found: {p}", file=p,
                         hint=f"Pass the china_exports_comtrade folder or its {DEEP_DIVE}.")
    return p



def _month(v: object) -> str | None:
    s = str(v).strip()
    ok = len(s) >= 7 and s[:4].isdigit() and s[4] == "-" and s[5:7].isdigit()
    return s[:7] if ok and 1 <= int(s[5:7]) <= 12 else None


def _hs6(v: object) -> str | None:
    s = str(v).strip()
    return s.zfill(6) if s.isdigit() and len(s) <= 6 else None


register(Loader(
    kind="china-exports",
    function="china_exports:read_china_exports",
    tables=("trade",),
    description="China's monthly graphite exports by partner and HS6 (UN Comtrade via "
    "qennis/ChinaCriticalMineralComtrade: deep_dive_hs6_monthly.csv).",
    publisher="UN Comtrade (China as reporter), via qennis/ChinaCriticalMineralComtrade",
    licence="UN Comtrade terms: attribution, non-commercial",
))

__all__ = ["read_china_exports"]
