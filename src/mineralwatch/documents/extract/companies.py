"""Companies and stock tickers: 600111.SH, 000831.SZ, 06680.HK, (NYSE: MP), MP Materials.

Tickers are found by pattern (Shanghai/Shenzhen/Beijing six digits with .SH/.SZ/.BJ,
Hong Kong codes, "NYSE: XX"); a ticker in brackets after a name names the company; known
companies without a ticker in the text come from ``documents/data/companies.tsv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mineralwatch.documents.glossary import _read_tsv

TICKER = re.compile(
    r"(?<![\w.])(?P<code>\d{6}\.(?:SH|SZ|BJ|SS)|\d{4,5}\.HK|[A-Z]{1,5}\.(?:N|O|AX|L|TO|BR|T))"
    r"(?![\w])|(?P<exch>NYSE|NASDAQ|Nasdaq|ASX|TSX|LSE|HKEX)\s*:\s*(?P<sym>[A-Z0-9]{1,6})\b")
_BRACKETED = re.compile(r"(?P<name>(?:[A-Z][\w&.'-]*\s?){1,6}|[\u4e00-\u9fff]{2,10})\s*[(（]"
                        r"(?P<inner>[^)）]{3,40})[)）]")
_HK_BARE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Company:
    """A company (and its ticker when the text gives one), with its span."""

    name: str | None
    ticker: str | None
    start: int
    end: int


@cache
def _known() -> tuple[re.Pattern[str], dict[str, tuple[str, str | None]]]:
    index: dict[str, tuple[str, str | None]] = {}
    for r in _read_tsv("companies.tsv"):
        ticker = r["ticker"].strip() or None
        for n in [r["name"], *[a for a in r["aliases"].split("|") if a]]:
            index[n.casefold()] = (r["name"], ticker)
    names = sorted(index, key=len, reverse=True)
    rx = re.compile(r"(?i)(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])")
    return rx, index


def _hk(code: str) -> str:
    return f"{code}.HK" if _HK_BARE.match(code) else code


def find_companies(text: str) -> list[Company]:
    """Companies and tickers named in ``text``, in order, one entry per distinct ticker
    or name."""
    out: list[Company] = []
    taken: set[tuple[int, int]] = set()
    for m in _BRACKETED.finditer(text):
        codes = []
        for part in re.split(r"[,，;/]\s*", m.group("inner")):
            part = part.strip()
            t = TICKER.fullmatch(part)
            if t or _HK_BARE.match(part):
                codes.append(_hk(part) if not t or not t.group("exch") else
                             f"{t.group('sym')}.{t.group('exch')}")
        if codes:
            name = m.group("name").strip()
            for code in codes:
                out.append(Company(name, code, m.start("name"), m.end()))
            taken.add((m.start(), m.end()))
    for m in TICKER.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        code = m.group("code") or f"{m.group('sym')}.{m.group('exch')}"
        out.append(Company(None, code, m.start(), m.end()))
    rx, index = _known()
    for m in rx.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        name, ticker = index[m.group(0).casefold()]
        out.append(Company(name, ticker, m.start(), m.end()))
    seen: set[str] = set()
    uniq = []
    for c in sorted(out, key=lambda c: c.start):
        k = c.ticker or c.name or ""
        if k not in seen:
            seen.add(k)
            uniq.append(c)
    return uniq


__all__ = ["TICKER", "Company", "find_companies"]
