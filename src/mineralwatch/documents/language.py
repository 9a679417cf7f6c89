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


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
#: Frequent function words of the Latin-script languages a query may be in.
_FR_WORDS = """le la les des du de et en un une pour sur dans au aux par est sont quelles
quels quel quelle qui que contrôles exportations"""
_DE_WORDS = """der die das und den dem des ein eine für mit von auf im ist sind welche wie zu
nach ausfuhr"""
_FUNCTION_WORDS = {"fr": frozenset(_FR_WORDS.split()), "de": frozenset(_DE_WORDS.split())}


def query_language(text: str) -> str:
    """A best guess of the language of a short text (a search query): ``ja`` (kana),
    ``zh`` (mostly CJK), ``ko``, ``ru``, ``ar`` by script; ``fr`` or ``de`` by their
    function words and letters; else ``en``."""
    if _KANA.search(text):
        return "ja"
    if detect_language(text) == "zh":
        return "zh"
    for code, rx in (("ko", _HANGUL), ("ru", _CYRILLIC), ("ar", _ARABIC)):
        if rx.search(text):
            return code
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    best, best_n = "en", 0
    for code, fw in _FUNCTION_WORDS.items():
        n = sum(w in fw for w in words) + 2 * bool(
            re.search("[éèêàçœ]" if code == "fr" else "[äöüß]", text.lower()))
        if n > best_n:
            best, best_n = code, n
    return best


__all__ = ["LANGUAGES", "ZH_THRESHOLD", "cjk_ratio", "detect_language", "has_cjk",
           "query_language"]
