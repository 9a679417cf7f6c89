"""Figures in text: value normalised, unit, what is measured, mineral, country, year.

>>> [(q.value, q.unit) for q in find_quantities("产量为9.66万吨，同比增长13%")]
[(96600.0, 't'), (13.0, '%')]

Values are normalised to tonnes (``t``) for masses (万吨 = 10,000 t, "kt" = 1,000 t:
a kilotonne, never pint's knot), to the currency for money ("$7.8 million" =
7,800,000 USD), to currency per unit for prices (``USD/kg``, ``CNY/t``) and kept in
per cent for percentages (``%``, ``pp`` for percentage points). A series such as
"135,000/187,000/197,000 tons in 2025-2027" gives one figure per year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mineralwatch.codes import units
from mineralwatch.documents.extract import numbers
from mineralwatch.documents.extract.context import Sentence, YearMention, analyse, nearest
from mineralwatch.documents.extract.countries import Figure, figure_countries, subject
from mineralwatch.documents.language import to_simplified

_CUR = (r"(?P<cur>US\$|HK\$|A\$|C\$|\$|USD|US dollars?|RMB|CNY|EUR|€|£|GBP|HKD|¥|￥|JPY)")
_SCALE = (r"(?P<scale>trillion|billion|million|thousand|bn|mn|万亿|亿|千万|百万|万|千|"
          rf"(?i:{numbers.SCALE}))")
_MASS = (r"(?:metric\s+tons?|metal\s+tons?|metal\s+tonnes?|"
         rf"(?i:{numbers.MASS})|tonnes?|tons?|t(?![A-Za-z])|"
         r"kilotonnes?|kt(?![A-Za-z])|Mt(?![A-Za-z])|mt(?![A-Za-z])|kilograms?|kg(?![A-Za-z])|"
         r"pounds?|lbs?(?![A-Za-z])|ounces?|oz(?![A-Za-z])|金属吨|万吨|亿吨|千吨|吨|公斤|千克)")
_MONEY = (r"(?:yuan|美元|港元|欧元|日元|元|US dollars?|dollars?|USD|CNY|RMB|euros?|EUR|HKD|yen|"
          r"pounds sterling)")
_PCT = (r"(?:%|％|percent(?:age points?)?|per cent|个百分点|pp(?![A-Za-z])|"
        rf"(?i:{numbers.PERCENT}))")
_PER = (r"(?P<per>\s*(?:/|per\s+|每)\s*(?:metric\s+)?(?:tonne|ton|t|kg|kilogram|lb|pound|"
        r"ounce|oz|吨|公斤|千克)(?![A-Za-z]))")


def quantity_pattern(convention: str = "point") -> re.Pattern[str]:
    """The pattern of a figure for a number convention (:func:`.numbers.convention`)."""
    num = numbers.NUMBER[convention]
    return re.compile(
        rf"(?<![A-Za-z0-9.,/])(?P<preper>每(?:吨|公斤|千克))?(?:{_CUR}\s?)?"
        rf"(?P<sign>(?<![A-Za-z0-9])[-−])?"
        rf"(?P<nums>(?:{num})(?:\s*/\s*(?:{num}))+|(?:{num})"
        rf"(?:\s*(?:-|–|~|to|至)\s*\$?(?:{num}))?)(?![\d])\s?{_SCALE}?\s?"
        rf"(?:(?P<mass>{_MASS})|(?P<money>{_MONEY})|(?P<pct>{_PCT}))?{_PER}?(?![A-Za-z\d])")


QUANTITY = quantity_pattern("point")
_PATTERNS = {c: quantity_pattern(c) for c in numbers.NUMBER}

SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
          "trillion": 1e12, "千": 1e3, "万": 1e4, "百万": 1e6, "千万": 1e7, "亿": 1e8,
          "万亿": 1e12}
CURRENCIES = {"us$": "USD", "$": "USD", "usd": "USD", "us dollar": "USD",
              "us dollars": "USD", "dollar": "USD", "dollars": "USD", "rmb": "CNY",
              "cny": "CNY", "yuan": "CNY", "元": "CNY", "¥": "CNY", "￥": "CNY", "eur": "EUR",
              "€": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP",
              "pounds sterling": "GBP", "hk$": "HKD", "hkd": "HKD", "a$": "AUD", "c$": "CAD",
              "jpy": "JPY", "yen": "JPY", "美元": "USD", "港元": "HKD", "欧元": "EUR",
              "日元": "JPY"}
PER_UNITS = {"tonne": "t", "ton": "t", "t": "t", "吨": "t", "kg": "kg", "kilogram": "kg",
             "公斤": "kg", "千克": "kg", "lb": "lb", "pound": "lb", "ounce": "oz", "oz": "oz"}
_MASS_WORDS = {"metric ton": "t", "metric tons": "t", "metal ton": "t", "metal tons": "t",
               "metal tonne": "t", "metal tonnes": "t", "金属吨": "t", "kilotonne": "kt",
               "kilotonnes": "kt", "kilogram": "kg", "kilograms": "kg", "pound": "lb",
               "pounds": "lb", "lbs": "lb", "ounce": "oz", "ounces": "oz"}

#: Words that say what a figure measures, English and Chinese; the nearest one wins.
MEASURE_WORDS: dict[str, str] = {
    "export_quota": (r"export quotas?|出口配额|quota|配额|mining indicators?|开采指标|控制指标|"
                     r"(?:annual )?caps?|capped at|ceiling|(?:allowed|permitted) to (?:export|"
                     r"ship)|quotas? d'exportation|exportquote|kontingent|cuotas? de exportación|"
                     r"kuota ekspor|輸出枠"),
    "exports": (r"exports?|exported|exporting|shipments?|shipped|出口|外运|"
                r"exportations?|exportée?s?|\w*-?exporte?n?|\w*ausfuhr(?:en)?|ausgeführt|"
                r"exportiert|exportaciones|exportación|exportad[oa]s?|ekspor|輸出"),
    "imports": (r"imports?|imported|importing|进口|importations?|\w*-?importe?n?|"
                r"einfuhr(?:en)?|importaciones|impor|輸入"),
    "production": (r"production|produced|produce|output|mined|产量|生产|产出|开采量|"
                   r"produktion|förderung|producción|produksi|生産|produzierte|produziert|"
                   r"\w*produktion|produit|produite?s?|produjo|memproduksi"),
    "reserves": r"reserves|储量|资源量|réserves|reserven|reservas|cadangan|埋蔵量",
    "capacity": r"capacity|capacities|产能",
    "demand": r"demand|consumption|需求|消费量?|用量",
    "supply": r"supply|supplies|供应|供给",
    "shortage": r"shortages?|supply-demand gap|supply gap|gap|deficit|缺口|短缺",
    "surplus": r"surplus(?:es)?|oversupply|过剩",
    "inventory": r"inventor(?:y|ies)|stocks|库存",
    "price": r"prices?|priced|价格|售价|报价|prix|preise?n?|precios?|harga|価格",
    "investment": (r"invest(?:s|ed|ing|ment)?|acqui(?:re|red|sition)|offer(?:s|ed)?|bid|投资|收购|"
                   r"融资"),
    "profit": r"net profit|profits?|earnings|净利润|利润",
    "revenue": r"revenues?|sales|营收|收入",
}
GROWTH_WORDS = (r"CAGR|growth|grow(?:s|n|ing)?|grew|increase[sd]?|increasing|rise|rises|rose|"
                r"climb(?:s|ed|ing)?|soar(?:s|ed|ing)?|rall(?:y|ied|ies)|advanc(?:e|ed|es)|"
                r"攀升|上扬|"
                r"risen|up|gain(?:ed|s)?|jump(?:ed|s)?|surge[sd]?|higher|同比|增长|增速|上涨|"
                r"hausse|augment\w*|de plus|gestiegen|stieg|stiegen|anstieg|aumento|"
                r"aument\w*|naik|meningkat|増加|上昇|年增|同比增|"
                r"上升|提高|增加|涨|year-on-year|yoy")
DECLINE_WORDS = (r"decline[sd]?|declining|decrease[sd]?|decreasing|fell|fall(?:s|en)?|"
                 r"drop(?:s|ped)?|slump(?:s|ed)?|plunge[sd]?|slid|slide|tumbl(?:e|ed|es)|"
                 r"下滑|"
                 r"down|lower|reduc(?:e|ed|tion)|cut|下降|下跌|减少|回落|降低|跌|"
                 r"baisse|recul\w*|chute|de moins|sanken|gesunken|sank|rückgang|weniger|"
                 r"caída|disminu\w*|turun|menurun|減少|下落")
SHARE_WORDS = (r"shares?|account(?:s|ed|ing)? for|proportion|占比|占|份额|市占率|CR\d|"
               r"concentration|控制")
SHARE_BASIS = {"reserves": "reserves", "储量": "reserves", "production": "production",
               "output": "production", "产量": "production", "capacity": "capacity",
               "产能": "capacity", "refining": "refining", "separation": "refining",
               "冶炼": "refining", "processing": "refining", "supply": "supply",
               "供应": "supply", "exports": "exports", "出口": "exports", "imports": "imports",
               "进口": "imports", "market": "market", "市场": "market", "demand": "demand"}


def _top_level(pattern: str) -> list[str]:
    """Alternatives of a pattern split at its top-level ``|``."""
    out, depth, cur = [], 0, ""
    for ch in pattern:
        depth += 1 if ch == "(" else -1 if ch == ")" else 0
        if ch == "|" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [*out, cur]


def words(pattern: str) -> re.Pattern[str]:
    """A case-insensitive pattern of keywords: Latin ones on word boundaries, Chinese ones
    anywhere (a Chinese word may touch a Latin letter: "MP Materials投资")."""
    alts = _top_level(to_simplified(pattern))  # the text is read in simplified script
    latin = "|".join(a for a in alts if not re.search(r"[\u4e00-\u9fff]", a))
    cjk = "|".join(a for a in alts if re.search(r"[\u4e00-\u9fff]", a))
    parts = ([rf"(?<![A-Za-z])(?:{latin})(?![A-Za-z])"] if latin else []) + (
        [f"(?:{cjk})"] if cjk else [])
    return re.compile("(?i)" + "|".join(parts))


_MEASURE_RE = {k: words(v) for k, v in MEASURE_WORDS.items()}
_GROWTH_RE = words(GROWTH_WORDS)
_DECLINE_RE = words(DECLINE_WORDS)
_SHARE_RE = words(SHARE_WORDS)
_OF_BASIS = re.compile(r"(?i)^\s*(?:of|in)\s+(?:the\s+)?(?:global|world(?:'s)?|worldwide|total|"
                       r"domestic|annual|China's|national)?\s*(?:[a-z\-]+\s+){0,2}?"
                       r"(reserves|production|output|capacity|refining|separation|processing|"
                       r"supply|exports|imports|market|demand)")
_OF_WORLD = re.compile(r"(?i)^\s*of\s+(?:the\s+)?(?:world(?:'s)?|global|worldwide)\b")
#: Verbs that say what a share is a share of, when the text names no basis noun.
VERB_BASIS = {"supplies": "supply", "supply": "supply", "supplied": "supply",
              "produces": "production", "produce": "production", "produced": "production",
              "mines": "production", "mined": "production", "refines": "refining",
              "refined": "refining", "processes": "refining", "processed": "refining",
              "holds": "reserves", "hold": "reserves", "held": "reserves", "exports": "exports",
              "imports": "imports", "consumes": "demand", "consumed": "demand"}
_VERB_BASIS = re.compile(r"(?i)\b(?:" + "|".join(VERB_BASIS) + r")\b")
_BASIS_RE = re.compile("(?i)" + "|".join(sorted(map(re.escape, SHARE_BASIS), key=len,
                                                 reverse=True)))
_ASIDE = re.compile(r"[(（][^()（）]{0,80}[)）]")
#: How far (characters) a measure word may be from its figure.
WINDOW = 90


@dataclass(frozen=True)
class Quantity:
    """A figure stated in a text, with its citation span in the passage."""

    value: float
    unit: str
    measure: str | None
    mineral: str | None
    country: str | None
    year: str | None
    start: int
    end: int
    text: str
    doc_id: str = ""
    passage: int = 0


def parse_number(s: str, lang: str | None = "en") -> float:
    """A number as written in ``lang`` ("96,600" en, "12 345" fr; :mod:`.numbers`)."""
    return numbers.parse_number(s, lang)


def _numbers(nums: str, lang: str | None) -> tuple[list[float], bool]:
    parts = re.split(r"\s*/\s*", nums)
    if len(parts) > 1:
        return [parse_number(p, lang) for p in parts], False
    rng = re.split(r"\s*(?:-|–|~|to|至)\s*\$?", nums)
    return [parse_number(rng[0], lang)], len(rng) > 1


def _unit(m: re.Match[str]) -> tuple[str, float] | None:
    """(normalised unit, factor) of a match; ``None`` for a bare number."""
    g = m.groupdict()
    scale = SCALES.get((g["scale"] or "").casefold()) or numbers.scale_word(
        g["scale"] or "") or 1.0
    per_word = g["per"] or g["preper"]
    per = PER_UNITS.get(re.sub(r"^\s*(?:/|per|每)\s*(?:metric\s+)?", "", per_word).strip()
                        .casefold()) if per_word else None
    cur = g["cur"] or g["money"]
    if cur:
        code = CURRENCIES.get(cur.casefold().strip())
        if code is None:
            return None
        if g["money"] in ("元",) and g["scale"] in ("万", "亿"):
            pass
        return (f"{code}/{per}" if per else code), scale
    if g["pct"]:
        pct = g["pct"]
        return ("pp" if pct.startswith(("percentage", "个百分点", "pp")) else "%"), 1.0
    if g["mass"]:
        word = re.sub(r"\s+", " ", g["mass"])
        word = numbers.MASS_WORDS.get(word.casefold(), word)
        unit = _MASS_WORDS.get(word.casefold() if word not in ("Mt", "mt") else word, word)
        if unit in ("tonnes", "tonne", "tons", "ton"):
            unit = "t"
        try:
            factor = units.factor(unit)
        except Exception:
            return None
        if per is not None:
            return None
        return "t", factor * scale
    return None


def _measure(sent: Sentence, s: int, e: int, unit: str) -> str | None:
    text = sent.passage
    lo, hi = max(sent.span.start, s - WINDOW), min(sent.span.end, e + WINDOW // 2)
    asides = [(p.start(), p.end()) for p in _ASIDE.finditer(text, lo, hi)
              if not p.start() <= s < p.end()]
    best, best_d = None, float("inf")
    for name, rx in _MEASURE_RE.items():
        for m in rx.finditer(text, lo, hi):
            if any(a <= m.start() < b for a, b in asides):
                continue  # "(excluding exports)" does not say what the figure measures
            d = s - m.end() if m.end() <= s else (m.start() - e) * 1.6 if m.start() >= e else 0
            if 0 <= d < best_d:
                best, best_d = name, d
    if best == "export_quota" and not re.search(r"(?i)export|ship|出口|輸出|ekspor|ausfuhr",
                                                text[max(lo, s - 60):min(hi, e + 30)]):
        best = "quota"
    return best


def _percent_measure(sent: Sentence, s: int, e: int) -> tuple[str, bool]:
    text = sent.passage
    after = text[e:sent.span.end]
    m = _OF_BASIS.match(after)
    if m:
        return f"{SHARE_BASIS[m.group(1).casefold()]}_share", False
    world = _OF_WORLD.match(after)
    lo = max(sent.span.start, s - 60)
    before = text[lo:s]
    near_after = text[e:min(sent.span.end, e + 25)]
    growth = [x.end() for x in _GROWTH_RE.finditer(before)]
    decline = [x.end() for x in _DECLINE_RE.finditer(before)]
    share = [x.end() for x in _SHARE_RE.finditer(before)]
    after_growth = _GROWTH_RE.search(near_after) or _DECLINE_RE.search(near_after)
    last = max([*growth, *decline, *share], default=-1)
    if last >= 0 and not (share and last == max(share)):
        return "growth", bool(decline and last == max(decline))
    if world or last >= 0:
        basis = _BASIS_RE.findall(text[sent.span.start:s])
        if basis:
            return f"{SHARE_BASIS[basis[-1].casefold()]}_share", False
        verbs = _VERB_BASIS.findall(text[sent.span.start:s])
        return (f"{VERB_BASIS[verbs[-1].casefold()]}_share" if verbs else "share"), False
    if after_growth:
        return "growth", bool(_DECLINE_RE.match(after_growth.group(0)))
    return "rate", False


def _year(sent: Sentence, s: int, e: int) -> YearMention | None:
    ys = [y for y in sent.years if not (y.start >= s and y.end <= e)]
    return nearest(s, ys, end=e, text=sent.passage)  # type: ignore[return-value]


#: A chemical formula or grade word just before a percentage: an ore grade ("WO3 65%",
#: "Li2O 6%", "TREO 3.2%", 品位), never a growth rate.
GRADE = re.compile(r"(?:(?:\b(?:[A-Z][a-z]?[\d₂₃]*){0,2}O[\d₂₃]*|\bT?REO|\bgrade[sd]?(?: of)?|"
                   r"品位|含量)\s*[:：]?\s*(?:≥|>=|>|≤|<=|<|of|at|above|below)?"
                   r"|[(（]\s*(?:≥|>=|>))\s*$")


def _from_match(sent: Sentence, m: re.Match[str], lang: str | None = "en"
                ) -> list[Quantity]:
    u = _unit(m)
    if u is None:
        return []
    unit, factor = u
    s, e = m.start(), m.end()
    values, _is_range = _numbers(m.group("nums"), lang)
    negative = False
    measure: str | None
    if unit == "%" and GRADE.search(sent.passage[max(sent.span.start, s - 12):s]):
        measure = "grade"
    elif unit in ("%", "pp"):
        measure, negative = _percent_measure(sent, s, e)
        # "同比-3.2%": a written minus is the sign, whatever the words say
        negative = negative or bool(m.group("sign"))
    elif "/" in unit:
        measure = "price"
    else:
        measure = _measure(sent, s, e, unit)
        if unit[:3] in CURRENCIES.values() and measure not in (
                "investment", "profit", "revenue", "price", "exports", "imports"):
            measure = "value"
    minerals = [x for x in sent.minerals]
    mineral = nearest(s, minerals, end=e, text=sent.passage)
    year = _year(sent, s, e)
    years: list[str | None] = [year.value if year else None] * len(values)
    if len(values) > 1:
        period = next((y for y in sent.years if len(y.years) == len(values)), None)
        if period is not None:
            years = list(period.years)
    sign = -1.0 if negative else 1.0
    return [Quantity(sign * v * factor, unit, measure,
                     mineral.id if mineral else None,  # type: ignore[attr-defined]
                     None, y, s, e, m.group(0).strip()) for v, y in zip(values, years, strict=True)]


def quantities_in(sentences: list[Sentence], lang: str | None = "en") -> list[Quantity]:
    """Figures in analysed sentences (offsets relative to their passage), numbers read
    as ``lang`` writes them (:mod:`.numbers`: "12 345" in French, "1.234" in German).

    The country of a figure is attributed by :func:`.countries.figure_countries`; a
    sentence that names no country takes the holder of the previous one that did.
    """
    out: list[Quantity] = []
    named: Sentence | None = None  # the last sentence that named a country (not WLD)
    pattern = _PATTERNS[numbers.convention(lang)]
    for sent in sentences:
        qs = [q for m in pattern.finditer(sent.passage, sent.span.start, sent.span.end)
              for q in _from_match(sent, m, lang)]
        if qs:
            previous = subject(named) if named is not None and not sent.countries else None
            where = figure_countries(sent, [Figure(q.start, q.end, q.measure, q.unit)
                                            for q in qs], previous)
            out.extend(replace(q, country=c) for q, c in zip(qs, where, strict=True))
        if any(c.id != "WLD" for c in sent.countries):
            named = sent
    return out


def find_quantities(text: str, lang: str | None = "en") -> list[Quantity]:
    """Figures in a passage of text (offsets relative to ``text``)."""
    return quantities_in(analyse(text), lang)


__all__ = ["MEASURE_WORDS", "QUANTITY", "Quantity", "find_quantities", "parse_number",
           "quantities_in"]
