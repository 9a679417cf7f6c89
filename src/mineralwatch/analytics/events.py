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
from datetime import date, datetime
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


def review_event(wh: Warehouse, event_id: str, decision: str) -> None:
    """Set the status of one event (``confirm`` or ``reject`` an extracted event).

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
    found = wh.sql('SELECT count(*) AS n FROM "policy_event" WHERE id = ?', [event_id])
    if int(found["n"].iloc[0]) == 0:
        raise NotFoundError(f"No policy event with id {event_id!r}.",
                            hint="`mineralwatch events --status all` lists the ids.")
    with wh.transaction() as con:
        con.execute('UPDATE "policy_event" SET status = ? WHERE id = ?', [new, event_id])


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
