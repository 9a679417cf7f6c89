"""Tokens for full-text search: English words and jieba-segmented Chinese.

English words are case-folded, stop words dropped and a plural "s" removed; runs of
Chinese characters are cut by jieba (search mode: words and their sub-words), with the
glossary's Chinese terms added to jieba's dictionary so that 出口管制 or 刚果(金) stay
whole. Index and query go through the same function.

>>> tokens("Export controls on gallium")
['export', 'control', 'gallium']
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache

_PIECE = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9\u00c0-\u024f]+(?:\.\d+)?")
_CJK = re.compile(r"[\u3400-\u9fff]")

STOP_EN = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "had",
    "has", "have", "he", "her", "his", "in", "into", "is", "it", "its", "of", "on", "or",
    "our", "over", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "to", "under", "was", "were", "which", "while", "who", "will", "with",
    "would", "we", "you", "about", "after", "also", "can", "could", "may", "might", "more",
    "most", "not", "such", "so", "some", "per", "other",
})
STOP_ZH = frozenset("的了和与及或在是为对也将等其之于而被把这那有中上下")


@cache
def _jieba() -> object:
    import jieba

    from mineralwatch.documents import glossary

    jieba.setLogLevel(logging.WARNING)
    for e in glossary.entries():
        if e.lang == "zh":
            jieba.add_word(unicodedata.normalize("NFKC", e.term), freq=200_000)
    jieba.initialize()
    return jieba


def stem(word: str) -> str:
    """A light English stem: plural "s"/"es"/"ies" removed from words over 3 letters."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Search tokens of a text in any mix of English and Chinese."""
    out: list[str] = []
    for m in _PIECE.finditer(unicodedata.normalize("NFKC", text)):
        piece = m.group(0)
        if _CJK.match(piece):
            jb = _jieba()
            for w in jb.cut_for_search(piece, HMM=False):  # type: ignore[attr-defined]
                if w not in STOP_ZH:
                    out.append(w)
        else:
            w = piece.casefold()
            if w not in STOP_EN and not (len(w) == 1 and w.isalpha()):
                out.append(stem(w))
    return out


__all__ = ["STOP_EN", "STOP_ZH", "stem", "tokens"]
