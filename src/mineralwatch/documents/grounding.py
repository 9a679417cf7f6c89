"""The grounding check of generated sentences (pure): every number, date, country and
mineral a sentence states must appear in the passages it cites.

A generated sentence that fails is rejected and the extractive point stands in its
place, so a briefing with a model is never less trustworthy than one without.

>>> grounded("China's quota is 96,600 t.", ["刚果（金）的配额为96,600吨"])
(False, ['country CHN'])
>>> grounded("The DRC set a quota of 96,600 t.", ["刚果（金）的配额为96,600吨"])
(True, [])
"""

from __future__ import annotations

import re

from mineralwatch.documents import lexicon

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH_RX = re.compile(r"(?i)\b(" + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*\.?\s+"
                       r"(?:\d{1,2},?\s+)?(\d{4})")
_ZH_MONTH = re.compile(r"(\d{4})年(\d{1,2})月")
_ISO = re.compile(r"\b(\d{4})-(\d{2})(?:-\d{2})?\b")
_NUMBER = re.compile(r"(?<![0-9A-Za-z.])\d[\d,]*(?:\.\d+)?")
_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*万")
_YI = re.compile(r"(\d+(?:\.\d+)?)\s*亿")
_SCALE = re.compile(r"(?i)(\d+(?:\.\d+)?)\s*(million|billion|thousand)")


def _values(text: str) -> set[float]:
    """Every number of a text as a value, with 万/亿/million/billion applied and the
    plain number kept too ("9.66万" gives 9.66 and 96,600)."""
    out: set[float] = set()
    for m in _NUMBER.finditer(text):
        try:
            out.add(float(m.group(0).replace(",", "")))
        except ValueError:
            continue
    for rx, k in ((_WAN, 1e4), (_YI, 1e8)):
        out |= {round(float(m.group(1)) * k, 6) for m in rx.finditer(text)}
    scale = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
    out |= {round(float(m.group(1)) * scale[m.group(2).lower()], 6)
            for m in _SCALE.finditer(text)}
    return out


def months(text: str) -> set[str]:
    """Months a text names, as ``YYYY-MM`` ("December 2024", 2024年12月, 2024-12)."""
    out = {f"{y}-{_MONTHS.index(next(m for m in _MONTHS if m.startswith(a.lower()))) + 1:02d}"
           for a, y in _MONTH_RX.findall(text)}
    out |= {f"{y}-{int(m):02d}" for y, m in _ZH_MONTH.findall(text)}
    out |= {f"{y}-{m}" for y, m in _ISO.findall(text)}
    return out


def grounded(sentence: str, passages: list[str]) -> tuple[bool, list[str]]:
    """Whether ``sentence`` is grounded in ``passages``, and what is missing
    (``number 18125``, ``month 2024-12``, ``country COD``, ``mineral cobalt``)."""
    source = "\n".join(passages)
    have = _values(source)
    missing = [f"number {v:g}" for v in sorted(_values(sentence))
               if v not in have and not any(abs(v - h) <= 1e-9 * max(1, abs(h))
                                            for h in have)]
    have_months = months(source)
    missing += [f"month {m}" for m in sorted(months(sentence) - have_months)]
    for kind in ("country", "mineral"):
        src = set(lexicon.ids(source, kind))
        missing += [f"{kind} {i}" for i in lexicon.ids(sentence, kind) if i not in src]
    return not missing, missing


__all__ = ["grounded", "months"]
