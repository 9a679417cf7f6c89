"""Numbers as each language writes them, and the words of units in those languages.

English and Chinese write 12,345.6; French 12 345,6 (a space, often a no-break or
narrow no-break space) and, in translated news, 12.345; German, Spanish, Indonesian
and Portuguese 12.345,6. A language's pattern reads only its own forms, so "1.234" is
one point two three four in English and one thousand two hundred and thirty-four in
German.

>>> parse_number("12 345", "fr"), parse_number("1.234", "de"), parse_number("3,5", "de")
(12345.0, 1234.0, 3.5)
>>> parse_number("1.234", "en"), parse_number("96,600", "en"), parse_number("6万2585")
(1.234, 96600.0, 62585.0)
"""

from __future__ import annotations

import re

#: Languages that write a decimal comma (and group thousands with points or spaces).
DECIMAL_COMMA = frozenset({"fr", "de", "es", "id", "pt", "it", "nl", "sv"})
_SPACES = " \u00a0\u202f"

#: Digits of a number, per convention (no sign, no unit).
NUMBER = {
    "point": r"\d+万\d{1,4}(?!\d)|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?",
    "comma": rf"\d{{1,3}}(?:[{_SPACES}.]\d{{3}})+(?:,\d+)?(?!\d)|\d+(?:,\d+)?",
}

#: Unit words of the other languages, mapped to the English spelling the extractor knows.
MASS_WORDS = {"tonnen": "t", "tonne": "t", "toneladas": "t", "tonelada": "t",
              "kilogramm": "kg", "kilogrammes": "kg", "kilogramme": "kg", "kilo": "kg",
              "kilos": "kg", "kilogramos": "kg", "kilogramo": "kg", "kilogram": "kg",
              "millionen tonnen": "Mt", "millions de tonnes": "Mt", "millones de toneladas": "Mt",
              "juta ton": "Mt", "トン": "t", "キログラム": "kg", "キロ": "kg"}
MASS = (r"millionen\s+tonnen|millions?\s+de\s+tonnes|millones\s+de\s+toneladas|juta\s+ton|"
        r"tonnen|toneladas?|kilogramm(?:es?)?|kilogramos?|kilos?|トン|キログラム|キロ")
PERCENT = r"prozent|pour\s*cent|por\s*ciento|persen|pourcent|パーセント"
SCALE_WORDS = {"millionen": 1e6, "milliarden": 1e9, "mio.": 1e6, "mrd.": 1e9,
               "millions de": 1e6, "milliards de": 1e9, "millones de": 1e6,
               "mil millones de": 1e9, "juta": 1e6, "miliar": 1e9, "triliun": 1e12}
SCALE = (r"millionen|milliarden|mio\.|mrd\.|millions\s+de|milliards\s+de|"
         r"mil\s+millones\s+de|millones\s+de|juta|miliar|triliun")


def convention(lang: str | None) -> str:
    """``"comma"`` for languages with a decimal comma, else ``"point"``."""
    return "comma" if lang in DECIMAL_COMMA else "point"


def parse_number(s: str, lang: str | None = "en") -> float:
    """A number as written in ``lang`` ("96,600" en, "12 345" fr, "1.234,5" de)."""
    s = s.strip()
    if "万" in s:  # 6万2585 (Chinese and Japanese) = 62,585
        high, _, low = s.partition("万")
        return float(high) * 1e4 + float(low)
    if convention(lang) == "comma":
        return float(re.sub(f"[{_SPACES}.]", "", s).replace(",", "."))
    return float(s.replace(",", ""))


def scale_word(word: str) -> float | None:
    """The multiplier of a scale word of another language ("Millionen", "juta")."""
    return SCALE_WORDS.get(re.sub(r"\s+", " ", word.casefold()))


__all__ = ["DECIMAL_COMMA", "MASS", "MASS_WORDS", "NUMBER", "PERCENT", "SCALE",
           "convention", "parse_number", "scale_word"]
