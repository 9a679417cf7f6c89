"""A USGS-style supply-risk score (after Nassar & Fortier 2021, the method behind the 2022
US list of critical minerals)::

    risk  = DP x TE x EV                       (each 0-1; risk 0-1)
    DP    = max over stages of sum_c S_c^2 * WGI_c / 10      disruption potential
    TE    = net import reliance of the importer               trade exposure
    EV    = economic vulnerability: user input, else EI / 10 (EU CRM proxy)

Where our inputs differ from theirs (also in ``docs/criticality.md`` and in each record's
``notes``):

* DP: Nassar & Fortier use annual USGS country production and World Bank governance per
  year; we use the production shares in the warehouse's ``supply_share`` global rows (the
  EU CRM 2023 study's 2016–2020 averages) with one WGI vintage, rescaled as in the EU
  method (0–10, 10 worst) and divided by 10. The stage is the most concentrated one.
* TE: the importer's net import reliance (USGS salient statistics for the USA: 0 for a
  net exporter, bounds such as ">50" taken at the bound). Their trade-exposure term is
  NIR-based as well; refinements of it are not reproduced.
* EV: their economic vulnerability comes from US industry data we do not have offline;
  we use the EU economic importance divided by 10 unless the user supplies values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.criticality.assess import economic_importance_table, latest_shares
from mineralwatch.analytics.criticality.eu import hhi_wgi_t
from mineralwatch.analytics.criticality.explain import contributions, index_terms
from mineralwatch.analytics.criticality.inputs import (
    CriticalityInputs,
    import_reliance_of,
    supply_terms,
    wgi_scores,
)
from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS, CriticalityOptions
from mineralwatch.analytics.criticality.parameters import STAGE_NAMES
from mineralwatch.codes import minerals

#: Columns of a USGS-style assessment (``sr`` is the risk score, ``ei`` the EV used).
COLUMNS: tuple[str, ...] = (
    "material", "name", "importer", "method", "sr", "ei", "stage", "sr_extraction",
    "sr_processing", "critical", "classification", "complete", "dp_extraction",
    "dp_processing", "te", "te_source", "ev", "ev_source", "notes",
)

DIFFERENCES = (
    "DP from the EU CRM 2023 global supply shares (2016-2020) and one WGI vintage, not "
    "annual USGS production; EV proxy = EU economic importance / 10 unless given"
)


def disruption_potential(shares: np.ndarray, wgi: np.ndarray) -> float:
    """``sum S_c^2 * WGI_c / 10`` on 0–1: governance-weighted production concentration.

    The EU weighted HHI without the trade parameter, scaled to 0–1
    (:func:`.eu.hhi_wgi_t` with ``t = 1``); :func:`assess_usgs` computes the same sum for
    all materials at once from the supply terms.
    """
    return hhi_wgi_t(shares, wgi) / 10.0


def supply_risk_score(dp: float, te: float, ev: float) -> float:
    """The USGS-style score ``DP x TE x EV`` (0–1)."""
    return dp * te * ev


def assess_usgs(inputs: CriticalityInputs, *, importer: str = "USA",
                materials: str | list[str] | None = None,
                options: CriticalityOptions = DEFAULT_OPTIONS,
                vulnerability: Mapping[str, float] | None = None,
                explain: bool = False) -> pd.DataFrame:
    """USGS-style supply risk of materials for one importer.

    Parameters
    ----------
    inputs
        global supply shares, governance, import reliance; parameters and end uses for
        the EV proxy.
    importer
        ISO3 of the importer (the method was built for the USA).
    materials
        a material or list; default every material with global supply shares.
    options
        WGI vintage, NIR year, threshold (``usgs_threshold``), IR fallback.
    vulnerability
        economic vulnerability per material (0–1) replacing the EI proxy.
    explain
        add an ``explain`` column with the countries making up DP.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS` (and ``explain``).
    """
    scores = wgi_scores(inputs.governance, options.wgi_year)
    supply = latest_shares(inputs.supply)
    glob = supply[supply["scope"] == "WLD"]
    terms = supply_terms(glob, scores, options)
    terms["dp_term"] = terms["share"] ** 2 * terms["wgi"] / 10.0
    dp = terms.groupby(["mineral", "stage"])["dp_term"].sum().to_dict()
    available = sorted(set(terms["mineral"]))
    table = minerals.table()
    groups = sorted(g for g, d in table.items() if d.kind == "group" and g not in available
                    and any(mm in available for mm in d.members))
    if materials is None:
        wanted = available + groups
    else:
        wanted = minerals.to_ids([materials] if isinstance(materials, str) else materials)
    ir = import_reliance_of(inputs.import_reliance, importer, options.usgs_nir_year)
    params = inputs.parameters.set_index("mineral") if not inputs.parameters.empty else None
    ei = (economic_importance_table(inputs.end_use, params["si_ei"],
                                    min_allocated_share=options.min_allocated_share,
                                    unallocated=options.unallocated_end_use)
          if params is not None else pd.Series(dtype="float64"))
    vuln = {minerals.to_id(k): float(v) for k, v in (vulnerability or {}).items()}
    # groups without shares of their own (rare earths, PGM): the mean of their members',
    # as the EU assessment treats groups
    for g in [m for m in wanted if table[m].kind == "group" and m not in available]:
        members = [mm for mm in table[g].members if mm in available]
        for canon in STAGE_NAMES.values():
            vals = [dp[(mm, canon)] for mm in members if (mm, canon) in dp]
            if vals:
                dp[(g, canon)] = float(np.mean(vals))
        irs = [ir[mm] for mm in members if mm in ir]
        if irs and g not in ir:
            ir[g] = (float(np.mean([x[0] for x in irs])),
                     "mean of members': " + "; ".join(x[1] for x in irs))
        eis = [float(ei[mm]) for mm in members if mm in ei.index and not math.isnan(ei[mm])]
        if eis and g not in ei.index:
            ei = pd.concat([ei, pd.Series({g: float(np.mean(eis))})])
    by_key = index_terms(terms) if explain else {}
    rows = []
    for m in wanted:
        notes = [DIFFERENCES]
        if table[m].kind == "group" and m not in available:
            notes.append("group: DP, TE and EV are the means of its members'")
        rec: dict[str, Any] = {"material": m, "name": minerals.table()[m].name,
                               "importer": importer, "method": "usgs"}
        for st, canon in STAGE_NAMES.items():
            rec[f"dp_{st}"] = dp.get((m, canon), float("nan"))
        if m in ir:
            te, te_source = ir[m]
        else:
            te, te_source = options.ir_fallback, (f"fallback: {options.ir_fallback:.0%} "
                                                  f"assumed (no net import reliance for "
                                                  f"{importer})")
        if m in vuln:
            ev, ev_source = vuln[m], "user input"
        elif not math.isnan(ei.get(m, float("nan"))):
            ev, ev_source = float(ei[m]) / 10.0, "proxy: EU CRM 2023 economic importance / 10"
        else:
            ev, ev_source = float("nan"), "none: no user value and no EU end-use data"
            notes.append("no economic vulnerability: risk not computed")
        for st in STAGE_NAMES:
            rec[f"sr_{st}"] = supply_risk_score(rec[f"dp_{st}"], te, ev)
        dps = {s: rec[f"dp_{s}"] for s in STAGE_NAMES if not math.isnan(rec[f"dp_{s}"])}
        stage: str | None = max(dps, key=lambda s: dps[s]) if dps else None
        if stage is None:
            notes.append("no global supply shares")
        sr = rec[f"sr_{stage}"] if stage else float("nan")
        rec.update({"sr": sr, "ei": ev, "stage": stage, "te": te, "te_source": te_source,
                    "ev": ev, "ev_source": ev_source})
        rec["classification"] = ("undetermined" if math.isnan(sr) else
                                 "critical" if sr >= options.usgs_threshold else "not critical")
        rec["critical"] = rec["classification"] == "critical"
        rec["complete"] = not math.isnan(sr) and not te_source.startswith("fallback")
        rec["notes"] = notes
        if explain:
            canon = STAGE_NAMES[stage] if stage else "mine"
            rec["explain"] = {
                "stage": stage,
                "disruption_potential": [
                    {**c, "dp_term": c["share"] ** 2 * c["wgi"] / 10.0}
                    for c in contributions(by_key, m, canon, "WLD")],
                "what_if": {"te_1": supply_risk_score(dps.get(stage or "", math.nan), 1.0, ev),
                            "te_0": 0.0},
            }
        rows.append(rec)
    cols = list(COLUMNS) + (["explain"] if explain else [])
    return pd.DataFrame(rows, columns=cols)


__all__ = ["COLUMNS", "DIFFERENCES", "assess_usgs", "disruption_potential",
           "supply_risk_score"]
