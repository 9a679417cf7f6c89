"""Per-material parameters of the EU CRM 2023 assessment, in our own schema.

The study's supply-risk and economic-importance formulas need, per material, inputs that
are not in its supply-share and end-use tables: the bottleneck stage, the sourcing
variant used per stage (``GS+EU``, ``GSonly``, ``EUonly``), the substitution indices
``SI_EI`` and ``SI_SR``, the EU import reliance ``IR`` per stage and the end-of-life
recycling input rate ``EOL_RIR``. They ship as package data
(``mineralwatch/data/eu_crm2023_parameters.csv``, built by
``scripts/build_eu_crm_parameters.py`` from a third-party transcription) with columns
:data:`COLUMNS`: fractions 0–1, our stage names, one ``source_id``, and a ``status``
(``ok`` / ``garbled``) with the ``issue`` found when the row was converted.

:func:`from_study_table` converts the transcription and detects garbled rows (a number
where a sourcing variant belongs — the study's SR shifted into the wrong column —, a
percentage where a score belongs, values out of range); :func:`check_parameters`
validates a parameter frame (``strict=False`` logs, ``strict=True`` raises
:class:`~mineralwatch.errors.ConsistencyError`).
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

from mineralwatch.codes import minerals
from mineralwatch.errors import ConsistencyError, Failure, NotFoundError

_log = logging.getLogger(__name__)

#: Stage names of the criticality output and the canonical stage each one reads.
STAGE_NAMES: dict[str, str] = {"extraction": "mine", "processing": "processing"}

#: Sourcing variants of the EU method (supply-risk formula per variant in ``eu.py``).
VARIANTS: tuple[str, ...] = ("GS+EU", "GSonly", "EUonly")

#: Source id of the packaged parameter table.
SOURCE_ID = "eu-crm-2023:parameters"

COLUMNS: tuple[str, ...] = (
    "mineral", "eu_name", "bottleneck", "stages", "variant_extraction",
    "variant_processing", "si_ei", "si_sr", "ir_extraction", "ir_processing", "eol_rir",
    "status", "issue", "source_id",
)

_STUDY_STAGE = {"extraction": "extraction", "processing": "processing"}
_STUDY_STAGES = {"E": ("extraction",), "P": ("processing",),
                 "E+P": ("extraction", "processing")}


def _num(value: object) -> tuple[float, bool]:
    """(number, ok) for a transcription cell; blank -> (nan, True); junk -> (nan, False)."""
    s = "" if value is None else str(value).strip()
    if not s or s.lower() == "nan":
        return float("nan"), True
    if s.endswith("%"):
        return float("nan"), False
    try:
        return float(s), True
    except ValueError:
        return float("nan"), False


def from_study_table(raw: pd.DataFrame, *, source_id: str = SOURCE_ID) -> pd.DataFrame:
    """Convert the study's parameter transcription into our schema, flagging garbled rows.

    Parameters
    ----------
    raw
        columns ``material_name, eu_used_stage, eu_stages, eu_used_supply_primary,
        eu_used_supply_refined, si_ei, si_sr, import_reliance_primary,
        import_reliance_refined, end_of_life`` (percent for IR and EOL), as strings.
    source_id
        provenance id stored on every row.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`; IR and EOL as fractions. A value that cannot be trusted is set to
        null and the row gets ``status = "garbled"`` and an ``issue`` saying what was found
        (never silently repaired).
    """
    names = raw["material_name"].astype(str).str.strip()
    ids = minerals.to_ids(names, column="material_name")
    rows = []
    for (_, r), mid, name in zip(raw.iterrows(), ids, names, strict=True):
        issues: list[str] = []
        stages = _STUDY_STAGES.get(str(r["eu_stages"]).strip())
        if stages is None:
            issues.append(f"stages {r['eu_stages']!r} not E, P or E+P")
            stages = ()
        bottleneck = _STUDY_STAGE.get(str(r["eu_used_stage"]).strip().lower())
        if bottleneck is None:
            issues.append(f"bottleneck stage {r['eu_used_stage']!r} not Extraction/Processing")
        variants: dict[str, str | None] = {}
        for stage, col in (("extraction", "eu_used_supply_primary"),
                           ("processing", "eu_used_supply_refined")):
            v = "" if pd.isna(r[col]) else str(r[col]).strip()
            if v in VARIANTS:
                variants[stage] = v
            elif not v:
                variants[stage] = None
            else:
                kind = "a number (a value from another column shifted here)" \
                    if _num(v)[1] else "not a variant"
                issues.append(f"{col} = {v!r}: {kind}")
                variants[stage] = None
        values: dict[str, float] = {}
        for key, col, scale, hi in (("si_ei", "si_ei", 1.0, 1.0), ("si_sr", "si_sr", 1.0, 1.0),
                                    ("ir_extraction", "import_reliance_primary", 100.0, 1.0),
                                    ("ir_processing", "import_reliance_refined", 100.0, 1.0),
                                    ("eol_rir", "end_of_life", 100.0, 1.0)):
            x, ok = _num(r[col])
            if not ok:
                issues.append(f"{col} = {r[col]!r}: not a number")
            x = x / scale
            if ok and not np.isnan(x) and not 0.0 <= x <= hi:
                issues.append(f"{col} = {r[col]!r}: outside 0-{hi * scale:g}")
                x = float("nan")
            values[key] = x
        rows.append({
            "mineral": mid, "eu_name": name, "bottleneck": bottleneck,
            "stages": "+".join(stages), "variant_extraction": variants["extraction"],
            "variant_processing": variants["processing"], **values,
            "status": "garbled" if issues else "ok", "issue": "; ".join(issues) or None,
            "source_id": source_id,
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def check_parameters(params: pd.DataFrame, *, strict: bool = False,
                     log_level: int = logging.WARNING) -> list[Failure]:
    """Validate a parameter frame; log (default) or raise on problems.

    Checks: rows marked garbled; a listed stage without a sourcing variant; a ``GS+EU``
    stage without import reliance; missing substitution indices for a material that is
    not a group (groups are aggregated from their members); values outside 0–1; the
    bottleneck stage not among the stages; duplicate materials.

    Parameters
    ----------
    params
        a frame with :data:`COLUMNS`.
    strict
        raise :class:`~mineralwatch.errors.ConsistencyError` instead of logging.
    log_level
        level of the log line listing the problems (the loader logs at INFO: the
        packaged table's known garbled rows are not news at every ``init``).

    Returns
    -------
    list of Failure
        one per problem (empty when the table is clean).
    """
    out: list[Failure] = []
    table = minerals.table()
    for _, r in params.iterrows():
        name = r["eu_name"] if "eu_name" in r and pd.notna(r.get("eu_name")) else r["mineral"]
        if r.get("status") == "garbled":
            out.append(Failure(f"garbled row: {r.get('issue')}", value=name))
        stages = [s for s in str(r["stages"] or "").split("+") if s]
        is_group = table.get(r["mineral"]) is not None and table[r["mineral"]].kind == "group"
        for stage in stages:
            variant = r[f"variant_{stage}"]
            if pd.isna(variant) or variant is None:
                out.append(Failure(f"no sourcing variant for the {stage} stage", value=name))
            elif variant == "GS+EU" and pd.isna(r[f"ir_{stage}"]):
                out.append(Failure(f"GS+EU at {stage} without import reliance", value=name))
        if not is_group:
            for col in ("si_sr", "si_ei"):
                if pd.isna(r[col]):
                    out.append(Failure(f"missing {col}", value=name))
        for col in ("si_ei", "si_sr", "ir_extraction", "ir_processing", "eol_rir"):
            x = r[col]
            if pd.notna(x) and not 0.0 <= float(x) <= 1.0:
                out.append(Failure(f"{col} outside 0-1", value=(name, x)))
        if pd.notna(r["bottleneck"]) and r["bottleneck"] not in stages:
            out.append(Failure(f"bottleneck {r['bottleneck']} not among stages {stages}",
                               value=name))
    dup = params["mineral"][params["mineral"].duplicated()]
    out.extend(Failure("duplicate material", value=m) for m in dup)
    if out:
        msg = f"{len(out)} problem(s) in the criticality parameters"
        if strict:
            raise ConsistencyError(msg + ":\n" + "\n".join(f"  {f}" for f in out),
                                   hint="Rebuild the table with "
                                   "scripts/build_eu_crm_parameters.py or fix the rows.")
        _log.log(log_level, "%s: %s", msg, "; ".join(str(f) for f in out))
    return out


@cache
def _packaged() -> str:
    path = resources.files("mineralwatch").joinpath("data", "eu_crm2023_parameters.csv")
    return path.read_text("utf-8")


def eu_parameters() -> pd.DataFrame:
    """The packaged EU CRM 2023 parameter table (a fresh copy).

    Raises
    ------
    NotFoundError
        when the package data file is missing (a broken install).
    """
    try:
        text = _packaged()
    except FileNotFoundError:
        raise NotFoundError("The packaged EU CRM 2023 parameter table is missing.",
                            hint="Reinstall mineralwatch or run "
                            "scripts/build_eu_crm_parameters.py.") from None
    df = pd.read_csv(StringIO(text), dtype={"issue": object, "variant_extraction": object,
                                            "variant_processing": object})
    return coerce_parameters(df)


_TEXT_COLUMNS = ("variant_extraction", "variant_processing", "issue", "bottleneck",
                 "eu_name", "stages")
_NUMBER_COLUMNS = ("si_ei", "si_sr", "ir_extraction", "ir_processing", "eol_rir")


def coerce_parameters(df: pd.DataFrame) -> pd.DataFrame:
    """A parameter frame (the packaged CSV or the warehouse's ``crm_parameters`` table)
    with :data:`COLUMNS` and the assessment's types: ``None`` for missing text, floats."""
    df = df[[c for c in COLUMNS if c in df.columns]].copy()
    for c in _TEXT_COLUMNS:
        if c in df.columns:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df.astype({c: "float64" for c in _NUMBER_COLUMNS if c in df.columns})


__all__ = ["COLUMNS", "SOURCE_ID", "STAGE_NAMES", "VARIANTS", "check_parameters",
           "coerce_parameters", "eu_parameters", "from_study_table"]
