"""Countries: ISO3 codes, names in English and Chinese, and the aliases used by publishers.

>>> from mineralwatch.codes import countries
>>> countries.to_iso3("Congo (Kinshasa)")
'COD'
>>> countries.to_iso3("刚果（金）")
'COD'
>>> countries.to_iso3_many(["Burma", "Korea, South"])
['MMR', 'KOR']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from mineralwatch.codes._table import normalise_name, read_tsv, resolve_many
from mineralwatch.errors import Failure, UnknownCodeError


@cache
def special_codes() -> dict[str, tuple[str, str]]:
    """Codes that are not ISO 3166 countries (``codes/data/special_codes.tsv``): code ->
    (name, kind), kind ``aggregate`` (world, other countries, EU ...), ``historical`` (states
    of long BGS series) or ``unofficial`` (Kosovo's XKX)."""
    return {r["code"]: (r["name"], r["kind"]) for r in read_tsv("special_codes.tsv")}


#: Aggregates: rows with these codes are totals or residuals, not single countries.
AGGREGATE_CODES = frozenset(c for c, (_, kind) in special_codes().items() if kind == "aggregate")


@dataclass(frozen=True)
class Country:
    """One country or special code."""

    iso3: str
    iso2: str
    m49: str
    name_en: str
    name_zh: str
    region: str
    subregion: str


@cache
def table() -> dict[str, Country]:
    """All countries (and special codes) keyed by ISO3."""
    out = {
        r["iso3"]: Country(
            r["iso3"], r["iso2"], r["m49"], r["name_en"], r["name_zh"], r["region"], r["subregion"]
        )
        for r in read_tsv("countries.tsv")
    }
    for code, (name, _) in special_codes().items():
        out.setdefault(code, Country(code, "", "", name, "", "", ""))
    return out


@cache
def _lookup() -> dict[str, str]:
    idx: dict[str, str] = {}
    rows = read_tsv("countries.tsv")
    for r in rows:
        for name in [r["name_en"], r["name_zh"], *r["other_en"].split("|"),
                     *r["other_zh"].split("|")]:
            if name:
                idx.setdefault(normalise_name(name), r["iso3"])
    for code, (name, _) in special_codes().items():
        idx.setdefault(normalise_name(name), code)
    # aliases win over derived names: they are reviewed by hand
    for r in read_tsv("country_aliases.tsv"):
        idx[normalise_name(r["alias"])] = r["iso3"]
    return idx


@cache
def _codes() -> tuple[dict[str, str], dict[str, str]]:
    t = table()
    iso2 = {c.iso2: c.iso3 for c in t.values() if c.iso2}
    m49 = {str(int(c.m49)): c.iso3 for c in t.values() if c.m49.isdigit()}
    return iso2, m49


def lookup(name: object) -> str | None:
    """ISO3 for a name or code, or ``None`` when unknown. Never raises."""
    if name is None:
        return None
    raw = str(name).strip()
    if not raw or raw.lower() == "nan":
        return None
    t = table()
    up = raw.upper()
    if len(raw) == 3 and raw.isalpha() and up == raw and up in t:
        return up
    iso2, m49 = _codes()
    if len(raw) == 2 and raw.isalpha() and up == raw and up in iso2:
        return iso2[up]
    if raw.isdigit():
        return m49.get(str(int(raw)))
    key = normalise_name(raw)
    hit = _lookup().get(key)
    if hit is None and "(" in key:
        # USGS qualifiers: "Brazil (beneficiated)", "United States (crude)"
        hit = _lookup().get(key.split("(", 1)[0].strip())
    if hit is None and key.startswith(("world total", "other countries")):
        hit = "WLD" if key.startswith("world") else "XOT"
    return hit


def to_iso3(name: object, *, file: str | None = None, line: int | None = None) -> str:
    """ISO3 for one name or code; raises :class:`UnknownCodeError` when unknown."""
    hit = lookup(name)
    if hit is None:
        raise UnknownCodeError(
            "Unknown country name or code.",
            [Failure("not a known country", file=file, line=line, value=name)],
            file=file,
            hint="Add the spelling to mineralwatch/codes/data/country_aliases.tsv "
            "or correct the input.",
        )
    return hit


def to_iso3_many(
    names: Iterable[object],
    *,
    file: str | None = None,
    lines: Sequence[int | None] | None = None,
    column: str | None = None,
) -> list[str]:
    """ISO3 for many names; raises one :class:`UnknownCodeError` listing every unknown one."""
    return resolve_many(names, lookup, what="country", file=file, lines=lines, column=column,
                        hint="Add each spelling to mineralwatch/codes/data/country_aliases.tsv "
                        "(alias, ISO3, comment) or correct the input.")


def name(iso3: str, lang: str = "en") -> str:
    """Display name of an ISO3 code (``lang`` ``"en"`` or ``"zh"``); the code itself if unknown."""
    c = table().get(iso3)
    if c is None:
        return iso3
    return (c.name_zh or c.name_en) if lang == "zh" else c.name_en


#: Short labels of special codes in messages and tables (the code otherwise).
SHORT_LABELS: dict[str, str] = {"EUU": "EU", "WLD": "world"}


def short_label(iso3: str) -> str:
    """The code as users write it in messages: ``EU`` for ``EUU``, else the code itself."""
    return SHORT_LABELS.get(iso3, iso3)


def is_aggregate(iso3: str) -> bool:
    """True for world totals, residual "other countries" and regional aggregates."""
    return iso3 in AGGREGATE_CODES


__all__ = [
    "AGGREGATE_CODES",
    "SHORT_LABELS",
    "Country",
    "is_aggregate",
    "lookup",
    "name",
    "short_label",
    "special_codes",
    "table",
    "to_iso3",
    "to_iso3_many",
]
