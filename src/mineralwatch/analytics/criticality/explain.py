"""Explanations of an EU CRM score: who makes up the weighted HHI, and what moves the result.

For the bottleneck stage of one assessed material, :func:`explain_record` gives

* ``global_supply`` / ``sourcing``: each country's term ``S^2 * WGI * t`` of HHI_WGI,t with
  its share of the total (largest first);
* ``effects``: SR without the trade parameter (``t = 1``), without recycling
  (``EOL_RIR = 0``), without substitution (``SI_SR = 1``), and at import reliance 0 and
  1 — each as the SR it would give and the difference from the actual SR;
* ``would_change``: plain sentences saying what would flip the classification.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from mineralwatch.analytics.criticality.eu import supply_risk
from mineralwatch.analytics.criticality.options import CriticalityOptions
from mineralwatch.analytics.criticality.parameters import STAGE_NAMES

#: Countries listed per contribution table.
TOP = 8


Key = tuple[str, str, str]


def index_terms(terms: pd.DataFrame) -> dict[Key, pd.DataFrame]:
    """Supply terms split by (mineral, stage, scope), for fast repeated look-ups."""
    return {(str(k[0]), str(k[1]), str(k[2])): g
            for k, g in terms.groupby(["mineral", "stage", "scope"])}


def _rows(terms: Mapping[Key, pd.DataFrame], key: Key) -> pd.DataFrame:
    return terms.get(key, _EMPTY)


_EMPTY = pd.DataFrame(columns=["country", "share", "wgi", "t", "term", "wgi_imputed"])


def contributions(terms: Mapping[Key, pd.DataFrame], mineral: str, stage: str, scope: str,
                  top: int = TOP) -> list[dict[str, Any]]:
    """Per-country terms of HHI_WGI,t for one material, stage and scope, largest first.

    ``terms`` is :func:`index_terms` of :func:`.inputs.supply_terms`.
    """
    rows = _rows(terms, (mineral, stage, scope))
    total = float(rows["term"].sum())
    rows = rows.sort_values("term", ascending=False).head(top)
    return [{"country": str(c), "share": float(s), "wgi": float(w), "t": float(t),
             "term": float(x), "pct_of_hhi": float(x) / total if total > 0 else float("nan"),
             "wgi_imputed": bool(i)}
            for c, s, w, t, x, i in zip(rows["country"], rows["share"], rows["wgi"],
                                        rows["t"], rows["term"], rows["wgi_imputed"],
                                        strict=True)]


def _hhi_t1(terms: Mapping[Key, pd.DataFrame], mineral: str, stage: str, scope: str
            ) -> float:
    rows = _rows(terms, (mineral, stage, scope))
    return float((rows["share"] ** 2 * rows["wgi"]).sum()) if not rows.empty else float("nan")


def what_would_change(rec: dict[str, Any], options: CriticalityOptions) -> list[str]:
    """Sentences naming the change that would flip the material's classification."""
    sr, ei = rec["sr"], rec["ei"]
    out: list[str] = []
    if math.isnan(sr) or math.isnan(ei):
        if not math.isnan(sr) and sr >= options.sr_threshold - (
                0.05 if options.round_before_threshold else 0.0):
            return [f"undetermined — EI unknown: SR {sr:.2f} reaches {options.sr_threshold}, "
                    f"so it is critical on supply risk alone; critical if its EI reaches "
                    f"{options.ei_threshold}"]
        return ["undetermined — " + ("SR" if math.isnan(sr) else "EI") + " unknown"]
    margin = 0.05 if options.round_before_threshold else 0.0
    thr_sr, thr_ei = options.sr_threshold - margin, options.ei_threshold - margin
    eol, si = rec.get("eol_rir", 0.0), rec.get("si_sr", 1.0)
    if rec["critical"]:
        if sr > 0 and not math.isnan(eol):
            need = 1 - thr_sr * (1 - eol) / sr
            if 0 <= need < 1:
                out.append(f"SR would fall below {options.sr_threshold} if the end-of-life "
                           f"recycling input rate rose from {eol:.0%} to {need:.0%}")
            out.append(f"SR would fall below {options.sr_threshold} if the weighted "
                       f"concentration fell by {1 - thr_sr / sr:.0%}")
        if ei > 0 and not math.isnan(rec.get("si_ei", math.nan)):
            out.append(f"EI would fall below {options.ei_threshold} if SI_EI fell from "
                       f"{rec['si_ei']:.2f} to {rec['si_ei'] * thr_ei / ei:.2f} (better "
                       "substitutes)")
    else:
        if sr < thr_sr:
            factor = options.sr_threshold / sr if sr > 0 else math.inf
            out.append(f"SR {sr:.2f} is below {options.sr_threshold}: the governance-weighted "
                       f"concentration would have to rise {factor:.1f}-fold"
                       + (f" (or recycling and substitution offsets vanish: SR "
                          f"{sr / ((1 - eol) * si):.2f} without them)"
                          if si and (1 - eol) > 0 else ""))
        if ei < thr_ei:
            out.append(f"EI {ei:.2f} is below {options.ei_threshold}: the value added of its "
                       f"end uses would have to rise {options.ei_threshold / ei:.1f}-fold"
                       if ei > 0 else "no economic importance")
    return out


def explain_record(rec: dict[str, Any], terms: Mapping[Key, pd.DataFrame], importer: str,
                   options: CriticalityOptions) -> dict[str, Any]:
    """Contributions and what-ifs for the bottleneck stage of one assessed record."""
    stage = rec.get("stage")
    if stage is None or math.isnan(rec.get(f"sr_{stage}", math.nan)):
        return {"stage": stage, "would_change": what_would_change(rec, options)}
    canon = STAGE_NAMES[stage]
    mineral = rec["material"]
    src_scope = importer
    src_mineral = rec.get(f"sourcing_{stage}") or mineral
    variant = rec[f"variant_{stage}"] or options.default_variant
    ir, eol, si = rec[f"ir_{stage}"], rec["eol_rir"], rec["si_sr"]
    sr = rec[f"sr_{stage}"]
    gs1 = _hhi_t1(terms, mineral, canon, "WLD")
    src1 = (_hhi_t1(terms, src_mineral, canon, src_scope)
            if src_mineral != "global" else gs1)
    if math.isnan(gs1):
        gs1 = src1

    def _sr(**kw: Any) -> float:
        args = {"hhi_gs": rec[f"hhi_gs_{stage}"], "hhi_sourcing": rec[f"hhi_sourcing_{stage}"],
                "ir": ir, "eol_rir": eol, "si_sr": si, "variant": variant, **kw}
        if math.isnan(args["hhi_gs"]):
            args["hhi_gs"] = args["hhi_sourcing"]
        return supply_risk(args.pop("hhi_gs"), args.pop("hhi_sourcing"), **args)

    effects = {
        "without_t": _sr(hhi_gs=gs1, hhi_sourcing=src1),
        "without_recycling": _sr(eol_rir=0.0),
        "without_substitution": _sr(si_sr=1.0),
        "ir_0": _sr(ir=0.0),
        "ir_1": _sr(ir=1.0),
    }
    return {
        "stage": stage,
        "sr": sr,
        "global_supply": contributions(terms, mineral, canon, "WLD"),
        "sourcing_scope": src_scope if src_mineral != "global" else "WLD",
        "sourcing_material": src_mineral if src_mineral != "global" else mineral,
        "sourcing": (contributions(terms, src_mineral, canon, src_scope)
                     if src_mineral != "global" else []),
        "effects": {k: {"sr": v, "change": v - sr} for k, v in effects.items()},
        "would_change": what_would_change(rec, options),
    }


__all__ = ["TOP", "contributions", "explain_record", "index_terms", "what_would_change"]
