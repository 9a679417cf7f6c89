"""The USGS supply-risk method (Nassar & Fortier 2021, USGS OFR 2021-1045; Nassar et al.
2020, Sci. Adv. 6: eaay8647), the method behind the 2022 US list of critical minerals::

    DP  = log scale of the governance-weighted HHI  sum_c S_c^2 * g_c   (0-1)
    TE  = net import reliance of the importer, 0 for a net exporter       (0-1)
    EV  = economic vulnerability of the importer's using industries       (0-1)
    SR  = (DP * TE * EV) ** (1/3)        critical where SR >= 0.40 (their threshold)

with ``g_c`` the WGI governance score of country ``c`` on 0-1 (1 worst, the EU scale
/ 10), ``S_c`` the country's share of world production, recency-weighted over the years
available (weights 1, 2, ... from the oldest year), and the log scale
``ln(GHHI / 1e-4) / ln(1e4)`` (a GHHI of 1 -> 1, of 1e-4 -> 0) that keeps the
orders-of-magnitude range of concentration indices on 0-1.

Inputs from USGS data (every record's ``notes`` and ``*_source`` fields say which):

* DP: USGS MCS 2025 world production by country (``production``; mine, refinery,
  smelter or processing, the most concentrated stage). A material MCS does not report
  takes the EU study's global supply shares of the material itself (the rare-earth
  elements, PGMs, helium...), else its group's MCS production; ``dp_source`` says which.
* TE: USGS net import reliance (MCS 2025 salient statistics, latest year; ``E`` = net
  exporter -> 0, bounds such as ">50" taken at the bound).
* EV: their EV is the cost of the mineral over the net income of the US industries that
  use it (BEA data, not available offline). Ours is the value-added weight of the using
  sectors from the USGS MCS 2025 Table 4 end uses (``end_use`` rows of kind
  ``usgs-end-use``): ``sum_s A_s Q_s / max Q`` on 0-1, Q the sector value added of the
  EU table; where T4 does not list the material, the EU end-use table, stated; a
  user-supplied ``vulnerability`` overrides both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.criticality.assess import (
    END_USE_SOURCES,
    economic_importance_table,
    latest_shares,
)
from mineralwatch.analytics.criticality.explain import contributions, index_terms
from mineralwatch.analytics.criticality.inputs import (
    CriticalityInputs,
    import_reliance_of,
    supply_terms,
    wgi_scores,
)
from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS, CriticalityOptions
from mineralwatch.analytics.criticality.verdict import score_verdict
from mineralwatch.codes import minerals

#: Columns of a USGS assessment (``sr`` is the supply-risk score, ``ei`` the EV used).
COLUMNS: tuple[str, ...] = (
    "material", "name", "importer", "method", "sr", "ei", "stage", "critical",
    "classification", "undetermined_reason", "critical_on_sr_alone", "label", "complete",
    "dp", "dp_source", "te", "te_source", "ev", "ev_source", "notes",
)

DIFFERENCES = (
    "Nassar & Fortier (2021) method with public inputs: DP from USGS MCS 2025 production "
    "(2023-2024, recency-weighted), TE from USGS net import reliance, EV from the sectors "
    "of the USGS MCS T4 end uses (their EV uses BEA industry net income)"
)

_HHI_FLOOR = 1e-4
_STAGES = ("mine", "refinery", "smelter", "processing")


def log_scale(ghhi: float) -> float:
    """``ln(GHHI / 1e-4) / ln(1e4)`` clipped to 0–1 (GHHI on 0–1)."""
    if math.isnan(ghhi):
        return ghhi
    return float(min(1.0, max(0.0, math.log(max(ghhi, _HHI_FLOOR) / _HHI_FLOOR)
                              / math.log(1 / _HHI_FLOOR))))


def disruption_potential(shares: np.ndarray, wgi: np.ndarray) -> float:
    """DP on 0–1 from shares (fractions) and WGI scores on the EU 0–10 scale."""
    s, w = np.asarray(shares, dtype=float), np.asarray(wgi, dtype=float)
    return log_scale(float(np.sum(s ** 2 * w / 10.0)))


def trade_exposure(nir: float) -> float:
    """TE: net import reliance as a fraction; a net exporter (NIR <= 0) has none."""
    return float(min(1.0, max(0.0, nir))) if not math.isnan(nir) else nir


def supply_risk_score(dp: float, te: float, ev: float) -> float:
    """``(DP x TE x EV) ** (1/3)`` on 0–1 (``nan`` where an indicator is unknown)."""
    prod = dp * te * ev
    return float(prod ** (1 / 3)) if not math.isnan(prod) else float("nan")


def recency_weights(years: list[int]) -> dict[int, float]:
    """Weights 1, 2, ... n from the oldest year, normalised to sum to 1."""
    ys = sorted(set(years))
    total = len(ys) * (len(ys) + 1) / 2
    return {y: (i + 1) / total for i, y in enumerate(ys)}


def production_dp(production: pd.DataFrame, scores: pd.Series) -> dict[str, tuple[float, str]]:
    """DP per mineral from USGS country production: ``{mineral: (dp, source)}``.

    Shares are each country's quantity over the world total (``WLD`` row, else the sum);
    "other countries" rows count in the total only. Missing WGI: the mean score.
    """
    if production.empty:
        return {}
    df = production[production["stage"].isin(_STAGES) & production["quantity"].notna()]
    mean = float(scores.mean())
    out: dict[str, tuple[float, str]] = {}
    for (mineral, stage), g in df.groupby(["mineral", "stage"]):
        weights = recency_weights(g["year"].astype(int).tolist())
        ghhi = 0.0
        for year, gy in g.groupby("year"):
            world = gy.loc[gy["country"] == "WLD", "quantity"]
            countries_ = gy[~gy["country"].isin(["WLD", "XOT"])]
            total = float(world.iloc[0]) if len(world) else float(gy["quantity"].sum())
            if total <= 0:
                continue
            s = countries_["quantity"].to_numpy(dtype=float) / total
            w = countries_["country"].map(scores).fillna(mean).to_numpy(dtype=float)
            ghhi += weights[int(year)] * float(np.sum(s ** 2 * w / 10.0))
        dp = log_scale(ghhi)
        years = "-".join(str(y) for y in sorted(weights))
        if dp > out.get(str(mineral), (-1.0, ""))[0]:
            out[str(mineral)] = (dp, f"USGS MCS 2025 production, {stage}, {years}")
    return out


def production_contributions(production: pd.DataFrame, scores: pd.Series, mineral: str,
                             stage: str) -> list[dict[str, Any]]:
    """Each producer's term of the latest year's GHHI (share, WGI score, term, % of GHHI),
    largest first: what makes up a DP computed from USGS production."""
    df = production[(production["mineral"] == mineral) & (production["stage"] == stage)
                    & production["quantity"].notna()]
    if df.empty:
        return []
    df = df[df["year"] == df["year"].max()]
    world = df.loc[df["country"] == "WLD", "quantity"]
    rows = df[~df["country"].isin(["WLD", "XOT"])]
    total = float(world.iloc[0]) if len(world) else float(df["quantity"].sum())
    if total <= 0:
        return []
    mean = float(scores.mean())
    out = []
    for c, q in zip(rows["country"], rows["quantity"], strict=True):
        share, wgi = float(q) / total, float(scores.get(c, mean))
        out.append({"country": str(c), "share": share, "wgi": wgi, "t": 1.0,
                    "dp_term": share ** 2 * wgi / 10.0, "year": int(df["year"].max())})
    ghhi = sum(r["dp_term"] for r in out) or 1.0
    for r in out:
        r["pct_of_hhi"] = r["dp_term"] / ghhi
    return sorted(out, key=lambda r: -r["dp_term"])


def shares_dp(supply: pd.DataFrame, scores: pd.Series, options: CriticalityOptions
              ) -> dict[str, tuple[float, str]]:
    """DP per mineral from the EU study's global supply shares (the fallback)."""
    glob = latest_shares(supply)
    glob = glob[glob["scope"] == "WLD"]
    if glob.empty:
        return {}
    terms = supply_terms(glob, scores, options)
    terms["g"] = terms["share"] ** 2 * terms["wgi"] / 10.0
    ghhi = terms.groupby(["mineral", "stage"])["g"].sum()
    out: dict[str, tuple[float, str]] = {}
    for (mineral, stage), v in ghhi.items():
        dp = log_scale(float(v))
        if dp > out.get(str(mineral), (-1.0, ""))[0]:
            out[str(mineral)] = (dp, f"EU CRM 2023 global supply shares, {stage} (no USGS "
                                 "production)")
    return out


def vulnerability_table(inputs: CriticalityInputs) -> dict[str, tuple[float, str]]:
    """EV per mineral: value-added weight of the using sectors (0–1), USGS T4 first.

    ``sum_s A_s Q_s / max Q`` over the mineral's end uses (the EI formula without the
    substitution index, divided by 10); the sector value added Q is the EU table's.
    """
    eu = inputs.end_use
    if eu.empty or "sector" not in eu.columns:
        return {}
    kind = (eu["source_id"].astype(str).str.split(":", n=1).str[0] if "source_id" in eu
            else pd.Series("eu-crm-end-use", index=eu.index))
    carrier = eu[kind == "eu-crm-end-use"].assign(mineral="__value_added__", share=0.0)
    ones = pd.Series(1.0, index=pd.Index(sorted(set(eu["mineral"]))))
    out: dict[str, tuple[float, str]] = {}
    for k in ("usgs-end-use", "eu-crm-end-use", "iea-end-use"):
        rows = eu[kind == k]
        if rows.empty:
            continue
        ei = economic_importance_table(pd.concat([rows, carrier], ignore_index=True), ones,
                                       min_allocated_share=0.5)
        for m, v in ei.items():
            if m in ones.index and not math.isnan(v) and m not in out:
                out[str(m)] = (float(v) / 10.0, f"sectors of the {END_USE_SOURCES[k]}")
    return out


def _group_mean(values: dict[str, tuple[float, str]], group: str
                ) -> tuple[float, str] | None:
    members = [values[m] for m in minerals.table()[group].members if m in values]
    if not members:
        return None
    return float(np.mean([v[0] for v in members])), f"mean of {len(members)} members"


def _lookup(values: dict[str, tuple[float, str]], mineral: str) -> tuple[float, str] | None:
    """The mineral's own value, else its group's (rare-earth elements -> rare earths),
    else the mean of its members' (a group)."""
    if mineral in values:
        return values[mineral]
    for g in minerals.table()[mineral].groups:
        if g in values:
            return values[g][0], values[g][1] + f" (group '{g}')"
    if minerals.table()[mineral].kind == "group":
        return _group_mean(values, mineral)
    return None


def _stage_of(dp_source: str) -> str | None:
    """The stage named in a ``dp_source`` ("USGS MCS 2025 production, mine, 2023-2024")."""
    parts = dp_source.split(", ")
    return parts[1].split(" ")[0] if len(parts) > 1 else None


def _record(m: str, importer: str, dp: tuple[float, str] | None,
            te: tuple[float, str] | None, ev: tuple[float, str] | None,
            options: CriticalityOptions) -> dict[str, Any]:
    notes = [DIFFERENCES]
    nan = float("nan")
    dpv, dps = dp or (nan, "none: no production or supply shares")
    if te is None:
        te = (options.ir_fallback, f"fallback: {options.ir_fallback:.0%} assumed (no net "
              f"import reliance for {importer})")
    tev, tes = trade_exposure(te[0]), te[1]
    evv, evs = ev or (nan, "none: no end-use data and no user value")
    missing = [n for n, v in (("DP", dpv), ("TE", tev), ("EV", evv)) if math.isnan(v)]
    if missing:
        notes.append(f"no {', '.join(missing)}: supply risk not computed")
    sr = supply_risk_score(dpv, tev, evv)
    rec: dict[str, Any] = {
        "material": m, "name": minerals.table()[m].name, "importer": importer,
        "method": "usgs", "sr": sr, "ei": evv, "stage": _stage_of(dps), "dp": dpv,
        "dp_source": dps, "te": tev, "te_source": tes, "ev": evv, "ev_source": evs, "notes": notes,
        "complete": not math.isnan(sr) and not tes.startswith("fallback")}
    rec.update(score_verdict(sr, options.usgs_threshold,
                             reason=f"{' and '.join(missing)} unknown").fields())
    return rec


def _explain(rec: dict[str, Any], inputs: CriticalityInputs, scores: pd.Series,
             options: CriticalityOptions) -> dict[str, Any]:
    """The producers making up DP (from the data DP came from) and the TE what-ifs."""
    m, src = rec["material"], str(rec["dp_source"])
    parts = src.split(", ")
    terms: list[dict[str, Any]] = []
    if src.startswith("USGS MCS") and len(parts) > 1:
        terms = production_contributions(inputs.production, scores, m, parts[1])
        if not terms:  # an element that took its group's production
            for g in minerals.table()[m].groups:
                terms = production_contributions(inputs.production, scores, g, parts[1])
                if terms:
                    break
    elif src.startswith("EU CRM") and len(parts) > 1:
        glob = latest_shares(inputs.supply)
        by_key = index_terms(supply_terms(glob[glob["scope"] == "WLD"], scores, options))
        terms = [{**c, "dp_term": c["share"] ** 2 * c["wgi"] / 10.0}
                 for c in contributions(by_key, m, parts[1].split(" ")[0], "WLD")]
    return {"stage": rec["stage"], "disruption_potential": terms,
            "what_if": {"te_1": supply_risk_score(rec["dp"], 1.0, rec["ev"]), "te_0": 0.0}}


def assess_usgs(inputs: CriticalityInputs, *, importer: str = "USA",
                materials: str | list[str] | None = None,
                options: CriticalityOptions = DEFAULT_OPTIONS,
                vulnerability: Mapping[str, float] | None = None,
                explain: bool = False) -> pd.DataFrame:
    """USGS supply risk (Nassar & Fortier 2021) of materials for one importer.

    Parameters
    ----------
    inputs
        production (USGS MCS), governance, import reliance, end uses; global supply
        shares where production is missing.
    importer
        ISO3 of the importer (the method was built for the USA).
    materials
        a material or list; default every material with a DP.
    options
        WGI vintage, NIR year, threshold (``usgs_threshold``, 0.40), IR fallback.
    vulnerability
        economic vulnerability per material (0–1) replacing the computed EV.
    explain
        add an ``explain`` column with the countries of the global supply shares.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS` (and ``explain``).
    """
    scores = wgi_scores(inputs.governance, options.wgi_year)
    dp = {**shares_dp(inputs.supply, scores, options),
          **production_dp(inputs.production, scores)}
    ir = import_reliance_of(inputs.import_reliance, importer, options.usgs_nir_year)
    ev = vulnerability_table(inputs)
    ev.update({minerals.to_id(k): (float(v), "user input")
               for k, v in (vulnerability or {}).items()})
    if materials is None:
        table = minerals.table()
        wanted = sorted(m for m in table if _lookup(dp, m) is not None
                        and (m in dp or m in ev or m in ir))
    else:
        wanted = minerals.to_ids([materials] if isinstance(materials, str) else materials)
    rows = [_record(m, importer, _lookup(dp, m), _lookup(ir, m), _lookup(ev, m), options)
            for m in wanted]
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["critical"] = out["critical"].astype(object)  # True / False / None, never numpy
    if explain:
        out["explain"] = pd.Series([_explain(r, inputs, scores, options) for r in rows],
                                   index=out.index, dtype=object)
    return out


__all__ = ["COLUMNS", "DIFFERENCES", "assess_usgs", "disruption_potential", "log_scale",
           "production_contributions", "production_dp", "recency_weights",
           "supply_risk_score", "trade_exposure",
           "vulnerability_table"]
