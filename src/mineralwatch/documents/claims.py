"""Claims (figures stated in documents) and contradictions between them.

Two claims from different documents state the same fact when measure, mineral and
country are equal and their
years are equal; for slow-moving facts (reserves and shares of anything) a claim without
a year also matches a dated one. They contradict each other when, in the same unit,
their values differ by more than :data:`TOLERANCE` (relative).

>>> import mineralwatch as mw
>>> mw.claims(wh)["conflicts"][0]["fact"]            # doctest: +SKIP
"China's reserves share of rare earths (2024)"
"""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd

from mineralwatch.codes import countries, minerals
from mineralwatch.store import Warehouse

#: Relative difference beyond which two figures of one fact disagree.
TOLERANCE = 0.05
#: Measures whose facts change slowly: a claim without a year is compared with any year.
UNDATED_OK = ("reserves",)


def load_claims(wh: Warehouse, *, mineral: str | None = None,
                doc_id: str | None = None) -> pd.DataFrame:
    """Claims in the warehouse (optionally of one mineral or one document)."""
    q = 'SELECT * FROM "claim"'
    where, params = [], []
    if mineral:
        where.append("mineral = ?")
        params.append(minerals.to_id(mineral))
    if doc_id:
        where.append("doc_id = ?")
        params.append(doc_id)
    if where:
        q += " WHERE " + " AND ".join(where)
    return wh.sql(q + " ORDER BY doc_id, passage, start", params)


def _undated_ok(measure: str) -> bool:
    return measure in UNDATED_OK or measure.endswith("share")


def fact_label(measure: str, mineral: str, country: str, year: str | None) -> str:
    """A readable name of a fact: "China's reserves share of rare earths (2024)"."""
    who = "World" if country == "WLD" else countries.name(country)
    what = minerals.table()[mineral].name.lower() if mineral in minerals.table() else mineral
    return f"{who}'s {measure.replace('_', ' ')} of {what}" + (f" ({year})" if year else "")


def _disagree(a: float, b: float, tol: float) -> bool:
    scale = max(abs(a), abs(b))
    return scale > 0 and abs(a - b) / scale > tol


def find_conflicts(df: pd.DataFrame, *, tolerance: float = TOLERANCE) -> list[dict[str, Any]]:
    """Groups of claims about one fact whose values disagree (pure, on a claims frame).

    Returns
    -------
    list of ``{fact, measure, mineral, country, year, values: [{value, unit, doc_id,
    passage, start, end, text, year}]}``
    """
    need = df.dropna(subset=["measure", "mineral", "country"])
    out: list[dict[str, Any]] = []
    for (measure, mineral, country, unit), g in need.groupby(
            ["measure", "mineral", "country", "unit"], sort=True):
        rows = g.to_dict(orient="records")
        years = sorted({r["year"] for r in rows if isinstance(r["year"], str)})
        for year in [*years, None]:
            members = [r for r in rows if r["year"] == year or (
                not isinstance(r["year"], str) and _undated_ok(str(measure)))]
            if year is None:
                members = [r for r in rows if not isinstance(r["year"], str)]
            clash = any(_disagree(a["value"], b["value"], tolerance)
                        for a, b in itertools.combinations(members, 2)
                        if a["doc_id"] != b["doc_id"])
            if not clash:
                continue
            out.append({
                "fact": fact_label(str(measure), str(mineral), str(country), year),
                "measure": measure, "mineral": mineral, "country": country, "year": year,
                "values": [{"value": r["value"], "unit": unit, "doc_id": r["doc_id"],
                            "passage": int(r["passage"]), "start": int(r["start"]),
                            "end": int(r["end"]), "text": r["text"],
                            "year": r["year"] if isinstance(r["year"], str) else None}
                           for r in members]})
    return out


def claims(wh: Warehouse, *, mineral: str | None = None,
           tolerance: float = TOLERANCE) -> dict[str, Any]:
    """All claims and the conflicts among them: ``{claims: [...], conflicts: [...]}``."""
    df = load_claims(wh, mineral=mineral)
    records = [{k: (None if isinstance(v, float) and pd.isna(v) else v)
                for k, v in r.items() if k != "source_id"}
               for r in df.to_dict(orient="records")]
    return {"claims": records, "conflicts": find_conflicts(df, tolerance=tolerance)}


__all__ = ["TOLERANCE", "UNDATED_OK", "claims", "fact_label", "find_conflicts",
           "load_claims"]
