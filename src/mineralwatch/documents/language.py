"""Language of a text: its script first, then, for Latin text, its function words.

>>> detect_language("稀土出口管制")
'zh'
>>> detect_language("中國商務部實施出口管制")
'zh'
>>> chinese_script("中國商務部實施出口管制")
'Hant'
>>> detect_language("レアアースの輸出規制を強化した")
'ja'
>>> detect_language("Export controls on gallium")
'en'
>>> detect_language("La Chine a annoncé des restrictions sur les exportations de gallium")
'fr'

Chinese is told from Japanese by kana (a Japanese text of any length writes particles in
hiragana). Latin-script texts are scored by the share of their words that are common
function words of each language (:data:`FUNCTION_WORDS`); a text too short to tell, or
with no function word of any listed language, is English. Cyrillic, Hangul, Arabic and
Thai texts, and Latin texts in a listed language we do not extract from (Italian,
Dutch, Swedish, Portuguese ...), are detected so that they can be flagged
(:func:`is_supported`) rather than mined for events with English rules.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

#: Languages whose text the extractors read (rules and lexicons exist for them).
LANGUAGES = ("en", "zh", "fr", "de", "es", "id", "ja")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"[a-z\u00e0-\u024f]+(?:'[a-z]+)?")
_OTHER_SCRIPTS = {"ru": re.compile(r"[\u0400-\u04ff]"), "ko": re.compile(r"[\uac00-\ud7af]"),
                  "ar": re.compile(r"[\u0600-\u06ff]"), "th": re.compile(r"[\u0e00-\u0e7f]")}

#: A text is Chinese when at least this share of its letters (CJK characters plus Latin
#: letters, each CJK character weighted as one word of ~4 letters) is CJK.
ZH_THRESHOLD = 0.3
#: Kana among CJK characters that make a text Japanese.
KANA_THRESHOLD = 0.05
#: Latin texts with fewer words than this are English unless a function word says not.
MIN_WORDS = 4

#: Frequent function words that are rare in the other listed languages.
FUNCTION_WORDS: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in {
    "en": "the of and to in is that for on with as by was are from this which will its "
          "has have were be it at an said would",
    "fr": "le la les des du de et est une un dans pour sur par au aux qui que ne pas "
          "sont été ses cette ces avec d'un l'exportation selon plus",
    "de": "der die das und ist nicht mit von den dem des ein eine auf für im sich auch "
          "wird wurde werden zu bei nach aus über oder",
    "es": "el los las del de la y en que por con para una es se su al como más sus fue "
          "sobre entre también este esta desde",
    "pt": "o os as do da dos das e em que por com para uma um é se seu ao como mais "
          "não foi sobre também pelo pela",
    "id": "yang dan di dari untuk dengan ini itu pada dalam akan tidak oleh adalah "
          "juga ke bahwa telah sebagai atau karena sejak tersebut secara sudah masih "
          "mulai",
    "it": "il lo gli della delle degli e di che per con una è non sono dal nel alla "
          "anche come più",
    "nl": "de het een van en in is dat op te met voor niet zijn door aan ook bij "
          "werd wordt",
    "sv": "och att det som för med är på av till den inte har ett från om var kan "
          "också efter enligt",
}.items()}


def cjk_ratio(text: str) -> float:
    """Share of CJK among letters, a CJK character counting as four Latin letters."""
    cjk = len(_CJK.findall(text)) + len(_KANA.findall(text))
    latin = len(_LATIN.findall(text))
    total = 4 * cjk + latin
    return 0.0 if total == 0 else 4 * cjk / total


def _latin_language(text: str) -> str:
    words = _WORD.findall(text.casefold().replace("\u2019", "'"))
    scores = {lang: sum(w in fw for w in words) for lang, fw in FUNCTION_WORDS.items()}
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    if scores[best] == 0 or (len(words) < MIN_WORDS and scores[best] <= scores["en"]):
        return "en"
    return best


def detect_language(text: str) -> str:
    """ISO 639-1 code of the language of ``text`` (``"en"`` when it cannot tell).

    ``zh`` for Chinese in either script, ``ja`` for Japanese, ``en``, ``fr``, ``de``,
    ``es``, ``id`` and the unsupported ``pt``, ``it``, ``nl``, ``sv``, ``ru``, ``ko``,
    ``ar`` and ``th``.
    """
    sample = text[:4000]
    if cjk_ratio(sample) >= ZH_THRESHOLD:
        kana = len(_KANA.findall(sample))
        cjk = kana + len(_CJK.findall(sample))
        return "ja" if kana >= max(1, KANA_THRESHOLD * cjk) else "zh"
    latin = len(_LATIN.findall(sample))
    for code, rx in _OTHER_SCRIPTS.items():
        if len(rx.findall(sample)) > latin:
            return code
    return _latin_language(sample)


_ACCENTS = {"fr": re.compile("[éèêàçœ]"), "de": re.compile("[äöüß]")}


def query_language(text: str) -> str:
    """A best guess of the language of a short text (a search query): as
    :func:`detect_language`, and a text too short to have a function word is French or
    German by its letters ("contrôles exportations", "Ausfuhrbeschränkungen")."""
    lang = detect_language(text)
    if lang == "en" and not any(w in FUNCTION_WORDS["en"] for w in _WORD.findall(
            text.casefold())):
        for code, rx in _ACCENTS.items():
            if rx.search(text.casefold()):
                return code
    return lang


def language_code(tag: str | None) -> str | None:
    """The ISO 639-1 code of a language tag given with a document ("zh-Hant" and "ZH"
    are ``zh``); ``None`` for none or a tag the detector does not know."""
    from mineralwatch.schema import LANGUAGE_CODES

    code = (tag or "").strip().replace("_", "-").split("-")[0].casefold()
    return code if code in LANGUAGE_CODES else None


def is_supported(language: str) -> bool:
    """True when extraction reads texts in ``language`` (:data:`LANGUAGES`)."""
    return language in LANGUAGES


def has_cjk(text: str) -> bool:
    """True when ``text`` contains at least one CJK character."""
    return _CJK.search(text) is not None


@cache
def _t2s() -> dict[int, str]:
    path = resources.files("mineralwatch.documents").joinpath("data", "t2s.tsv")
    rows = [ln.split("\t") for ln in path.read_text("utf-8").splitlines()
            if ln and not ln.startswith("#")][1:]
    return {ord(t): s for t, s in rows}


def to_simplified(text: str) -> str:
    """``text`` with traditional Chinese characters replaced by simplified ones.

    Character for character (OpenCC's table, first candidate), so every offset in the
    result is the offset of the same character in ``text``:

    >>> to_simplified("中國商務部對鎵、鍺實施出口管制")
    '中国商务部对镓、锗实施出口管制'
    """
    return text.translate(_t2s()) if has_cjk(text) else text


def chinese_script(text: str) -> str:
    """``"Hant"`` when ``text`` writes traditional characters more often than one in
    fifty Chinese characters, else ``"Hans"``."""
    table = _t2s()
    cjk = _CJK.findall(text)
    trad = sum(ord(c) in table for c in cjk)
    return "Hant" if cjk and trad * 50 > len(cjk) else "Hans"


__all__ = ["FUNCTION_WORDS", "LANGUAGES", "ZH_THRESHOLD", "chinese_script", "cjk_ratio",
           "detect_language", "has_cjk", "is_supported", "language_code", "query_language",
           "to_simplified"]
