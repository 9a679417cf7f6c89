"""How numbers, dates and codes are shown to people: one place for the report, the web
pages and the CLI tables.

Missing values (``None``, NaN, NaT) are shown as ``""`` (or the ``missing`` text given),
never as ``nan``/``NaT``/``None``. Concentration levels use the US DOJ/FTC thresholds on
the 0-10,000 HHI scale: below 1,500 unconcentrated, 1,500-2,500 moderately, 2,500 and
above highly concentrated.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

#: HHI (0-10,000) at and above which a market is moderately / highly concentrated.
HHI_MODERATE = 1500.0
HHI_HIGH = 2500.0


def missing(v: Any) -> bool:
    """True for ``None``, NaN, NaT, pandas NA and empty strings."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return True
    if isinstance(v, float):
        return math.isnan(v)
    try:
        return bool(v != v)  # NaN-like (numpy, pandas NaT/NA)
    except (TypeError, ValueError):
        return False


def pct(v: Any, digits: int = 1, *, missing_text: str = "") -> str:
    """A 0-1 fraction as a percentage: ``0.7586`` -> ``"75.9%"``."""
    return missing_text if missing(v) else f"{float(v) * 100:.{digits}f}%"


def num(v: Any, digits: int = 0, *, missing_text: str = "") -> str:
    """A number with thousands separators and fixed decimals: ``329000`` -> ``"329,000"``."""
    return missing_text if missing(v) else f"{float(v):,.{digits}f}"


def hhi(v: Any) -> str:
    """An HHI on the 0-10,000 scale, whole units."""
    return num(v, 0)


def gw_hhi(v: Any) -> str:
    """The governance-weighted HHI (0-10 scale, 10 worst), two decimals: 4.76 stays 4.76."""
    return num(v, 2)


def level(v: Any) -> str:
    """``"high"``, ``"mid"`` or ``""`` for an HHI (CSS class and badge of the pages)."""
    if missing(v):
        return ""
    return "high" if float(v) >= HHI_HIGH else "mid" if float(v) >= HHI_MODERATE else ""


def level_text(v: Any) -> str:
    """The concentration level in words: highly / moderately / un-concentrated."""
    lv = level(v)
    return "" if missing(v) else {"high": "highly concentrated",
                                   "mid": "moderately concentrated"}.get(lv, "unconcentrated")


def quantity(v: Any, unit: str = "", *, digits: int | None = None) -> str:
    """A physical quantity, never in scientific notation: ``3.29e5, "t"`` -> ``"329,000 t"``.

    Values of 100 and above are whole numbers; smaller ones keep three significant digits.
    """
    if missing(v):
        return ""
    x = float(v)
    if digits is None:
        digits = 0 if abs(x) >= 100 or x == 0 else max(0, 2 - math.floor(math.log10(
            abs(x))))
    return f"{x:,.{digits}f}" + (f" {unit}" if unit else "")


def day(v: Any) -> str:
    """A date as ``YYYY-MM-DD`` (no time of day, nothing for a missing date)."""
    if missing(v):
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    text = str(v)
    return text[:10] if len(text) >= 10 and text[4] == "-" else text


def year(v: Any) -> str:
    """A year as digits, nothing when missing (never ``"None"`` or ``"2024.0"``)."""
    return "" if missing(v) else str(int(float(v)))


def code_label(code: Any) -> str:
    """A machine code in words: ``export_licence_dual_use`` -> ``export licence (dual use)``."""
    if missing(code):
        return ""
    text = str(code)
    for suffix, words in (("_dual_use", " (dual use)"),):
        if text.endswith(suffix):
            return text[: -len(suffix)].replace("_", " ") + words
    return text.replace("_", " ")


__all__ = ["HHI_HIGH", "HHI_MODERATE", "code_label", "day", "gw_hhi", "hhi", "level",
           "level_text", "missing", "num", "pct", "quantity", "year"]
