"""A document's own date, and the relative dates it resolves ("Tuesday", 即日起).

The date of a document is what the document says of itself: a date header line
("date 2025-02-04", "发布时间：2024-12-09"), a stated publication date, or a news
dateline ("BEIJING, Feb. 4 (Xinhua) --", "HONG KONG, Feb 4 —", 新华社北京10月9日电,
its year from ``published``); failing those, the ``published`` date its reader gave
it. Never its URL: a mirror's path says when the mirror posted it.

>>> document_date("BEIJING, Feb. 4 (Xinhua) -- China on Tuesday announced ...", "2025-02-05")
datetime.date(2025, 2, 4)
>>> [d.value.isoformat() for d in relative_dates("The policy comes into effect on Tuesday",
...                                              date(2025, 2, 4))]
['2025-02-04']
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from mineralwatch.documents.extract.context import _MON, DateMention, find_dates

#: Words before a date that make it the end of a measure, not its start.
UNTIL_CUE = re.compile(r"(?i)(?:\buntil|\btill|\bthrough|\bexpir\w*(?: on)?|\bends? on|"
                       r"至|到|截至|截止)\s*$")

#: Words that introduce a page's posting or publication time (a date after them is the
#: document's, never an event's).
POSTED_CUE = re.compile(
    r"(?i)(?:^|\n|\s)(?:date[d]?|published|posted|updated|source:[^\n|]{0,40}\|?|"
    r"发布时间|發布時間|发表时间|發表時間|发布日期|發布日期|日期|时间|時間|来源[:：][^\n]{0,30})"
    r"\s*[:：|]?\s*$")
_HEADER = re.compile(
    r"(?im)^\s*(?:date[d]?|published(?: on)?|posted(?: on)?|发布时间|發布時間|发表时间|發表時間|"
    r"发布日期|發布日期|日期)\s*[:：]?\s*(?P<d>[^\n]{6,40})")
_DATELINE = re.compile(
    rf"(?m)^\s*[A-Z][A-Z .'’-]{{2,40}},\s*(?P<d>{_MON}\s+\d{{1,2}}(?:,\s*(?:19|20)\d{{2}})?)"
    r"\s*(?:\([^)]{1,30}\))?\s*(?:-{1,2}|–|—)")
_ZH_DATELINE = re.compile(r"[（(]?(?:新华社|中新社|法新社|路透社|记者)?[^，。（）()\n]{0,8}?"
                          r"(?P<m>\d{1,2})月(?P<d>\d{1,2})日电")
#: Phrases that make a measure effective on the document's own date.
IMMEDIATE = re.compile(
    r"(?i)\b(?:effective immediately|with immediate effect|take[sn]? (?:immediate )?effect "
    r"immediately|(?:comes?|came) into (?:effect|force) immediately|immediately)\b|"
    r"(?:自|从)?即日起|自?(?:发布|公布|印发|颁布|發布|公佈)之日起")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"(?i)\b(?:on\s+|last\s+|next\s+|this\s+)?(" + "|".join(_WEEKDAYS)
                      + r")\b")
_FORWARD = re.compile(r"(?i)(?:effect|force|from|starting|beginning|next|will|from)\W+"
                      r"(?:\w+\W+){0,2}$")
_DAY_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1, "今天": 0, "今日": 0, "昨天": -1,
              "昨日": -1, "明天": 1}
_DAY = re.compile(r"(?i)\b(?:today|yesterday|tomorrow)\b|今天|今日|昨天|昨日|明天")
_ZH_DAY = re.compile(r"(?<![\d月年])(?P<d>\d{1,2})日(?!\s*\d)")


def document_date(text: str, published: str | None = None) -> date | None:
    """The document's own date (see the module docstring), or ``None``."""
    head = text[:800]
    given = _iso(published)
    year = given.year if given else None
    m = _HEADER.search(head)
    if m:
        found = find_dates(m.group("d"), year)
        if found:
            return found[0].value
    m = _DATELINE.search(head)
    if m:
        found = find_dates(m.group("d"), year)
        if found:
            return found[0].value
    m = _ZH_DATELINE.search(head)
    if m and year:
        try:
            return date(year, int(m.group("m")), int(m.group("d")))
        except ValueError:
            pass
    return given


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def relative_dates(text: str, today: date | None) -> list[DateMention]:
    """Dates in ``text`` said relative to the document's date ``today``: "immediately",
    即日起 and 发布之日起 (effective that day), "today", "yesterday", a weekday (the
    nearest one before ``today``, or after it when the text looks forward: "comes into
    effect on Tuesday" dated a Tuesday is that day) and a bare day of the month (9日)."""
    if today is None:
        return []
    out = [DateMention(today, m.start(), m.end(), True, effective=True)
           for m in IMMEDIATE.finditer(text)]
    out += [DateMention(today + timedelta(days=_DAY_WORDS[m.group(0).casefold()]),
                        m.start(), m.end(), True) for m in _DAY.finditer(text)]
    for m in _WEEKDAY.finditer(text):
        want = _WEEKDAYS.index(m.group(1).casefold())
        forward = _FORWARD.search(text[max(0, m.start() - 30):m.start()]) is not None
        delta = (want - today.weekday()) % 7 if forward else -((today.weekday() - want) % 7)
        out.append(DateMention(today + timedelta(days=delta), m.start(), m.end(), True))
    for m in _ZH_DAY.finditer(text):
        day = int(m.group("d"))
        d = _day_on_or_before(today, day)
        if d is not None:
            out.append(DateMention(d, m.start(), m.end(), True))
    return sorted(out, key=lambda d: d.start)


def _day_on_or_before(today: date, day: int) -> date | None:
    """The latest date on or before ``today`` whose day of the month is ``day``."""
    y, mo = today.year, today.month
    for _ in range(2):
        if day <= today.day or (y, mo) != (today.year, today.month):
            try:
                return date(y, mo, day)
            except ValueError:
                return None
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    return None


__all__ = ["IMMEDIATE", "POSTED_CUE", "UNTIL_CUE", "document_date", "relative_dates"]
