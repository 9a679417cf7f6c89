"""Language of a text (English or Chinese) by the share of CJK characters.

>>> detect_language("稀土出口管制")
'zh'
>>> detect_language("Export controls on gallium")
'en'
"""

from __future__ import annotations

import re

LANGUAGES = ("en", "zh")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")

#: A text is Chinese when at least this share of its letters (CJK characters plus Latin
#: letters, each CJK character weighted as one word of ~4 letters) is CJK.
ZH_THRESHOLD = 0.3


def cjk_ratio(text: str) -> float:
    """Share of CJK among letters, a CJK character counting as four Latin letters."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    total = 4 * cjk + latin
    return 0.0 if total == 0 else 4 * cjk / total


def detect_language(text: str) -> str:
    """``"zh"`` when the text is mostly Chinese, else ``"en"``."""
    return "zh" if cjk_ratio(text) >= ZH_THRESHOLD else "en"


def has_cjk(text: str) -> bool:
    """True when ``text`` contains at least one CJK character."""
    return _CJK.search(text) is not None


__all__ = ["LANGUAGES", "ZH_THRESHOLD", "cjk_ratio", "detect_language", "has_cjk"]
