"""The EU CRM assessment for any importer: supply risk per stage, economic importance.

:func:`assess_eu` orchestrates; the formulas are the pure functions of :mod:`.eu`.

How "the EU" generalises to an importer ``X``:

* sourcing term: ``X``'s sourcing shares (scope ``X`` in ``supply_share``: a user CSV,
  the US import-shares cache, or shares derived from the trade table). Where ``X`` has no
  sourcing for a material and stage, the material's group (HREE, LREE, PGM: the study
  gives HREE extraction sourcing for the group only) is used, else global supply — the
  output's ``notes`` say which;
* import reliance: the study's EU values for the EU; for another importer its
  ``import_reliance`` rows (USGS net import reliance for the USA), else
  ``options.ir_fallback`` (1.0), stated in ``ir_source``;
* recycling, substitution and end-use/value-added data stay the study's (EU) values:
  they describe technology and the economy's structure, and no other importer's are
  available offline. The notes say so.

Groups (HREE, LREE, PGM) are assessed as the mean of their assessed members' stage SR and
EI (the study reports group values alongside the members').
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.criticality.eu import ei_scale, supply_risk, unallocated_value
from mineralwatch.analytics.criticality.explain import explain_record, index_terms
from mineralwatch.analytics.criticality.inputs import (
    CriticalityInputs,
    check_shares,
    import_reliance_of,
    supply_terms,
    wgi_scores,
)
from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS, CriticalityOptions
from mineralwatch.analytics.criticality.parameters import STAGE_NAMES
from mineralwatch.analytics.criticality.verdict import Verdict, verdict
from mineralwatch.codes import countries, minerals
from mineralwatch.errors import NotFoundError

EU = "EUU"
GLOBAL = "WLD"

#: Columns of an assessment, in output order (``explain`` only with ``explain=True``).
COLUMNS: tuple[str, ...] = (
    "material", "name", "importer", "method", "sr", "ei", "stage", "sr_extraction",
    "sr_processing", "critical", "classification", "undetermined_reason",
    "critical_on_sr_alone", "label", "complete", "ei_source", "hhi_gs_extraction",
    "hhi_sourcing_extraction", "hhi_gs_processing", "hhi_sourcing_processing", "variant_extraction",
    "variant_processing", "sourcing_extraction", "sourcing_processing", "ir_extraction",
    "ir_processing", "ir_source", "eol_rir", "si_sr", "si_ei", "notes",
)


def _nan(x: Any) -> float:
    return float("nan") if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


#: End-use sources in order of preference, by loader kind (the ``source_id`` prefix), and
#: the words the output uses for each (``ei_source``).
END_USE_SOURCES: dict[str, str] = {
    "eu-crm-end-use": "EU CRM 2023 end-use table",
    "iea-end-use": "IEA Critical Minerals Data Explorer (2024 demand by sector, mapped to NACE)",
    "usgs-end-use": "USGS MCS 2025 Table 4 primary applications (equal shares, mapped to "
    "NACE)",
}


def sector_code(label: object) -> str | None:
    """The NACE code of a sector label (``"C27 - Manufacture of ..."`` -> ``"C27"``)."""
    if not isinstance(label, str) or not label.strip():
        return None
    return label.strip().split(" ", 1)[0].upper()


def _codes(end_use: pd.DataFrame) -> pd.Series:
    return end_use["sector"].map(sector_code)


def sector_value_added(end_use: pd.DataFrame) -> pd.Series:
    """One value added per NACE code: the most frequent figure the table gives it.

    The study's table repeats each sector's value added on every row; a few rows carry
    another sector's figure (C29 with C24's 64,561). :func:`check_end_use` reports them.
    Rows of other sources (USGS, IEA splits) carry no value added and take these.
    """
    va = end_use.assign(code=_codes(end_use)).dropna(subset=["code", "value_added"])
    if va.empty:
        return pd.Series(dtype="float64")
    return va.groupby("code")["value_added"].agg(lambda s: s.mode().iloc[0])


def check_end_use(end_use: pd.DataFrame) -> list[tuple[str, str, float, float]]:
    """Rows whose value added differs from their sector's usual figure.

    Returns
    -------
    list of (mineral, sector, given, used)
    """
    canon = sector_value_added(end_use)
    rows = end_use.assign(code=_codes(end_use)).dropna(subset=["code", "value_added"])
    bad = rows[rows["value_added"] != rows["code"].map(canon)]
    return [(str(m), str(s), float(v), float(canon[c]))
            for m, s, c, v in zip(bad["mineral"], bad["sector"], bad["code"],
                                  bad["value_added"], strict=True)]


def _source_kind(end_use: pd.DataFrame) -> pd.Series:
    """Loader kind of each row; rows without a source id (a frame read directly with
    :func:`~mineralwatch.sources.eu_crm.read_eu_crm_end_use`) count as the EU table."""
    first = next(iter(END_USE_SOURCES))
    if "source_id" not in end_use.columns:
        return pd.Series(first, index=end_use.index, dtype=object)
    return end_use["source_id"].fillna(first).astype(str).str.split(":", n=1).str[0]


def select_end_use(end_use: pd.DataFrame, *, min_allocated_share: float = 0.0
                   ) -> pd.DataFrame:
    """Each mineral's end uses from one source: the first, in :data:`END_USE_SOURCES`
    order, that allocates at least ``min_allocated_share`` of the uses to sectors with a
    value added (else the first source it has). Adds ``kind`` (the source's loader kind).
    """
    if end_use.empty:
        return end_use.assign(kind=pd.Series(dtype=object))
    df = end_use.assign(kind=_source_kind(end_use))
    canon = sector_value_added(df)
    has_q = _codes(df).map(canon).notna()
    order = {k: i for i, k in enumerate(END_USE_SOURCES)}
    alloc = df["share"].where(has_q, 0.0).groupby([df["mineral"], df["kind"]]).sum()
    chosen: dict[str, str] = {}
    for (mineral, kind), a in sorted(alloc.items(),
                                     key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))):
        if mineral not in chosen or (a >= min_allocated_share and
                                     alloc[(mineral, chosen[mineral])] < min_allocated_share):
            chosen[mineral] = str(kind)
    keep = [chosen.get(m) == k for m, k in zip(df["mineral"], df["kind"], strict=True)]
    return df[keep]


def ei_sources(end_use: pd.DataFrame, *, min_allocated_share: float = 0.0) -> dict[str, str]:
    """Which source gave each mineral's end-use split (:data:`END_USE_SOURCES` wording)."""
    sel = select_end_use(end_use, min_allocated_share=min_allocated_share)
    if sel.empty:
        return {}
    first = sel.groupby("mineral")["kind"].first()
    return {str(m): END_USE_SOURCES.get(str(k), f"end-use rows of {k}")
            for m, k in first.items()}


def economic_importance_table(end_use: pd.DataFrame, si_ei: pd.Series, *,
                              min_allocated_share: float = 0.0,
                              unallocated: str = "renormalise") -> pd.Series:
    """EI per mineral from end-use shares, sector value added and ``SI_EI``.

    The scale's maximum is the largest sector value added in the table (a fixed scale,
    the same for every mineral: NACE C28, EUR 204,200 million in the 2023 study). Uses
    without a sector (the study's "Other") are treated by ``unallocated``
    (:func:`.eu.unallocated_value`: spread pro rata over the allocated uses by default).
    A mineral with less than ``min_allocated_share`` of its uses allocated to sectors
    gets ``nan``: its EI would measure the gaps in the table, not the material. Where
    several sources give a mineral's end uses, :func:`select_end_use` picks one.
    """
    if end_use.empty:
        return pd.Series(dtype="float64")
    canon = sector_value_added(end_use)
    if canon.empty:
        return pd.Series(dtype="float64")
    end_use = select_end_use(end_use, min_allocated_share=min_allocated_share)
    q = _codes(end_use).map(canon).astype("float64")
    share = end_use["share"].astype("float64")
    by = end_use["mineral"]
    weighted = (share * q).groupby(by).sum()
    allocated = share.where(q.notna(), 0.0).groupby(by).sum()
    other = share.where(q.isna(), 0.0).groupby(by).sum()
    qmax = float(canon.max())
    total = unallocated_value(weighted.to_numpy(), allocated.to_numpy(), other.to_numpy(),
                              how=unallocated, max_value_added=qmax)
    si = weighted.index.map(lambda m: si_ei.get(m, np.nan)).astype("float64")
    ei = pd.Series(ei_scale(total, si.to_numpy(), qmax), index=weighted.index,
                   dtype="float64")
    return ei.where(allocated >= min_allocated_share)


def unallocated_shares(end_use: pd.DataFrame, *, min_allocated_share: float = 0.0
                       ) -> pd.Series:
    """Share of each mineral's end uses without a sector value added (the study's
    "Other"), in the source :func:`select_end_use` picks."""
    if end_use.empty:
        return pd.Series(dtype="float64")
    canon = sector_value_added(end_use)
    sel = select_end_use(end_use, min_allocated_share=min_allocated_share)
    share = sel["share"].astype("float64")
    return share.where(_codes(sel).map(canon).isna(), 0.0).groupby(sel["mineral"]).sum()


_UNALLOCATED_NOTE = {
    "renormalise": "spread over the allocated uses pro rata (unallocated_end_use)",
    "drop": "left out (unallocated_end_use=drop)",
    "largest_sector": "put in the largest sector (unallocated_end_use=largest_sector)",
}


def latest_shares(supply: pd.DataFrame) -> pd.DataFrame:
    """Keep each scope's latest year of shares."""
    if supply.empty:
        return supply
    last = supply.groupby("scope")["year"].transform("max")
    return supply[supply["year"] == last]


def _round(x: float) -> float:
    return round(x, 1) if not math.isnan(x) else x


def eu_verdict(sr: float, ei: float, options: CriticalityOptions = DEFAULT_OPTIONS
               ) -> Verdict:
    """The tri-state verdict (:mod:`.verdict`) at the options' thresholds and rounding."""
    if options.round_before_threshold:
        sr, ei = _round(sr), _round(ei)
    return verdict(sr, ei, sr_threshold=options.sr_threshold,
                   ei_threshold=options.ei_threshold)


def classify(sr: float, ei: float, options: CriticalityOptions = DEFAULT_OPTIONS) -> str:
    """``"critical"``, ``"not critical"`` or ``"undetermined"`` (a needed score is missing).

    A material below one threshold is not critical whatever the other score, so a missing
    EI does not prevent classifying a material whose SR is below its threshold.
    """
    return eu_verdict(sr, ei, options).classification


def resolve_materials(names: str | list[str] | None, parameters: pd.DataFrame) -> list[str]:
    """Canonical ids of the requested materials, each of which must have parameters.

    Raises
    ------
    UnknownCodeError
        for names that are not minerals.
    NotFoundError
        for minerals without criticality parameters (listing the ones that have them).
    """
    if names is None:
        return parameters["mineral"].tolist()
    wanted = minerals.to_ids([names] if isinstance(names, str) else names)
    known = set(parameters["mineral"])
    missing = [m for m in wanted if m not in known]
    if missing:
        raise NotFoundError(
            f"No EU CRM parameters for {', '.join(missing)}.",
            hint="Assessed materials: " + ", ".join(sorted(known)) + ". Add a row to the "
            "parameter table (stage, variants, SI, IR, EOL-RIR) to assess another one.")
    return wanted


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (NaN for missing numbers, None for missing text)."""
    return [{str(k): (None if isinstance(v, float) and math.isnan(v) and k in _TEXT else v)
             for k, v in r.items()} for r in df.to_dict(orient="records")]


_TEXT = frozenset({"eu_name", "bottleneck", "stages", "variant_extraction",
                   "variant_processing", "status", "issue", "source_id"})


def _sums(terms: pd.DataFrame, column: str) -> dict[tuple[str, str, str], float]:
    """``column`` summed by (mineral, stage, scope)."""
    s = terms.groupby(["mineral", "stage", "scope"])[column].sum()
    return {(str(k[0]), str(k[1]), str(k[2])): float(v)
            for k, v in zip(s.index, s.to_numpy(), strict=True)}


def _sourcing(mineral: str, stage: str, importer: str, present: set[tuple[str, str, str]],
              *, label: str | None = None) -> tuple[tuple[str, str, str] | None, str | None]:
    """Key of the sourcing shares to use, and a note when it is not the material's own.

    ``stage`` is the warehouse's stage of the shares; ``label`` the study's stage name
    (extraction, processing) used in the note.
    """
    if (mineral, stage, importer) in present:
        return (mineral, stage, importer), None
    for group in minerals.table()[mineral].groups:
        if (group, stage, importer) in present:
            who = countries.short_label(importer)
            return (group, stage, importer), f"{label or stage}: {who} sourcing of the group " \
                f"'{group}' used (none for the material itself)"
    return None, None


def assess_eu(inputs: CriticalityInputs, *, importer: str = EU,
              materials: str | list[str] | None = None,
              options: CriticalityOptions = DEFAULT_OPTIONS,
              explain: bool = False) -> pd.DataFrame:
    """EU CRM supply risk and economic importance of materials for one importer.

    Parameters
    ----------
    inputs
        supply shares (global and sourcing), governance, parameters, end uses and import
        reliance (see :class:`.inputs.CriticalityInputs`).
    importer
        ISO3 of the importer (``EUU`` for the EU).
    materials
        a material or list (names or ids); default: every material with parameters.
    options
        thresholds, WGI vintage and fallbacks.
    explain
        add an ``explain`` column: per-country contributions and what-ifs
        (:func:`.explain.explain_record`).

    Returns
    -------
    pandas.DataFrame
        one row per material with :data:`COLUMNS` (and ``explain``); ``stage`` is the
        bottleneck (``extraction`` or ``processing``), ``critical`` a bool and
        ``complete`` False where an input was missing (the ``notes`` say which).
    """
    params = inputs.parameters.set_index("mineral", drop=False)
    wanted = resolve_materials(materials, inputs.parameters)
    table = minerals.table()
    groups = [m for m in wanted if table[m].kind == "group"]
    needed = set(wanted)
    for g in groups:  # groups need their members
        needed |= {m for m in table[g].members if m in params.index}
    scores = wgi_scores(inputs.governance, options.wgi_year)
    supply = latest_shares(inputs.supply)
    terms = supply_terms(supply, scores, options)
    hhi = _sums(terms, "term")
    share_sum = _sums(terms, "share")
    has_sourcing = any(k[2] == importer for k in hhi)
    is_eu = importer == EU
    ir_data = {} if is_eu else import_reliance_of(inputs.import_reliance, importer,
                                                  options.usgs_nir_year)
    ei = economic_importance_table(inputs.end_use, params["si_ei"],
                                   min_allocated_share=options.min_allocated_share,
                                   unallocated=options.unallocated_end_use)
    other = unallocated_shares(inputs.end_use, min_allocated_share=options.min_allocated_share)
    sources = ei_sources(inputs.end_use, min_allocated_share=options.min_allocated_share)
    ctx = _Context(importer, is_eu, has_sourcing, hhi, share_sum, set(hhi), ir_data, options)
    records: dict[str, dict[str, Any]] = {}
    rows_by_id = {str(r["mineral"]): r for r in _records(inputs.parameters)}
    for mineral in [m for m in params.index if m in needed and table[m].kind != "group"]:
        records[mineral] = _assess_one(rows_by_id[mineral], ctx,
                                       float(ei.get(mineral, float("nan"))),
                                       sources.get(mineral))
        u = float(other.get(mineral, 0.0))
        if u > 0 and not math.isnan(records[mineral]["ei"]):
            records[mineral]["notes"].append(
                f"EI: {u:.0%} of the end uses not allocated to a sector ('Other'): "
                + _UNALLOCATED_NOTE[options.unallocated_end_use])
    for g in groups:
        records[g] = _assess_group(g, rows_by_id[g], records, importer, options)
    rows = [records[m] for m in wanted]
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["critical"] = out["critical"].astype(object)  # True / False / None, never numpy
    if explain:
        by_key = index_terms(terms)
        out["explain"] = pd.Series([explain_record(r, by_key, importer, options)
                                    for r in rows], index=out.index, dtype=object)
    return out


@dataclass(frozen=True)
class _Context:
    """What every material's assessment for one importer shares."""

    importer: str
    is_eu: bool
    has_sourcing: bool
    hhi: dict[tuple[str, str, str], float]
    share_sum: dict[tuple[str, str, str], float]
    present: set[tuple[str, str, str]]
    ir_data: dict[str, tuple[float, str]]
    options: CriticalityOptions


def _stage_ir(p: Mapping[str, Any], stage: str, variant: str, mineral: str, ctx: _Context,
              notes: list[str]) -> tuple[float, str | None]:
    """Import reliance at ``stage`` and, for a non-EU importer, where it came from."""
    options = ctx.options
    if ctx.is_eu:
        ir = _nan(p[f"ir_{stage}"])
        if math.isnan(ir) and variant == "GS+EU":
            ir = options.ir_fallback
            notes.append(f"{stage}: no EU import reliance in the parameters: {ir:.0%} assumed")
        return (0.0 if math.isnan(ir) else ir), "EU CRM 2023 study"
    if mineral in ctx.ir_data:
        return ctx.ir_data[mineral][0], ctx.ir_data[mineral][1]
    return options.ir_fallback, (f"fallback: {options.ir_fallback:.0%} assumed (no import "
                                 f"reliance data for {countries.short_label(ctx.importer)})")


def _assess_stage(p: Mapping[str, Any], stage: str, si: float, eol: float, ctx: _Context,
                  notes: list[str]) -> tuple[dict[str, Any], str | None, bool]:
    """SR and its parts at one stage: (fields, IR source, global shares present)."""
    mineral, options = str(p["mineral"]), ctx.options
    canon = STAGE_NAMES[stage]
    variant = p[f"variant_{stage}"]
    if variant is None or (isinstance(variant, float) and math.isnan(variant)):
        variant = options.default_variant
        notes.append(f"{stage}: no sourcing variant in the parameters: {variant} used")
    gs_key = (mineral, canon, GLOBAL)
    hhi_gs = ctx.hhi.get(gs_key, float("nan"))
    src_key, src_note = _sourcing(mineral, canon, ctx.importer, ctx.present, label=stage)
    if src_note:
        notes.append(src_note)
    who = countries.short_label(ctx.importer)
    if src_key is None:
        if variant != "GSonly":
            notes.append(f"{stage}: no {who} sourcing shares"
                         + ("" if ctx.has_sourcing else " at all")
                         + ": global supply used for the sourcing term")
        hhi_src = hhi_gs
    else:
        hhi_src = ctx.hhi[src_key]
        total = ctx.share_sum[src_key]
        if total < 1 - options.share_tolerance:
            notes.append(f"{stage}: {who} sourcing shares sum to {total:.0%}; the unlisted "
                         "rest adds nothing to the HHI")
    gs_ok = True
    if math.isnan(hhi_gs):
        if variant != "EUonly":
            notes.append(f"{stage}: no global supply shares")
            gs_ok = False
    elif abs(ctx.share_sum[gs_key] - 1) > options.share_tolerance:
        notes.append(f"{stage}: global supply shares sum to {ctx.share_sum[gs_key]:.0%}")
    ir, ir_source = _stage_ir(p, stage, str(variant), mineral, ctx, notes)
    sr = supply_risk(hhi_gs if not math.isnan(hhi_gs) else hhi_src, hhi_src, ir=ir,
                     eol_rir=eol, si_sr=si, variant=str(variant))
    return ({f"sr_{stage}": sr, f"hhi_gs_{stage}": hhi_gs, f"hhi_sourcing_{stage}": hhi_src,
             f"variant_{stage}": variant, f"ir_{stage}": ir,
             f"sourcing_{stage}": src_key[0] if src_key else "global"}, ir_source, gs_ok)


def study_name(p: Mapping[str, Any]) -> str:
    """The 2023 study's own name of a parameter row's material ("Natural graphite",
    "Lime", "Talc, Steatite & Pyrophyllite"), else our name."""
    name = p.get("eu_name")
    return str(name) if isinstance(name, str) and name.strip() else \
        minerals.table()[str(p["mineral"])].name


def _assess_one(p: Mapping[str, Any], ctx: _Context, ei: float, ei_source: str | None
                ) -> dict[str, Any]:
    mineral = str(p["mineral"])
    notes: list[str] = []
    complete = True
    if p.get("status") == "garbled":
        notes.append(f"parameter row garbled in the transcription: {p.get('issue')}")
    rec: dict[str, Any] = {"material": mineral, "name": study_name(p),
                           "importer": ctx.importer, "method": "eu"}
    stages = [s for s in str(p["stages"] or "").split("+") if s]
    eol = _nan(p["eol_rir"])
    if math.isnan(eol):
        notes.append("no EOL-RIR: 0 used")
        eol = 0.0
    si = _nan(p["si_sr"])
    if math.isnan(si):
        notes.append("no SI_SR: supply risk not computed")
        complete = False
    if not ctx.is_eu:
        notes.append("EOL-RIR, SI_SR, SI_EI and end-use value added are the EU study's")
    ir_source = "EU CRM 2023 study" if ctx.is_eu else None
    for stage in ("extraction", "processing"):
        for key in ("sr", "hhi_gs", "hhi_sourcing", "variant", "ir", "sourcing"):
            rec[f"{key}_{stage}"] = None if key in ("variant", "sourcing") else float("nan")
        if stage in stages:
            fields, ir_source, gs_ok = _assess_stage(p, stage, si, eol, ctx, notes)
            rec.update(fields)
            complete = complete and gs_ok
    rec["ir_source"] = ir_source
    rec["eol_rir"], rec["si_sr"], rec["si_ei"] = eol, si, _nan(p["si_ei"])
    _finish(rec, p, ei, ctx.options, notes)
    rec["ei_source"] = ei_source if not math.isnan(rec["ei"]) else None
    if rec["ei_source"] and rec["ei_source"] != END_USE_SOURCES["eu-crm-end-use"]:
        notes.append(f"EI: end-use split from the {rec['ei_source']} (the EU table has "
                     "none usable); sector value added from the EU CRM 2023 table")
    if math.isnan(rec["ei"]):
        notes.append("no end-use data, too little of it allocated to sectors, or no SI_EI: "
                     "economic importance not computed")
        complete = False
    rec["complete"] = complete and not math.isnan(rec["sr"])
    rec["notes"] = notes
    return rec


def _finish(rec: dict[str, Any], p: Mapping[str, Any], ei: float, options: CriticalityOptions,
            notes: list[str]) -> None:
    """Bottleneck stage, overall SR, EI and the classification."""
    sre, srp = rec["sr_extraction"], rec["sr_processing"]
    stage: str | None
    if options.bottleneck == "study" and p["bottleneck"] in ("extraction", "processing"):
        stage = str(p["bottleneck"])
    elif math.isnan(sre) and math.isnan(srp):
        stage = str(p["bottleneck"]) if p["bottleneck"] else None
    else:
        stage = "extraction" if math.isnan(srp) or (not math.isnan(sre) and sre >= srp) \
            else "processing"
    rec["stage"] = stage
    rec["sr"] = rec[f"sr_{stage}"] if stage else float("nan")
    if stage and p["bottleneck"] and stage != p["bottleneck"] and options.bottleneck == "max":
        notes.append(f"bottleneck {stage} (higher SR) where the study names {p['bottleneck']}")
    rec["ei"] = _nan(ei)
    rec.update(eu_verdict(rec["sr"], rec["ei"], options).fields())


def _assess_group(group: str, p: Mapping[str, Any], records: dict[str, dict[str, Any]],
                  importer: str, options: CriticalityOptions) -> dict[str, Any]:
    members = [records[m] for m in minerals.table()[group].members if m in records]
    rec: dict[str, Any] = {"material": group, "name": study_name(p),
                           "importer": importer, "method": "eu"}
    for col in COLUMNS:
        if col.startswith(("sr_", "hhi_", "ir_extraction", "ir_processing")):
            vals = [m[col] for m in members if not math.isnan(_nan(m[col]))]
            rec[col] = float(np.mean(vals)) if vals else float("nan")
    for col in ("variant_extraction", "variant_processing"):
        rec[col] = p[col]
    rec["ir_source"] = members[0]["ir_source"] if members else None
    rec["eol_rir"], rec["si_sr"], rec["si_ei"] = _nan(p["eol_rir"]), float("nan"), float("nan")
    eis = [m["ei"] for m in members if not math.isnan(m["ei"])]
    notes = [f"group: mean of {len(members)} member(s) "
             f"({', '.join(m['material'] for m in members)}); EI from {len(eis)}"]
    _finish(rec, p, float(np.mean(eis)) if eis else float("nan"), options, notes)
    srcs = sorted({str(m["ei_source"]) for m in members if m.get("ei_source")})
    rec["ei_source"] = ("mean of the members' EI: " + "; ".join(srcs)) if eis else None
    rec["complete"] = bool(members) and all(m["complete"] for m in members)
    rec["notes"] = notes
    return rec


def check_inputs(inputs: CriticalityInputs, *, options: CriticalityOptions = DEFAULT_OPTIONS,
                 strict: bool = False) -> list[str]:
    """Consistency report of the inputs (shares, parameters, end uses) as text lines."""
    from mineralwatch.analytics.criticality.parameters import check_parameters

    lines = [str(f) for f in check_shares(latest_shares(inputs.supply),
                                          tolerance=options.share_tolerance, strict=strict)]
    lines += [str(f) for f in check_parameters(inputs.parameters, strict=strict)]
    lines += [f"end use of {m}: sector {s} given value added {g:,.0f}, {u:,.0f} used"
              for m, s, g, u in check_end_use(inputs.end_use)] if not inputs.end_use.empty \
        else []
    return lines


__all__ = [
    "COLUMNS",
    "assess_eu",
    "check_end_use",
    "check_inputs",
    "classify",
    "economic_importance_table",
    "ei_sources",
    "eu_verdict",
    "latest_shares",
    "resolve_materials",
    "sector_value_added",
    "select_end_use",
    "study_name",
    "unallocated_shares",
]
