"""The canonical tables: columns, types, keys, and validation of frames against them.

Every table is long format and every row carries ``source_id``. Key columns are named
once here (the pyam ``IAMC_IDX`` idea) and used everywhere else::

    from mineralwatch.schema import TABLES, PRODUCTION_KEY
    check_frame(df, "production", file="usgs.csv")   # raises SchemaError listing every failure

A frame may carry a ``_line`` column (the source file's line number of each row); it is
used in error messages and dropped by :func:`check_frame`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.errors import Failure, SchemaError

LINE = "_line"


@dataclass(frozen=True)
class Column:
    """A column of a canonical table."""

    name: str
    dtype: str  # str | int | float | bool | date | json
    nullable: bool = False
    nonnegative: bool = False
    allowed: tuple[str, ...] | None = None
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns and its key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""
    #: Columns whose order :meth:`Warehouse.optimize` writes the rows in, so that DuckDB's
    #: per-row-group min/max statistics skip the row groups a filter on them cannot match.
    cluster: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


STAGES = ("mine", "refinery", "smelter", "processing")
#: Languages a document or passage may be in (ISO 639-1): those the language detector
#: tells apart (documents.language); extraction reads en, zh, fr, de, es, id and ja.
LANGUAGE_CODES = ("en", "zh", "ja", "fr", "de", "es", "id", "pt", "it", "nl", "sv", "ru",
                  "ko", "ar", "th")
MEASURES = (
    "export_tax", "export_quota", "export_prohibition", "export_licence",
    "export_licence_dual_use", "minimum_export_price", "domestic_market_obligation",
    "price_floor", "stockpile", "processing_mandate", "nationalisation",
    "suspension_of_measure", "import_tariff", "investment_restriction", "other",
)
EVENT_STATUS = ("confirmed", "extracted", "rejected")

_SRC = Column("source_id", "str", doc="id of the row in the source table")

PRODUCTION_KEY = ("mineral", "stage", "country", "year")
RESERVES_KEY = ("mineral", "stage", "country", "year")
CAPACITY_KEY = ("mineral", "stage", "country", "year")
SUPPLY_SHARE_KEY = ("mineral", "stage", "scope", "country", "year")
TRADE_KEY = ("period", "hs6", "exporter", "importer", "reporter_side")
PRICE_KEY = ("product", "market", "date")
GOVERNANCE_KEY = ("country", "year", "indicator")
DEMAND_KEY = ("mineral", "sector", "region", "year", "scenario")
END_USE_KEY = ("mineral", "application", "scope")
IMPORT_RELIANCE_KEY = ("country", "mineral", "year", "item")
CRM_PARAMETERS_KEY = ("mineral",)
DOCUMENT_KEY = ("doc_id",)
PASSAGE_KEY = ("doc_id", "idx")

_quantity_cols = (
    Column("mineral", "str"),
    Column("stage", "str", allowed=STAGES),
    Column("country", "str", doc="ISO3 or special code (WLD, XOT)"),
    Column("year", "int"),
    Column("quantity", "float", nullable=True, nonnegative=True),
    Column("unit", "str", doc="t unless stated (e.g. carats, m3)"),
    Column("basis", "str", allowed=("content", "gross"), doc="contained metal or gross weight"),
    Column("estimated", "bool"),
    Column("note", "str", nullable=True),
    _SRC,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("production", _quantity_cols, PRODUCTION_KEY,
              "Production by mineral, stage, country and year (tonnes unless stated)."),
        Table("capacity", _quantity_cols, CAPACITY_KEY, "Production capacity."),
        Table("reserves", _quantity_cols, RESERVES_KEY, "Reserves."),
        Table(
            "supply_share",
            (
                Column("mineral", "str"),
                Column("stage", "str", allowed=STAGES),
                Column("scope", "str", doc="'WLD' for global supply, else the importer "
                       "(EUU, USA, ...) whose sourcing this is"),
                Column("country", "str"),
                Column("year", "int"),
                Column("share", "float", nonnegative=True, doc="fraction 0-1"),
                Column("t", "float", nullable=True, nonnegative=True,
                       doc="EU trade parameter t (export restrictions / agreements)"),
                _SRC,
            ),
            SUPPLY_SHARE_KEY,
            "Shares of global supply or of an importer's sourcing (EU CRM study).",
        ),
        Table(
            "end_use",
            (
                Column("mineral", "str"),
                Column("application", "str"),
                Column("scope", "str"),
                Column("share", "float", nonnegative=True),
                Column("sector", "str", nullable=True, doc="NACE sector code and name"),
                Column("value_added", "float", nullable=True, nonnegative=True,
                       doc="sector value added, EUR million"),
                _SRC,
            ),
            END_USE_KEY,
            "End-use shares by application with the sector's value added (EU CRM study).",
        ),
        Table(
            "import_reliance",
            (
                Column("country", "str", doc="ISO3 of the importer (USA for USGS MCS)"),
                Column("mineral", "str"),
                Column("year", "int"),
                Column("item", "str", doc="what the figure covers: 'all', or the "
                       "publisher's qualifier (e.g. 'Palladium', 'Compounds-Metals')"),
                Column("value", "float", doc="net import reliance as a fraction of apparent "
                       "consumption; 0 for a net exporter; bounds ('>95') as the bound"),
                Column("note", "str", nullable=True, doc="the published text when not a "
                       "plain number ('>95', 'E' net exporter)"),
                _SRC,
            ),
            IMPORT_RELIANCE_KEY,
            "Net import reliance by importer, mineral and year (USGS MCS salient statistics).",
        ),
        Table(
            "crm_parameters",
            (
                Column("mineral", "str"),
                Column("eu_name", "str", nullable=True, doc="the study's name"),
                Column("bottleneck", "str", nullable=True, doc="extraction or processing"),
                Column("stages", "str", nullable=True, doc="assessed stages, 'extraction+"
                       "processing'"),
                Column("variant_extraction", "str", nullable=True, doc="GS+EU, GSonly or "
                       "EUonly"),
                Column("variant_processing", "str", nullable=True),
                Column("si_ei", "float", nullable=True, nonnegative=True),
                Column("si_sr", "float", nullable=True, nonnegative=True),
                Column("ir_extraction", "float", nullable=True, doc="EU import reliance, "
                       "fraction"),
                Column("ir_processing", "float", nullable=True),
                Column("eol_rir", "float", nullable=True, nonnegative=True,
                       doc="end-of-life recycling input rate, fraction"),
                Column("status", "str", doc="ok or garbled (in the transcription)"),
                Column("issue", "str", nullable=True),
                _SRC,
            ),
            CRM_PARAMETERS_KEY,
            "Per-material parameters of the EU CRM 2023 assessment (stage, variants, SI, "
            "IR, EOL-RIR).",
        ),
        Table(
            "trade",
            (
                Column("period", "str", doc="'YYYY' or 'YYYY-MM'"),
                Column("hs6", "str"),
                Column("hs_revision", "str"),
                Column("exporter", "str"),
                Column("importer", "str"),
                Column("reporter_side", "str", allowed=("export", "import", "reconciled")),
                Column("value_usd", "float", nullable=True, nonnegative=True),
                Column("quantity", "float", nullable=True, nonnegative=True),
                Column("quantity_unit", "str", nullable=True),
                _SRC,
            ),
            TRADE_KEY,
            "Bilateral trade flows.",
            cluster=("exporter", "importer"),
        ),
        Table(
            "price",
            (
                Column("product", "str"),
                Column("market", "str"),
                Column("date", "date"),
                Column("value", "float"),
                Column("currency", "str"),
                Column("unit", "str"),
                _SRC,
            ),
            PRICE_KEY,
            "Prices.",
        ),
        Table(
            "governance",
            (
                Column("country", "str"),
                Column("year", "int"),
                Column("indicator", "str"),
                Column("value", "float"),
                _SRC,
            ),
            GOVERNANCE_KEY,
            "Governance indicators (World Bank WGI codes va, pv, ge, rq, rl, cc).",
        ),
        Table(
            "demand",
            (
                Column("mineral", "str"),
                Column("sector", "str"),
                Column("region", "str"),
                Column("year", "int"),
                Column("scenario", "str"),
                Column("quantity", "float", nonnegative=True),
                Column("unit", "str"),
                _SRC,
            ),
            DEMAND_KEY,
            "Demand by sector and region.",
        ),
        Table(
            "policy_event",
            (
                Column("id", "str"),
                Column("actor", "str", doc="ISO3 of the acting country"),
                Column("authority", "str", nullable=True),
                Column("instrument", "str", nullable=True),
                Column("measure", "str", allowed=MEASURES),
                Column("minerals", "json", doc="list of mineral ids"),
                Column("hs_codes", "json", doc="list of HS codes (6 to 10 digits)"),
                Column("target", "json", doc="list of ISO3 targets, or ['ALL']"),
                Column("announced", "date", nullable=True),
                Column("effective", "date", nullable=True),
                Column("ends", "date", nullable=True),
                Column("quantity", "float", nullable=True),
                Column("quantity_unit", "str", nullable=True),
                Column("status", "str", allowed=EVENT_STATUS),
                Column("suspends", "str", nullable=True, doc="id of the event this suspends"),
                Column("title", "str", nullable=True),
                Column("note", "str", nullable=True),
                Column("citations", "json", doc="list of {url|doc_id, passage, ...}"),
                _SRC,
            ),
            ("id",),
            "Policy events: export controls, quotas, bans and their suspensions.",
        ),
        Table(
            "document",
            (
                Column("doc_id", "str", doc="JSON Lines `id`, else the file name"),
                Column("title", "str", nullable=True),
                Column("url", "str", nullable=True),
                Column("published", "date", nullable=True),
                Column("language", "str", allowed=LANGUAGE_CODES,
                       doc="ISO 639-1; extraction reads en, zh, fr, de, es, id, ja"),
                Column("path", "str", nullable=True),
                Column("checksum", "str", doc="SHA-256 of the document text"),
                Column("ingested_at", "str"),
                _SRC,
            ),
            DOCUMENT_KEY,
            "Ingested documents (research reports, notices, news).",
        ),
        Table(
            "passage",
            (
                Column("doc_id", "str"),
                Column("idx", "int", doc="passage number within the document, from 0"),
                Column("text", "str"),
                Column("language", "str", allowed=LANGUAGE_CODES),
                Column("start", "int", nonnegative=True, doc="character offset in the text"),
                Column("end", "int", nonnegative=True),
                Column("hash", "str", doc="hash of the normalised text (near-duplicates)"),
                _SRC,
            ),
            PASSAGE_KEY,
            "Passages (paragraph-sized segments) of documents; near-duplicates removed.",
        ),
        Table(
            "claim",
            (
                Column("id", "str"),
                Column("value", "float"),
                Column("unit", "str", doc="t, USD, USD/t, %, ... (normalised)"),
                Column("measure", "str", nullable=True,
                       doc="production, reserves, export_quota, exports, demand, supply, "
                       "shortage, price, share, growth, ..."),
                Column("mineral", "str", nullable=True),
                Column("country", "str", nullable=True),
                Column("year", "str", nullable=True, doc="'YYYY' or 'YYYY-YYYY'"),
                Column("doc_id", "str"),
                Column("passage", "int"),
                Column("start", "int", nonnegative=True, doc="span in the passage text"),
                Column("end", "int", nonnegative=True),
                Column("text", "str", doc="the quantity as written"),
                _SRC,
            ),
            ("id",),
            "Figures stated in documents, each with its citation.",
        ),
        Table(
            "event_review",
            (
                Column("event_id", "str"),
                Column("decision", "str", allowed=("confirmed", "rejected")),
                Column("reviewed_at", "str", doc="ISO timestamp (UTC)"),
                Column("reviewer", "str", nullable=True),
                Column("doc_id", "str", nullable=True, doc="the first citation's document"),
                Column("passage", "int", nullable=True),
                Column("text", "str", doc="the cited sentence(s) as written"),
                Column("passage_text", "str", nullable=True, doc="the whole cited passage"),
                Column("event", "json", doc="the event as extracted (actor, measure, ...)"),
                _SRC,
            ),
            ("event_id", "reviewed_at"),
            "Review decisions on extracted events, each with the passage it judged "
            "(training data: `mineralwatch events export-reviews`).",
        ),
        Table(
            "source",
            (
                Column("source_id", "str"),
                Column("kind", "str"),
                Column("name", "str"),
                Column("path", "str", nullable=True),
                Column("url", "str", nullable=True),
                Column("publisher", "str", nullable=True),
                Column("licence", "str", nullable=True),
                Column("checksum", "str"),
                Column("loader_version", "str"),
                Column("retrieved", "str", nullable=True),
                Column("ingested_at", "str"),
                Column("rows", "int"),
            ),
            ("source_id",),
            "Provenance: one row per ingested source file.",
        ),
    ]
}


def citation_label(c: Any) -> str:
    """How a citation of ``policy_event.citations`` (or a figure) is shown to a reader.

    A passage of an ingested document is ``[doc_id:passage]`` (the form of briefings); a
    document without a passage is ``[doc_id]``; a publication is its title, document name
    or instrument, with publisher and date where known; a bare link its host. Strings are
    returned as they are.
    """
    if not isinstance(c, dict):
        return str(c)
    doc, passage = c.get("doc_id"), c.get("passage")
    if doc:
        return f"[{doc}:{passage}]" if passage is not None else f"[{doc}]"
    name = c.get("title") or c.get("document") or c.get("instrument")
    url = c.get("url")
    host = str(url).split("//", 1)[-1].split("/", 1)[0].removeprefix("www.") if url else None
    who = c.get("publisher")
    label = name or who or host or "source"
    extra = [x for x in (who if name else None, c.get("date")) if x]
    return f"{label} ({', '.join(map(str, extra))})" if extra else str(label)


def _is_missing(s: pd.Series) -> pd.Series:
    # numbers, booleans and datetimes cannot be blank text: skip the (slow) string pass
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return s.isna()
    return s.isna() | (s.astype(str).str.strip() == "")


def _lines(df: pd.DataFrame, mask: pd.Series | np.ndarray) -> list[int | None]:
    if LINE in df.columns:
        return [int(x) if pd.notna(x) else None for x in df.loc[mask, LINE]]
    return [int(i) + 2 for i in np.flatnonzero(np.asarray(mask))]  # header is line 1


def coerce(df: pd.DataFrame, table: str | Table) -> pd.DataFrame:
    """Cast columns to the table's types (without validating); missing nullable columns added."""
    t = TABLES[table] if isinstance(table, str) else table
    out = df.copy()
    for c in t.columns:
        if c.name not in out.columns:
            if c.nullable:
                out[c.name] = None
            continue
        if c.dtype == "float":
            out[c.name] = pd.to_numeric(out[c.name], errors="coerce").astype("float64")
        elif c.dtype == "int":
            out[c.name] = pd.to_numeric(out[c.name], errors="coerce").astype("Int64")
        elif c.dtype == "bool":
            out[c.name] = out[c.name].astype("boolean")
        elif c.dtype == "str":
            out[c.name] = out[c.name].astype("object").where(out[c.name].notna(), None)
    return out


def check_frame(df: pd.DataFrame, table: str | Table, *, file: str | None = None,
                strict: bool = True) -> pd.DataFrame:
    """Validate ``df`` against a canonical table and return it in canonical column order.

    Every failure is collected before raising: missing columns, empty required values,
    values that are not numbers, negative quantities, values outside an allowed set,
    and duplicate keys. ``_line`` (if present) gives line numbers for the messages.

    Raises
    ------
    SchemaError
        listing every failure with file, line, column and value.
    """
    t = TABLES[table] if isinstance(table, str) else table
    missing = [c.name for c in t.columns if c.name not in df.columns and not c.nullable]
    if missing:
        raise SchemaError(
            f"Table {t.name!r}: missing column(s) {missing}"
            + (f" in data from {file}" if file else ""),
            [Failure(f"missing column {m!r}", file=file) for m in missing],
            file=file,
            hint=f"Expected columns: {t.column_names}",
        )
    out = coerce(df, t)
    failures: list[Failure] = []
    for c in t.columns:
        s = out[c.name]
        raw = df[c.name] if c.name in df.columns else s
        if not c.nullable:
            bad = _is_missing(s) if c.dtype in ("str", "json", "date") else s.isna()
            if c.dtype in ("float", "int"):
                bad = s.isna()
            if bad.any():
                for ln, v in zip(_lines(df, bad), raw[bad], strict=False):
                    what = "empty" if _is_missing(pd.Series([v])).iloc[0] else "not a number"
                    failures.append(Failure(f"{what} value in required column", file=file,
                                            line=ln, column=c.name, value=v))
        elif c.dtype in ("float", "int") and c.name in df.columns:
            bad = s.isna() & ~_is_missing(raw)
            for ln, v in zip(_lines(df, bad), raw[bad], strict=False):
                failures.append(Failure("not a number", file=file, line=ln, column=c.name,
                                        value=v))
        if c.nonnegative and c.dtype in ("float", "int"):
            bad = s.notna() & (s < 0)
            for ln, v in zip(_lines(df, bad), raw[bad], strict=False):
                failures.append(Failure("negative value", file=file, line=ln, column=c.name,
                                        value=v))
        if c.allowed is not None:
            bad = s.notna() & ~s.isin(c.allowed)
            for ln, v in zip(_lines(df, bad), raw[bad], strict=False):
                failures.append(Failure(f"not one of {list(c.allowed)}", file=file, line=ln,
                                        column=c.name, value=v))
    if not failures and t.key:
        dup = out.duplicated(list(t.key), keep=False)
        if dup.any():
            for ln, (_, row) in zip(_lines(df, dup), out.loc[dup, list(t.key)].iterrows(),
                                    strict=False):
                failures.append(Failure("duplicate key", file=file, line=ln,
                                        value=dict(row.items())))
    if failures and strict:
        raise SchemaError(
            f"{len(failures)} problem(s) in {t.name!r} data" + (f" from {file}" if file else ""),
            failures,
            file=file,
            hint="Fix the listed rows in the input file; nothing was written.",
        )
    return out[t.column_names].reset_index(drop=True)


def empty(table: str) -> pd.DataFrame:
    """An empty frame with the table's columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in TABLES[table].column_names})


def ddl(table: str | Table) -> str:
    """``CREATE TABLE IF NOT EXISTS`` statement (DuckDB dialect) for a canonical table."""
    t = TABLES[table] if isinstance(table, str) else table
    types = {"str": "VARCHAR", "int": "INTEGER", "float": "DOUBLE", "bool": "BOOLEAN",
             "date": "DATE", "json": "VARCHAR"}
    cols = ", ".join(f'"{c.name}" {types[c.dtype]}' for c in t.columns)
    return f'CREATE TABLE IF NOT EXISTS "{t.name}" ({cols})'


def describe() -> dict[str, Any]:
    """A JSON-able description of every table (used by docs and ``mineralwatch tables``)."""
    return {
        t.name: {
            "doc": t.doc,
            "key": list(t.key),
            "columns": [{"name": c.name, "type": c.dtype, "nullable": c.nullable,
                         "doc": c.doc} for c in t.columns],
        }
        for t in TABLES.values()
    }


__all__ = [
    "CAPACITY_KEY", "DEMAND_KEY", "DOCUMENT_KEY", "END_USE_KEY", "EVENT_STATUS",
    "GOVERNANCE_KEY", "IMPORT_RELIANCE_KEY", "LANGUAGE_CODES", "LINE", "MEASURES",
    "PASSAGE_KEY", "PRICE_KEY",
    "PRODUCTION_KEY", "RESERVES_KEY", "STAGES", "SUPPLY_SHARE_KEY",
    "TABLES", "TRADE_KEY", "Column", "Table", "check_frame", "coerce", "ddl", "describe",
    "empty",
]
