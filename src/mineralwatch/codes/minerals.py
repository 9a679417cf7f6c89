"""Minerals: canonical ids, names and aliases in English and Chinese, groups, stages, HS codes.

>>> from mineralwatch.codes import minerals
>>> minerals.to_id("Rare earths")
'rare_earths'
>>> minerals.to_id("镓")
'gallium'
>>> minerals.to_id("Gemanium")   # the USGS MCS 2025 typo
'germanium'
>>> minerals.get("hree").members[:3]
('europium', 'gadolinium', 'terbium')
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from mineralwatch.codes._table import normalise_name, read_yaml, resolve_many
from mineralwatch.errors import Failure, UnknownCodeError

#: Production stages, in value-chain order.
STAGES: tuple[str, ...] = ("mine", "refinery", "smelter", "processing")

#: Stage spellings accepted in input, mapped to canonical stages. The EU study's
#: "Extraction" is our mine stage; its "Processing" our processing stage.
STAGE_ALIASES: dict[str, str] = {
    "mine": "mine", "mining": "mine", "extraction": "mine", "e": "mine", "ore": "mine",
    "refinery": "refinery", "refining": "refinery", "refined": "refinery",
    "smelter": "smelter", "smelting": "smelter",
    "processing": "processing", "p": "processing", "processed": "processing",
}

#: HS value-chain stages.
HS_STAGES: tuple[str, ...] = ("ore", "intermediate", "refined", "product")


@dataclass(frozen=True)
class HSCode:
    """An HS6 code linked to a mineral, with its value-chain stage and metal content."""

    hs6: str
    stage: str
    desc: str = ""
    content: float | None = None
    hs_revision: str = "HS2022"


@dataclass(frozen=True)
class Mineral:
    """One mineral or mineral group."""

    id: str
    name: str
    kind: str
    symbol: str = ""
    zh: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    usgs: tuple[str, ...] = ()
    eu: tuple[str, ...] = ()
    bgs: tuple[str, ...] = ()
    hs: tuple[HSCode, ...] = field(default=())

    @property
    def name_zh(self) -> str:
        """First Chinese name, or the English name when none is known."""
        return self.zh[0] if self.zh else self.name


@cache
def table() -> dict[str, Mineral]:
    """All minerals and groups keyed by canonical id."""
    raw = read_yaml("minerals.yaml")
    out: dict[str, Mineral] = {}
    for mid, d in raw.items():
        hs = tuple(
            HSCode(
                hs6=str(h["hs6"]).zfill(6),
                stage=h["stage"],
                desc=h.get("desc", ""),
                content=h.get("content"),
                hs_revision=h.get("hs_revision", "HS2022"),
            )
            for h in d.get("hs", []) or []
        )
        out[mid] = Mineral(
            id=mid,
            name=d["name"],
            kind=d.get("kind", "element"),
            symbol=d.get("symbol", ""),
            zh=tuple(d.get("zh", []) or []),
            aliases=tuple(str(a) for a in d.get("aliases", []) or []),
            groups=tuple(d.get("groups", []) or []),
            members=tuple(d.get("members", []) or []),
            stages=tuple(d.get("stages", []) or []),
            usgs=tuple(d.get("usgs", []) or []),
            eu=tuple(d.get("eu", []) or []),
            bgs=tuple(d.get("bgs", []) or []),
            hs=hs,
        )
    return out


@cache
def _lookup() -> dict[str, str]:
    idx: dict[str, str] = {}
    for m in table().values():
        names = [m.id, m.id.replace("_", " "), m.name, *m.zh, *m.aliases, *m.usgs, *m.eu,
                 *m.bgs]
        for n in names:
            key = normalise_name(n)
            if key in idx and idx[key] != m.id:
                # first definition wins; symbols like "Co" must not shadow names
                continue
            idx[key] = m.id
        if m.symbol:
            idx.setdefault("symbol:" + m.symbol, m.id)
    return idx


def lookup(name: object) -> str | None:
    """Canonical id for a mineral name, alias, Chinese name or symbol; ``None`` if unknown."""
    if name is None:
        return None
    raw = str(name).strip()
    if not raw:
        return None
    idx = _lookup()
    hit = idx.get(normalise_name(raw))
    if hit is None:
        hit = idx.get("symbol:" + raw)
    return hit


def to_id(name: object, *, file: str | None = None, line: int | None = None) -> str:
    """Canonical id for one mineral name; raises :class:`UnknownCodeError` when unknown."""
    return to_ids([name], file=file, lines=[line])[0]


def to_ids(
    names: Iterable[object],
    *,
    file: str | None = None,
    lines: Sequence[int | None] | None = None,
    column: str | None = None,
) -> list[str]:
    """Canonical ids for many names; one :class:`UnknownCodeError` lists every unknown one.

    The error's hint names the closest known minerals of a misspelt name ("cobolt").
    """
    names = list(names)
    close = suggest([n for n in dict.fromkeys(map(str, names)) if lookup(n) is None])
    return resolve_many(names, lookup, what="mineral", file=file, lines=lines, column=column,
                        hint=(f"Did you mean: {', '.join(close)}? " if close else "")
                        + "Known minerals: `mineralwatch minerals`. Add a spelling to the "
                        "mineral's aliases in mineralwatch/codes/data/minerals.yaml or "
                        "correct the input.")


def suggest(unknown: Sequence[str], n: int = 3) -> list[str]:
    """Known mineral ids closest in spelling to the ``unknown`` names (``n`` per name)."""
    if not unknown:
        return []
    known = {normalise_name(k): m for k, m in _lookup().items() if not k.startswith("symbol:")}
    out: list[str] = []
    for name in unknown:
        ids = [known[k] for k in difflib.get_close_matches(normalise_name(name), list(known),
                                                           n=3 * n, cutoff=0.6)]
        out += [m for m in dict.fromkeys(ids) if m not in out][:n]
    return out


def get(mineral: str) -> Mineral:
    """The :class:`Mineral` for a name or id; raises :class:`UnknownCodeError` when unknown."""
    return table()[to_id(mineral)]


def to_stage(stage: object, *, file: str | None = None, line: int | None = None) -> str:
    """Canonical stage (``mine``, ``refinery``, ``smelter``, ``processing``)."""
    key = normalise_name(str(stage))
    if key in STAGE_ALIASES:
        return STAGE_ALIASES[key]
    raise UnknownCodeError(
        "Unknown stage.",
        [Failure("unknown stage", file=file, line=line, value=stage)],
        file=file,
        hint=f"Use one of: {', '.join(STAGES)}.",
    )


def hs_codes(mineral: str, stage: str | None = None) -> list[HSCode]:
    """HS6 codes of a mineral (and of its members, for groups), optionally of one HS stage."""
    m = get(mineral)
    codes = list(m.hs)
    for member in m.members:
        codes.extend(table()[member].hs)
    seen: set[tuple[str, str]] = set()
    out = []
    for c in codes:
        if (stage is None or c.stage == stage) and (c.hs6, c.stage) not in seen:
            seen.add((c.hs6, c.stage))
            out.append(c)
    return out


def minerals_for_hs(hs6: str) -> list[str]:
    """Mineral ids whose HS list contains ``hs6``."""
    code = str(hs6).zfill(6)
    return [m.id for m in table().values() if any(h.hs6 == code for h in m.hs)]


__all__ = [
    "HS_STAGES",
    "STAGES",
    "HSCode",
    "Mineral",
    "get",
    "hs_codes",
    "lookup",
    "minerals_for_hs",
    "table",
    "to_id",
    "to_ids",
    "to_stage",
]
