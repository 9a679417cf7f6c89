"""Policy events in text: who restricted what, under which instrument, from when.

A sentence holds an event when it has a trigger (export control, ban, quota, licence,
tax, price floor, stockpile, suspension ... in English or Chinese), at least one mineral,
an acting country (named, or implied by an authority such as MOFCOM or ARECOMS, or the
last actor named earlier in the passage) and a sign of an actual measure (a date, an
instrument or an action verb). Suspensions and liftings of a measure are events of their
own (``suspension_of_measure``).

An event's minerals are those of the clause that holds its trigger (:func:`clauses`,
:func:`clause_minerals`): "China banned exports of gallium, while lithium prices fell"
is a gallium ban. A trigger clause that names no mineral takes the minerals of the
nearest clause that does ("export controls took effect; they cover gallium").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from mineralwatch.documents import glossary, lexicon
from mineralwatch.documents.extract.clauses import CLAUSE_BREAK, clauses
from mineralwatch.documents.extract.context import Sentence, analyse, find_dates, nearest
from mineralwatch.documents.extract.dating import POSTED_CUE, UNTIL_CUE, relative_dates
from mineralwatch.documents.extract.quantities import Quantity, quantities_in
from mineralwatch.documents.language import to_simplified

#: Trigger patterns per measure type (schema.MEASURES), checked in this order: the first
#: measure whose pattern matches a sentence is its measure. Suspension comes first
#: because "suspends the export ban" is a suspension, not a ban.
TRIGGERS: dict[str, str] = {
    "suspension_of_measure": (
        r"\b(?:suspend(?:s|ed|ing)?|suspension of|lift(?:s|ed|ing)?|revok(?:e|es|ed|ing)|"
        r"repeal(?:s|ed)?|rescind(?:s|ed)?|waive[sd]?|end(?:s|ed|ing)? (?:its|the)|"
        r"(?:will|to) end)\b[^.;]{0,60}?"
        r"\b(?:ban|bans|prohibition|controls?|restrictions?|quotas?|tariffs?|measures?|duty|"
        r"duties|tax|requirements?)"
        r"|暂停(?:实施|执行)?[^。；]{0,20}(?:禁令|管制|措施|配额|关税|公告)|停止执行|"
        r"(?:禁令|管制|措施|公告|规定|第[一二三四五六七八九十\d]+款)[^。；]{0,30}暂停(?:实施|执行)|"
        r"取消[^。；]{0,10}(?:禁令|管制|配额)"),
    "minimum_export_price": r"minimum export price|出口最低价|最低出口价",
    "price_floor": (r"price floor|floor price|guarante\w* (?:a |the )?(?:minimum )?price|"
                    r"minimum price|底价|保底价|价格下限|最低(?:收购|销售)?价格?"),
    "export_quota": r"export quotas?|quota system|出口配额|配额制",
    "export_tax": r"export (?:tax|taxes|duty|duties|levy|levies|tariffs?)|出口(?:关)?税",
    "export_prohibition": (
        r"export bans?|ban(?:s|ned|ning)? (?:on )?(?:the )?(?:export|shipment)s?|"
        r"ban(?:s|ned)? [^.;]{0,40}?exports?|prohibit\w* (?:the )?exports?|"
        r"exports? (?:is|are|was|were|will be) (?:banned|prohibited)|"
        r"\b(?:suspen|halt|stop)\w*(?: of| on)? (?:all |the |its )?(?:[\w'-]+ ){0,3}?exports?|"
        r"\bslamm?\w* the brakes on [^.;]{0,40}?exports?|"
        r"出口禁令|禁止[^。；]{0,20}出口|(?:暂停|停止)[^。；]{0,20}出口|禁运|"
        r"不予(?:许可|批准)[^。；]{0,30}出口"),
    "export_licence_dual_use": r"export controls?|出口管制|dual-use|两用物项",
    "export_restriction": (r"export (?:restrictions?|curbs?)|restrict\w* (?:the |their |its )?"
                           r"exports?|restrictions? on (?:the )?exports?"),
    "export_licence": r"export licen[cs]\w*|licensing requirements?|出口许可",
    "stockpile": r"stockpil\w*|strategic reserves?|national reserve|收储|战略储备",
    "nationalisation": r"nationali[sz]\w*|国有化",
    "domestic_market_obligation": r"domestic market obligation|\bDMO\b",
    "processing_mandate": (r"ban on (?:the export of )?(?:raw|unprocessed) ore|downstreaming|"
                           r"domestic processing requirement|就地加工"),
    "import_tariff": r"(?:import )?tariffs? on (?:imports|\w+ imports)|import tariffs?|加征关税",
}
#: The same measures in French, German, Spanish, Indonesian and Japanese (added to
#: :data:`TRIGGERS`; Japanese kanji are matched in simplified form, as the text is).
TRIGGERS_OTHER: dict[str, str] = {
    "suspension_of_measure": (
        r"lev(?:ée|er|e|é) (?:de )?l'interdiction|aufgehoben|aufheb\w*|aufhebung|"
        r"levant\w* (?:la )?prohibición|mencabut (?:larangan|kebijakan)|解除|撤廃"),
    "export_quota": (r"quotas? d'exportation|export-?quote\w*|ausfuhrquote\w*|"
                     r"cuotas? de exportación|kuota ekspor|輸出枠"),
    "export_tax": (r"taxes? (?:à|a|sur) l'exportation|droits? d'exportation|exportsteuer\w*|"
                   r"ausfuhrzoll\w*|exportzoll\w*|impuestos? a la exportación|bea keluar|"
                   r"pajak ekspor|輸出税"),
    "export_prohibition": (
        r"interdi\w* (?:d'|l'|les |des )?export\w*|interdiction d'export\w*|embargo|"
        r"suspend\w* (?:les |leurs )?exportations|export(?:verbot|stopp)\w*|"
        r"ausfuhrverbot\w*|untersag\w*|verbiet\w*|prohib\w* (?:la |las )?exportaci\w*|"
        r"prohibición de export\w*|suspend\w* (?:la |las )?exportaci\w*|"
        r"(?:larangan|pelarangan|melarang|menghentikan|penghentian|stop) ekspor|"
        r"輸出(?:を)?禁止|輸出(?:を)?停止|禁輸"),
    "export_licence_dual_use": (
        r"contrôles? (?:à|a|sur) l'exportation|restrictions? (?:à|a|sur) l'exportation|"
        r"restrei?nd\w* (?:les |leurs )?exportations|export-?kontroll\w*|ausfuhrkontroll\w*|"
        r"export-?beschränkung\w*|ausfuhrbeschränkung\w*|export-?auflagen|"
        r"ausfuhrrestriktion\w*|exportrestriktion\w*|beschränkt\w* (?:die )?ausfuhr|"
        r"controles? a la exportación|restricciones? a la exportación|"
        r"restring\w* (?:[\w-]+ ){0,5}?exportaci\w*|pembatasan ekspor|kontrol ekspor|"
        r"輸出規制|輸出管理|軍民両用"),
    "export_licence": (r"licences? d'exportation|permis d'exportation|lizenzpflicht\w*|"
                       r"export-?genehmigung\w*|exportlizenz\w*|licencias? de exportación|"
                       r"izin ekspor|輸出許可"),
}
for _k, _v in TRIGGERS_OTHER.items():
    TRIGGERS[_k] = f"{TRIGGERS[_k]}|{to_simplified(_v)}"
_TRIGGER_RE = {k: re.compile(rf"(?i){v}") for k, v in TRIGGERS.items()}
ACTION = re.compile(
    r"(?i)\b(?:implement\w*|impos\w*|announc\w*|issu\w*|introduc\w*|decid\w*|decision|"
    r"extend\w*|set|sets|adopt\w*|enforc\w*|guarantee\w*|ban(?:s|ned)?|suspend\w*|lift\w*|"
    r"restrict\w*|approv\w*|publish\w*|add(?:s|ed)?|tighten\w*|expand\w*|plac\w*|"
    r"requir\w*|effective|starting|from|buy\w*|purchas\w*|procur\w*|bought|"
    r"(?:re)?instat\w*|halt\w*|stop\w*|slamm?\w*)\b|"
    r"实施|发布|宣布|决定|公告|起|施行|生效|加强|限制|采购|收储|不予许可|禁止|暂停|停止|"
    r"\b(?:annonc\w*|impos\w*|décid\w*|instaur\w*|mis en place|entr\w* en vigueur|"
    r"à partir|dès|angekündigt|verhängt\w*|eingeführt|beschlossen|erlassen|verschärft\w*|"
    r"untersagte|anunci\w*|impuso|decidió|implement\w*|desde|memberlakukan|menerapkan|"
    r"mulai|sejak|resmi)\b|発表|导入|強化|强化")
#: Sentences that deny, hedge or propose a measure hold no event.
NEGATION = re.compile(r"(?i)\b(?:do not|does not|did not|not equate|no longer|would not|"
                      r"consider\w*|propos\w*|plans? to|planning|draft|might|could|should|"
                      r"if\b|whether|circumvent\w*|bypass\w*|evad\w*|loophole)|并非|不等于|如果|"
                      r"绕过|规避|拟|考虑|计划|或将|可能|建议|"
                      r"\b(?:envisag\w*|pourrai\w*|projet\w* de|erwäg\w*|könnte\w*|plant|"
                      r"podría\w*|planea\w*|estudia|propuesta|berencana|rencana|wacana|"
                      r"mempertimbangkan)\b|検討|方針")
#: Which figures can be an event's quantity: a quota is a tonnage, a floor a price.
QUANTITY_MEASURES: dict[str, tuple[str | None, ...]] = {
    "export_quota": ("export_quota", "quota", "exports"),
    "price_floor": ("price",), "minimum_export_price": ("price",),
    "export_tax": ("rate", "share", None), "stockpile": ("inventory", "value", None),
}
EFFECTIVE_CUE = re.compile(r"(?i)(?:effective(?: from| on| as of)?|starting(?: from| on)?|"
                           r"(?:takes?|took|taken|taking) effect(?: on| from)?|"
                           r"(?:came|come|comes|entered|enters) into (?:force|effect)(?: on)?|"
                           r"in force (?:from|since)|from|as of|beginning|"
                           r"commencing|since|with effect from|自|à partir du|à partir de|"
                           r"dès le|dès|ab dem|ab|zum|seit dem|seit|desde el|desde|"
                           r"a partir del?|sejak|mulai(?: berlaku)?(?: pada)?(?: tanggal)?)"
                           r"\s*$")
EFFECTIVE_AFTER = re.compile(r"^\s*[)）]?\s*(?:起|开始|生效|onwards|onward)")
INSTRUMENT = re.compile(
    r"(?:(?:MOFCOM|Ministry of Commerce|GACC)(?:\s+and\s+(?:GACC|MOFCOM))?\s+)?"
    r"Announcement\s+(?:No\.?\s*\d+\s+of\s+(?:19|20)\d{2}|\[(?:19|20)\d{2}\]\s*No\.?\s*\d+)"
    r"|(?:(?:商务部|海关总署|工业和信息化部|工信部|财政部|国务院|自然资源部|国务院关税税则委员会)"
    r"[、和与及]?)*公告\s*(?:19|20)\d{2}\s*年\s*第\s*\d+\s*号"
    r"|(?:Ministerial\s+)?(?:Decision|Decree|Regulation|Resolution|Order|Law|Notice)\s+"
    r"No\.?\s*[\w/-]*\d(?:[\w/-]|\.(?=\w))*(?:\s+of\s+(?:19|20)\d{2})?"
    r"|Documents?\s+No\.?\s*\d+(?:\s+and\s+No\.?\s*\d+)?"
    r"|Executive Order\s+\d+|Regulation\s+\(EU\)\s*\d{4}/\d+"
    r"|《[^》]{2,40}(?:条例|办法|规定|法|公告|决定|通知|清单)》"
    r"|第\s*\d+\s*号(?:公告|令)")
#: Words before a country that make it the target of a measure, not its actor
#: ("exports to the United States", 对美国出口, 向日本出口).
TARGET_CUE = re.compile(r"(?i)(?:\b(?:to|against|toward[s]?|targeting|bound for)\s+(?:the\s+)?"
                        r"|\b(?:in die|nach|vers les?|à destination des?|hacia|con destino a)"
                        r"\s+|[对對向]\s*)$")
#: Short Chinese names of targets that the lexicon does not hold as countries (对美, 对日).
TARGET_SHORT = re.compile(r"[对對向](美|日|华|欧)(?!元)")
_SHORT_ISO = {"美": "USA", "日": "JPN", "华": "CHN", "欧": "EUU"}


@dataclass
class Event:
    """A policy event found in a text, with its citations."""

    actor: str
    measure: str
    minerals: list[str]
    authority: str | None = None
    instrument: str | None = None
    target: list[str] = field(default_factory=lambda: ["ALL"])
    announced: date | None = None
    effective: date | None = None
    ends: date | None = None
    quantity: float | None = None
    quantity_unit: str | None = None
    period: str | None = None  # a month without a day ("2025-04", "04"): not a date
    text: str = ""
    citations: list[dict[str, object]] = field(default_factory=list)

    @property
    def key(self) -> tuple[object, ...]:
        """Identity of the event within a document (for merging repeated mentions)."""
        return (self.actor, self.measure, tuple(sorted(self.minerals)), self.announced,
                self.effective, self.period)

    @property
    def dated(self) -> bool:
        """True when the text dates the event (a day, or at least a month)."""
        return bool(self.announced or self.effective or self.period)

    def event_id(self, doc_id: str) -> str:
        """A stable id: the same event in the same document keeps its id on re-ingest."""
        raw = "|".join(map(str, (doc_id, *self.key)))
        return "x-" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Dating:
    """What dates a passage: the year of dates written without one (usually the
    publication year) and the document's own date (resolves "Tuesday", 即日起)."""

    year: int | None = None
    today: date | None = None


#: Words before a generic "export restrictions" that recall it as the background of
#: something else (a named measure recalled so, "following China's export ban on
#: gallium", is still an event of the document).
BACKGROUND = re.compile(r"(?i)\b(?:following|amid|despite|due to|because of|in response to)"
                        r"\s+(?:[\w.]+(?:'s|’s)?\s+){0,3}$")

#: At most this many measures are read from one sentence.
MAX_MEASURES = 3


def _measures(sent: Sentence) -> list[tuple[str, re.Match[str]]]:
    """The distinct measures a sentence names ("from export bans ... to an export quota
    system": a prohibition and a quota), each with its first trigger, in text order."""
    out: list[tuple[str, re.Match[str]]] = []
    for measure, rx in _TRIGGER_RE.items():  # one pattern each: faster than their union
        for m in rx.finditer(sent.text):
            if any(o.start() < m.end() and m.start() < o.end() for _, o in out):
                continue
            if measure == "export_restriction" and BACKGROUND.search(
                    sent.text, max(0, m.start() - 40), m.start()):
                continue  # "following China's export restrictions": too vague to recall
            out.append((measure, m))
            break
    return sorted(out, key=lambda x: x[1].start())[:MAX_MEASURES]



def add_mention(by_key: dict[tuple[object, ...], Event], event: Event) -> None:
    """Add ``event`` to ``by_key``; a repeated mention of the same event (same key) adds
    its citations, and fills the instrument and authority if the first lacked them."""
    prior = by_key.get(event.key)
    if prior is None:
        by_key[event.key] = event
        return
    prior.citations.extend(event.citations)
    prior.instrument = prior.instrument or event.instrument
    prior.authority = prior.authority or event.authority

def specific(minerals: list[str]) -> list[str]:
    """Drop a top-level group (rare earths, PGM) when a member or subgroup is also named.

    Subgroups (heavy and light rare earths) are kept beside their members: "heavy rare
    earth items including holmium" gives ``["hree", "holmium"]``; but a list that names
    three or more members, one the subgroup lacks, is the exact list ("seven heavy rare
    earths (samarium, ..., scandium and yttrium)": the seven, not ``hree``, which lacks
    samarium; but "heavy rare earth items including samarium" keeps both).
    """
    from mineralwatch.codes import minerals as codes

    table = codes.table()
    groups = [g for g in table.values() if g.kind == "group"]
    keep = []
    for m in minerals:
        g = table.get(m)
        if g is not None and g.kind == "group":
            members = set(g.members)
            parents = [set(o.members) for o in groups if members < set(o.members)]
            others = [o for o in minerals if o != m]
            if not parents and any(o in members or (o in table and set(
                    table[o].members) and set(table[o].members) < members)
                    for o in others):
                continue
            listed = [o for o in others if any(o in p for p in parents)]
            if len(listed) >= 3 and any(o not in members for o in listed):
                continue  # an enumeration naming members the subgroup lacks is exact
        keep.append(m)
    return keep


def clause_minerals(sent: Sentence, triggers: Sequence[int]) -> list[str]:
    """Minerals (ids, in text order, :func:`specific`) of the clauses holding the
    triggers at ``triggers`` (offsets in ``sent.text``: every trigger of one measure, the
    first one first).

    A later trigger's clause counts only when it states an action of its own ("，同时对锗
    实施出口管制"; not "prices fell after the export controls"). When those clauses name
    no mineral, the minerals of the nearest clauses that do (both neighbours on a tie),
    so a measure whose object is in another clause keeps it.
    """
    base = sent.span.start
    spans = clauses(sent)
    found = [[m.id for m in sent.minerals if s <= m.start - base < e] for s, e in spans]
    at = {next((i for i, (s, e) in enumerate(spans) if s <= t < e), len(spans) - 1)
          for t in triggers[:1]}
    at |= {i for i, (s, e) in enumerate(spans) for t in triggers[1:]
           if s <= t < e and ACTION.search(sent.text, s, e)}
    chosen = [i for i in sorted(at) if found[i]]
    if not chosen:
        named = [i for i, ms in enumerate(found) if ms]
        if not named:
            return []
        gap = min(abs(i - a) for i in named for a in at)
        chosen = [i for i in named if min(abs(i - a) for a in at) == gap]
    return specific(list(dict.fromkeys(m for i in chosen for m in found[i])))


def _trigger_starts(sent: Sentence, measure: str, first: re.Match[str],
                    found: list[tuple[str, re.Match[str]]]) -> list[int]:
    """Offsets of every trigger of ``measure`` in the sentence ("export controls on
    gallium, while ... export controls on germanium"), leaving out those overlapping
    another measure's trigger; ``first`` is always one."""
    others = [m for k, m in found if k != measure]
    out = [first.start()]
    for m in _TRIGGER_RE[measure].finditer(sent.text):
        if m.start() != first.start() and not any(
                o.start() < m.end() and m.start() < o.end() for o in others):
            out.append(m.start())
    return out


def _quantity(sent: Sentence, measure: str, pos: int,
              quantities: list[Quantity]) -> Quantity | None:
    inside = [q for q in quantities if sent.span.start <= q.start < sent.span.end
              and (q.unit not in ("%", "pp") or measure == "export_tax")]
    wanted = QUANTITY_MEASURES.get(measure)
    if wanted is None:
        return None
    inside = [q for q in inside if q.measure in wanted]
    if not inside:
        return None
    return min(inside, key=lambda q: abs(q.start - pos))


def _actor(sent: Sentence, trigger_pos: int, context_actor: str | None
           ) -> tuple[str | None, list[str]]:
    auth_names: list[str] = []
    actors: list[str] = []
    for a in sent.authorities:
        iso = glossary.authority_country(a.concept)
        name = glossary.authority_name(a.concept)
        if name not in auth_names:
            auth_names.append(name)
        if iso:
            actors.append(iso)
    if actors:
        return actors[0], auth_names
    c = nearest(trigger_pos, actor_candidates(sent), text=sent.passage)
    if c is not None:
        return c.id, auth_names  # type: ignore[attr-defined]
    return context_actor, auth_names


_MONTH_NAMES = ("January|February|March|April|May|June|July|August|September|October|"
                "November|December")
MONTH = re.compile(rf"\b(?i:in|since|from|by|until|during)\s+(?P<mon>{_MONTH_NAMES})"
                   r"(?:\s+(?P<year>(?:19|20)\d{2}))?(?!\s+\d)"
                   r"|(?:(?P<zy>(?:19|20)\d{2})\s*年\s*)?(?<![\d\-－至~])(?P<zm>\d{1,2})\s*月"
                   r"(?!\s*\d{1,2}\s*日)(?!\s*[-－至~])")


def _period(text: str, default_year: int | None, near: int | None = None) -> str | None:
    """A month the sentence names without a day ("in April this year", "2025年4月"), the
    one nearest to ``near`` when given."""
    from mineralwatch.documents.extract.context import _MONTHS

    found = list(MONTH.finditer(text))
    if not found:
        return None
    m = found[0] if near is None else min(found, key=lambda x: abs(x.start() - near))
    if m.group("mon"):
        month = _MONTHS[m.group("mon").casefold()]
        year = m.group("year") or (default_year and str(default_year))
    else:
        month = int(m.group("zm"))
        year = m.group("zy") or (default_year and str(default_year))
        if not 1 <= month <= 12:
            return None
    return f"{year}-{month:02d}" if year else f"{month:02d}"


ANNOUNCE_CUE = re.compile(r"(?i)(?:announc\w*|issu\w*|publish\w*|releas\w*|said|"
                          r"发布|宣布|公布)\W*(?:\w+\W+){0,3}$")


def _dates(sent: Sentence, dating: Dating, measure: str, trigger: int,
           others: list[int]) -> tuple[date | None, date | None]:
    """Announced and effective dates for the trigger at ``trigger`` (sentence offset).

    With several triggers in one sentence a date belongs to the nearest. A date after
    "from", "starting", "effective" (or before 起) is effective, and so are "effective
    immediately", 即日起 and 发布之日起 (the document's own date); for a suspension, a
    date is effective unless the text says it was announced. A page's posting time
    ("发表时间：2024-12-09", "Posted: ...") is no date of the event.
    """
    announced = effective = None
    found = find_dates(sent.text, dating.year) + relative_dates(sent.text, dating.today)
    taken: list[tuple[int, int]] = []
    for d in sorted(found, key=lambda x: (x.start, -x.end)):
        if any(s <= d.start < e for s, e in taken):
            continue
        taken.append((d.start, d.end))
        mine = abs(d.start - trigger)
        if any(abs(d.start - o) < mine for o in others):
            continue
        before = sent.text[max(0, d.start - 30):d.start]
        if POSTED_CUE.search(sent.passage[max(0, sent.span.start + d.start - 40):
                                          sent.span.start + d.start]) or UNTIL_CUE.search(
                                              before):
            continue  # a posting time; an end date (see :func:`_ends`)
        after = sent.text[d.end:d.end + 8]
        if d.effective or EFFECTIVE_CUE.search(before) or EFFECTIVE_AFTER.match(after) or (
                measure == "suspension_of_measure" and not ANNOUNCE_CUE.search(before)):
            effective = effective or d.value
        else:
            announced = announced or d.value
    return announced, effective


def _ends(sent: Sentence, dating: Dating) -> date | None:
    """The date a measure ends: the first one after "until", "through", 至 ... ("自即日起
    至2026年11月27日暂停实施")."""
    for d in find_dates(sent.text, dating.year):
        if UNTIL_CUE.search(sent.text[max(0, d.start - 12):d.start]):
            return d.value
    return None


def _refine(measure: str, actor: str, text: str) -> str:
    """Export controls and licences: dual-use for China (its Export Control Law puts
    mineral export licensing under the dual-use list) or where the text says dual-use."""
    dual = actor == "CHN" or re.search(r"(?i)dual-use|两用", text) is not None
    if measure in ("export_licence_dual_use", "export_licence", "export_restriction"):
        return "export_licence_dual_use" if dual else "export_licence"
    return measure


def is_target(sent: Sentence, mention: lexicon.Mention) -> bool:
    """True when the country ``mention`` is the target of a measure in ``sent`` (after
    "to", "against", 对, 向 ...), so never its actor."""
    before = sent.passage[max(sent.span.start, mention.start - 16):mention.start]
    return TARGET_CUE.search(before) is not None


def actor_candidates(sent: Sentence) -> list[lexicon.Mention]:
    """Countries of ``sent`` that may act: not the world, not a target."""
    return [c for c in sent.countries if c.id != "WLD" and not is_target(sent, c)]


def _target(sent: Sentence) -> list[str]:
    out = [c.id for c in sent.countries if c.id != "WLD" and is_target(sent, c)]
    out += [_SHORT_ISO[m.group(1)] for m in TARGET_SHORT.finditer(sent.text)]
    return list(dict.fromkeys(out)) or ["ALL"]


def events_in(sentences: list[Sentence], quantities: list[Quantity] | None = None, *,
              default_year: int | None = None, context_actor: str | None = None,
              doc_date: date | None = None) -> tuple[list[Event], str | None]:
    """Policy events in analysed sentences, merged by key, and the last actor named.

    ``context_actor`` is the actor of a sentence that names none (the last one named
    before it, in this passage or, when given, an earlier one); ``doc_date`` the
    document's own date (:func:`.dating.document_date`), which resolves relative dates.
    """
    found_events: list[Event] = []
    dating = Dating(default_year or (doc_date.year if doc_date else None), doc_date)
    for i, sent in enumerate(sentences):
        # a sentence without a mineral holds an event only when it counts or refers back
        found = _measures(sent) if sent.minerals or REFERRING.search(
            sent.text) or COUNTED.search(sent.text) else []
        named = [c.id for c in actor_candidates(sent)]
        auth = [glossary.authority_country(a.concept) for a in sent.authorities]
        following = sentences[i + 1] if i + 1 < len(sentences) else None
        listed = listed_minerals(sent, following) or _referred(sent, found, found_events)
        if not found or not (sent.minerals or listed) or NEGATION.search(sent.text):
            if not found:
                _date_previous(sent, found_events, dating)
            context_actor = next((a for a in auth if a), None) or (named[0] if named
                                                                    else context_actor)
            continue
        pos = sent.span.start + found[0][1].start()
        actor, authorities = _actor(sent, pos, context_actor)
        if actor is None:
            continue
        evs = _sentence_events(sent, found, actor, authorities, quantities or [],
                               dating, listed)
        if listed and following is not None:
            for e in evs:  # "... cover tungsten, ...; the controls take effect immediately"
                e.effective = e.effective or _dates(following, dating, e.measure, 0, [])[1]
        found_events.extend(evs)
        context_actor = actor
    out: dict[tuple[object, ...], Event] = {}
    for e in found_events:
        add_mention(out, e)
    return list(out.values()), context_actor


#: Words that refer back to measures already named ("the ban", 相关措施).
REFERRING = re.compile(r"(?i)\b(?:the|these|those|this|that|such) (?:ban|bans|measures?|"
                       r"controls|restrictions|quotas?|prohibition)\b|相关措施|上述措施|该措施|"
                       r"上述|该禁令|相关管制")


def _referred(sent: Sentence, found: list[tuple[str, re.Match[str]]],
              events: list[Event]) -> list[str] | None:
    """The minerals of the last event found, for a measure in a sentence that names no
    mineral but refers back to one ("相关措施自即日起至2026年11月27日暂停实施")."""
    if not found or sent.minerals or not events or not REFERRING.search(sent.text):
        return None
    return list(events[-1].minerals)


#: A sentence that dates the measure of the sentence before ("The policy comes into
#: effect on Tuesday", 公告自公布之日起正式实施).
TAKES_EFFECT = re.compile(r"(?i)\b(?:comes?|came|coming) into (?:effect|force)|"
                          r"\btak(?:es?|ing) effect|\btook effect|\beffective\b|生效|施行|实施")


def _date_previous(sent: Sentence, events: list[Event], dating: Dating) -> None:
    """Give the last event found so far the effective date of ``sent`` when ``sent``
    names no mineral and says when a measure takes effect."""
    if not events or sent.minerals or events[-1].effective is not None:
        return
    m = TAKES_EFFECT.search(sent.text)
    if m is None or NEGATION.search(sent.text):
        return
    effective = _dates(sent, dating, "x", m.start(), [])[1]
    if effective is None:
        dates = find_dates(sent.text, dating.year) + relative_dates(sent.text, dating.today)
        effective = dates[0].value if len(dates) == 1 else None
    last = events[-1]
    for e in events:
        if e.citations == last.citations and e.effective is None:
            e.effective = effective
            e.period = None if effective else e.period


def _sentence_events(sent: Sentence, found: list[tuple[str, re.Match[str]]], actor: str,
                     authorities: list[str], quantities: list[Quantity],
                     dating: Dating, listed: list[str] | None) -> list[Event]:
    """One event per measure found in ``sent`` (several when one measure is stated
    twice with different dates, as in a ban imposed and re-imposed)."""
    inst = INSTRUMENT.search(sent.text)
    action = ACTION.search(sent.text)
    starts = [t.start() for _, t in found]
    out = []
    for measure, trig in found:
        triggers = _trigger_starts(sent, measure, trig, found)
        groups = _dated_groups(sent, triggers, starts, dating, measure)
        for group in groups:
            announced, effective = _dates(sent, dating, measure, group[0],
                                          [s for s in starts + triggers if s not in group])
            q = _quantity(sent, measure, sent.span.start + group[0], quantities)
            if not (announced or effective or inst or action or q):
                continue
            minerals = listed or _group_minerals(sent, group, groups)
            kind = _refine(measure, actor, sent.text)
            ev = Event(actor, kind, minerals, "; ".join(authorities) or None,
                       inst.group(0).strip() if inst else None, _target(sent), announced,
                       effective, text=sent.text)
            if not (announced or effective):
                ev.period = _period(sent.text, dating.year, group[0] if len(
                    groups) > 1 else None)
                if ev.period is None and len(groups) > 1:
                    ev.period = _nearest_year(sent, group[0], [g[0] for g in groups])
            if q is not None:
                ev.quantity, ev.quantity_unit = q.value, q.unit
            ev.ends = _ends(sent, dating)
            ev.citations.append({"start": sent.span.start, "end": sent.span.end})
            out.append(ev)
    return out


def _dated_groups(sent: Sentence, triggers: list[int], starts: list[int],
                  dating: Dating, measure: str) -> list[list[int]]:
    """Triggers of one measure grouped by the date or year nearest to each: one group
    unless the sentence dates two mentions differently ("banned in 2014 ... banned
    again in 2020")."""
    if len(triggers) < 2:
        return [triggers]
    groups: dict[object, list[int]] = {}
    for t in triggers:
        others = [s for s in starts + triggers if s != t]
        d = _dates(sent, dating, measure, t, others)
        key = d if any(d) else _nearest_year(sent, t, others)
        groups.setdefault(key, []).append(t)
    if len(groups) > 1 and None in groups:  # an undated mention belongs to the first
        first = next(k for k in groups if k is not None)
        groups[first] = sorted(groups[first] + groups.pop(None))
    return list(groups.values())


def _group_minerals(sent: Sentence, group: list[int], groups: list[list[int]]
                    ) -> list[str]:
    """Minerals of the triggers in ``group``: with several groups, those named between
    the group's first trigger and the next group's ("banned exports of gallium in 2023
    and banned exports of antimony in 2024"), else those of the triggers' clauses."""
    if len(groups) > 1:
        start = group[0]
        stop = min([g[0] for g in groups if g[0] > start], default=len(sent.text))
        base = sent.span.start
        own = [m.id for m in sent.minerals if start <= m.start - base < stop]
        if own:
            return specific(list(dict.fromkeys(own)))
    return clause_minerals(sent, group)


def _nearest_year(sent: Sentence, trigger: int, others: list[int]) -> str | None:
    """The first year stated after the trigger at ``trigger`` (sentence offset) and
    before the next trigger ("banned ... in 2014 and banned ... again in 2020")."""
    stop = min([o for o in others if o > trigger], default=len(sent.text))
    for y in sent.years:
        if trigger < y.start - sent.span.start < stop:
            return y.value
    return None


#: A count of things the next sentence lists ("restrictions on five metals. The controls
#: ... cover tungsten, tellurium, ...", 对以下五种物项).
COUNTED = re.compile(
    r"(?i)\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+|several|"
    r"a number of|various|these|the following)\s+(?:[\w-]+\s+){0,6}?"
    r"(?:metals|minerals|elements|materials|items|products|commodities|rare earths)\b"
    r"|(?:[两二三四五六七八九十]|\d+)\s*(?:种|类|項|项)|以下")


def listed_minerals(sent: Sentence, following: Sentence | None) -> list[str] | None:
    """Minerals of ``following`` when ``sent`` counts things it does not name ("five
    metals", "seven ... rare earth elements") and ``following`` names at least two."""
    if following is None or not COUNTED.search(sent.text):
        return None
    from mineralwatch.codes import minerals as codes

    table = codes.table()
    own = [m.id for m in sent.minerals]
    if any(table[m].kind != "group" for m in own if m in table):
        return None
    ids = list(dict.fromkeys(m.id for m in following.minerals))
    return specific(ids) if len(ids) >= 2 else None


def find_events(text: str, *, default_year: int | None = None) -> list[Event]:
    """Policy events in a passage of text (citation offsets relative to ``text``)."""
    sents = analyse(text)
    return events_in(sents, quantities_in(sents), default_year=default_year)[0]


__all__ = ["CLAUSE_BREAK", "INSTRUMENT", "TRIGGERS", "Event", "clause_minerals", "clauses",
           "events_in", "find_events", "specific"]
