"""Querying the policy-event register in the warehouse (the ``policy_event`` table).

>>> import mineralwatch as mw
>>> wh = mw.load_example()
>>> mw.events(wh, mineral="dysprosium", actor="CHN")          # doctest: +SKIP

The mineral filter understands groups both ways: asking for ``dysprosium`` also finds
events on ``rare_earths`` and ``hree`` (the groups it belongs to); asking for
``rare_earths`` also finds events on any of its members (and on its sub-groups).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from mineralwatch.codes import countries, minerals
from mineralwatch.errors import ConfigError, Failure, NotFoundError
from mineralwatch.schema import EVENT_STATUS, TABLES
from mineralwatch.store import Warehouse
from mineralwatch.store.cache import cached

#: Columns holding JSON lists in the warehouse; :func:`load_events` decodes them.
LIST_COLUMNS = ("minerals", "hs_codes", "target", "citations")
#: Statuses :func:`review_event` accepts, with their spellings.
DECISIONS = {"confirm": "confirmed", "confirmed": "confirmed", "accept": "confirmed",
             "reject": "rejected", "rejected": "rejected", "extracted": "extracted"}


def related_minerals(mineral: str) -> set[str]:
    """A mineral id with its groups, its members and its members' groups.

    >>> sorted(related_minerals("dysprosium"))
    ['dysprosium', 'hree', 'rare_earths']
    """
    table = minerals.table()
    m = minerals.get(mineral)
    out = {m.id, *m.groups, *m.members}
    for member in m.members:
        out.update(table[member].groups)
    return out


@cached
def load_events(
    wh: Warehouse,
    mineral: str | None = None,
    *,
    actor: str | None = None,
    status: str | None = "confirmed",
    since: str | date | None = None,
) -> pd.DataFrame:
    """Policy events from the warehouse, newest last.

    Parameters
    ----------
    wh
        the warehouse.
    mineral
        name or id; groups match both ways (see the module docstring).
    actor
        country (any spelling codes/ knows, usually ISO3) that took the measure.
    status
        ``confirmed`` (default), ``extracted``, ``rejected``, or ``all`` / ``None``.
    since
        keep events announced (or, without an announcement date, effective) on or after
        this date (``YYYY-MM-DD``).

    Returns
    -------
    pandas.DataFrame
        the ``policy_event`` columns, with ``minerals``, ``hs_codes``, ``target`` and
        ``citations`` as Python lists and dates as :class:`datetime.date`; sorted by date
        (announced, else effective) and id.

    Raises
    ------
    UnknownCodeError
        unknown mineral or country.
    ConfigError
        a status outside ``confirmed|extracted|rejected|all`` or a bad ``since`` date.
    """
    where: list[str] = []
    params: list[Any] = []
    if actor is not None:
        where.append("actor = ?")
        params.append(countries.to_iso3(actor))
    if status not in (None, "all"):
        if status not in EVENT_STATUS:
            raise ConfigError(f"Unknown event status {status!r}.",
                              [Failure("unknown status", value=status)],
                              hint=f"Use one of: {', '.join(EVENT_STATUS)}, all.")
        where.append("status = ?")
        params.append(status)
    if since is not None:
        where.append("coalesce(announced, effective) >= ?")
        params.append(_date(since))
    cols = TABLES["policy_event"].column_names
    query = (f'SELECT {", ".join(cols)} FROM "policy_event"'
             + (" WHERE " + " AND ".join(where) if where else "")
             + " ORDER BY coalesce(announced, effective) NULLS FIRST, id")
    df = wh.sql(query, params)
    for c in LIST_COLUMNS:
        df[c] = df[c].map(_json_list).astype(object)
    for c in ("announced", "effective", "ends"):
        df[c] = df[c].map(_as_date).astype(object)
    if mineral is not None:
        wanted = related_minerals(mineral)
        df = df[df["minerals"].map(lambda ms: bool(wanted.intersection(ms)))]
    return df.reset_index(drop=True)


def review_event(wh: Warehouse, event_id: str, decision: str,
                 reviewer: str | None = None) -> None:
    """Set the status of one event (``confirm`` or ``reject`` an extracted event) and
    keep the decision with the passage it judged (table ``event_review``), so that
    reviews become training data (:func:`mineralwatch.documents.review.export_reviews`).

    Raises
    ------
    ConfigError
        an unknown decision.
    NotFoundError
        no event with this id.
    """
    new = DECISIONS.get(str(decision).strip().lower())
    if new is None:
        raise ConfigError(f"Unknown review decision {decision!r}.",
                          [Failure("unknown decision", value=decision)],
                          hint="Use confirm or reject.")
    found = wh.sql('SELECT * FROM "policy_event" WHERE id = ?', [event_id])
    if found.empty:
        raise NotFoundError(f"No policy event with id {event_id!r}.",
                            hint="`mineralwatch events --status all` lists the ids.")
    row = review_row(wh, found.iloc[0].to_dict(), new, reviewer)
    with wh.transaction() as con:
        con.execute('UPDATE "policy_event" SET status = ? WHERE id = ?', [new, event_id])
        if row is not None:
            cols = list(row)
            con.execute(f'INSERT INTO "event_review" ({", ".join(cols)}) VALUES '
                        f'({", ".join("?" * len(cols))})', [row[c] for c in cols])


#: Fields of an event kept with its review.
REVIEW_FIELDS = ("id", "actor", "authority", "instrument", "measure", "minerals", "target",
                 "announced", "effective", "ends", "quantity", "quantity_unit")


def review_row(wh: Warehouse, event: dict[str, Any], decision: str,
               reviewer: str | None) -> dict[str, Any] | None:
    """The ``event_review`` record of a decision on ``event`` (a ``policy_event`` row):
    the cited sentences and passage as stored; ``None`` for a decision that is not
    confirm or reject (setting an event back to ``extracted``)."""
    if decision not in ("confirmed", "rejected"):
        return None
    cites = [c for c in _json_list(event.get("citations")) if isinstance(c, dict)]
    first = next((c for c in cites if c.get("doc_id") is not None), None)
    passage_text = None
    sentences = []
    for c in cites:
        if c.get("doc_id") is None or c.get("passage") is None:
            continue
        got = wh.sql('SELECT text FROM "passage" WHERE doc_id = ? AND idx = ?',
                     [c["doc_id"], int(c["passage"])])
        if got.empty:
            continue
        text = str(got["text"].iloc[0])
        passage_text = passage_text or text
        a, b = c.get("start"), c.get("end")
        sentences.append(text[int(a):int(b)] if a is not None and b is not None else text)
    fields = {k: _plain(event.get(k)) for k in REVIEW_FIELDS}
    return {"event_id": event["id"], "decision": decision,
            "reviewed_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "reviewer": reviewer, "doc_id": first["doc_id"] if first else None,
            "passage": int(first["passage"]) if first and first.get("passage") is not None
            else None, "text": " … ".join(dict.fromkeys(sentences)) or str(
                event.get("note") or ""), "passage_text": passage_text,
            "event": json.dumps(fields, ensure_ascii=False), "source_id": "review"}


def _plain(v: Any) -> Any:
    """A JSON-able value of a ``policy_event`` cell (lists decoded, dates as ISO)."""
    if isinstance(v, str) and v[:1] == "[":
        return _json_list(v)
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, date | datetime | pd.Timestamp):
        return _as_date(v).isoformat()  # type: ignore[union-attr]
    return v.item() if hasattr(v, "item") else v


def _json_list(v: Any) -> list[Any]:
    if v is None or (isinstance(v, float) and v != v):
        return []
    if isinstance(v, list):
        return v
    parsed = json.loads(v)
    return parsed if isinstance(parsed, list) else [parsed]


def _as_date(v: Any) -> date | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, datetime | pd.Timestamp):
        return v.date()
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _date(v: str | date) -> date:
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v).strip())
    except ValueError:
        raise ConfigError(f"Not a date: {v!r}.", [Failure("not a date", value=v)],
                          hint="Write dates as YYYY-MM-DD.") from None


__all__ = ["LIST_COLUMNS", "load_events", "related_minerals", "review_event"]
