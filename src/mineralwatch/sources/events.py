"""Policy-event registers in YAML -> the canonical ``policy_event`` table.

A register is a list of events (or a mapping with an ``events:`` list)::

    - id: chn-mofcom-2023-023
      actor: CHN                       # ISO3 or any country spelling codes/ knows
      authority: Ministry of Commerce; General Administration of Customs
      instrument: MOFCOM/GAC Announcement No. 23 of 2023
      measure: export_licence_dual_use # one of schema.MEASURES
      minerals: [gallium, germanium]   # names, aliases or Chinese names
      hs_codes: ["811292", "285390"]   # 6-10 digits, quoted; default: the minerals' HS6
      target: [ALL]                    # ISO3 list or ALL (the default)
      announced: 2023-07-03
      effective: 2023-08-01
      ends: null
      quantity: {value: 96600, unit: t}
      status: confirmed                # confirmed (default) | extracted | rejected
      suspends: null                   # id of an event in the same register
      title: Export control on gallium- and germanium-related items
      note: free text
      citations:                       # at least one for a confirmed event
        - {publisher: MOFCOM, document: "Announcement No. 23 of 2023", url: "https://..."}

``sources`` is accepted as another name for ``citations``. Every problem in the file is
collected and raised at once, each naming the file, the line, the event (id and index)
and the field.

The curated register shipped with mineralwatch is :data:`REGISTER`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mineralwatch.codes import countries, minerals
from mineralwatch.codes._table import SAFE_LOADER
from mineralwatch.errors import Failure, InputError
from mineralwatch.schema import EVENT_STATUS, LINE, MEASURES, TABLES
from mineralwatch.sources._io import check_table
from mineralwatch.sources._registry import Loader, register

#: The curated register shipped in the package.
REGISTER = "events.yaml"

FIELDS = (
    "id", "actor", "authority", "instrument", "measure", "minerals", "hs_codes", "target",
    "announced", "effective", "ends", "quantity", "quantity_unit", "status", "suspends",
    "title", "note", "citations",
)
_ALIASES = {"sources": "citations"}
_TEXT = ("authority", "instrument", "title", "note")
_DATES = ("announced", "effective", "ends")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
_HS = re.compile(r"^\d{6,10}$")
_CITATION_KEYS = ("url", "doc_id", "document")


class _Loader(SAFE_LOADER):
    """Safe YAML (libyaml when available) with dates left as text, so that a bad date is
    reported, not a crash."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def register_path() -> Path:
    """Path of the curated event register shipped with the package."""
    return Path(str(resources.files("mineralwatch").joinpath("data").joinpath(REGISTER)))


def read_events(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate a YAML event register into the ``policy_event`` table.

    Parameters
    ----------
    path
        the register; default: the curated register shipped with mineralwatch.

    Returns
    -------
    pandas.DataFrame
        one row per event; ``minerals``, ``hs_codes``, ``target`` and ``citations`` as
        JSON strings, dates as :class:`datetime.date`, and ``_line`` (the event's line).

    Raises
    ------
    InputError
        listing every problem: YAML syntax, unknown fields, measures (with the allowed
        list), minerals and countries, bad dates, duplicate ids, ``suspends`` pointing to
        no event of the file, confirmed events without a citation.
    """
    p = Path(path) if path is not None else register_path()
    file = str(p)
    text = _read_text(p)
    items, lines = _parse(text, file)
    checker = _Checker(file)
    rows = [checker.event(item, i, lines[i] if i < len(lines) else {})
            for i, item in enumerate(items)]
    checker.cross_check(rows)
    if checker.failures:
        raise InputError(
            f"{len(checker.failures)} problem(s) in the event register {file}",
            checker.failures, file=file,
            hint="Fix the listed events; see mineralwatch.sources.events for the format. "
            "Nothing was written.")
    columns = [c for c in TABLES["policy_event"].column_names if c != "source_id"]
    return check_table(pd.DataFrame(rows, columns=[*columns, LINE]), "policy_event", file=file)


def _read_text(p: Path) -> str:
    if not p.is_file():
        raise InputError(f"File not found: {p}", file=p,
                         hint="Pass a YAML event register (see mineralwatch.sources.events).")
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p} is not UTF-8 text: {exc}", file=p,
                         hint="Save the register as UTF-8.") from exc


def _parse(text: str, file: str) -> tuple[list[Any], list[dict[str, int]]]:
    """The list of events and, per event, the line of the event and of each field."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:  # syntax; bad dates are checked field by field
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"{file} is not valid YAML.",
                         [Failure(str(getattr(exc, "problem", exc)), file=file, line=line)],
                         file=file, hint="Fix the YAML syntax at the line shown.") from exc
    if isinstance(data, dict) and "events" in data:
        data = data["events"]
        node = next((v for k, v in node.value if k.value == "events"), None)  # type: ignore[union-attr]
    if data is None:
        return [], []
    if not isinstance(data, list):
        raise InputError(f"{file}: expected a list of events (or 'events:' with a list).",
                         [Failure("top level is not a list", file=file, line=1)], file=file,
                         hint="Start each event with '- id: ...'.")
    return data, _lines(node)


def _lines(node: Any) -> list[dict[str, int]]:
    out: list[dict[str, int]] = []
    for item in getattr(node, "value", []) or []:
        lines = {"": item.start_mark.line + 1}
        if isinstance(item, yaml.MappingNode):
            for key, _ in item.value:
                lines[str(key.value)] = key.start_mark.line + 1
        out.append(lines)
    return out


@dataclass
class _Checker:
    """Validates events one by one, collecting failures."""

    file: str
    failures: list[Failure] = field(default_factory=list)
    _lines: dict[int, dict[str, int]] = field(default_factory=dict)

    def fail(self, index: int, event_id: object, fld: str, message: str,
             value: Any = None) -> None:
        lines = self._lines.get(index, {})
        who = f"event {event_id!r} (#{index + 1})" if event_id else f"event #{index + 1}"
        self.failures.append(Failure(f"{who}, field {fld!r}: {message}", file=self.file,
                                     line=lines.get(fld, lines.get("")), column=fld,
                                     value=value))

    def event(self, item: Any, index: int, lines: dict[str, int]) -> dict[str, Any]:
        self._lines[index] = lines
        if not isinstance(item, dict):
            self.fail(index, None, "", "an event must be a mapping of fields", item)
            return {LINE: lines.get("")}
        item = {_ALIASES.get(str(k), str(k)): v for k, v in item.items()}
        eid = item.get("id")
        for k in item:
            if k not in FIELDS:
                self.fail(index, eid, k, f"unknown field (fields: {', '.join(FIELDS)})")
        row: dict[str, Any] = {LINE: lines.get("")}
        row["id"] = self._id(index, eid)
        row["actor"] = self._country(index, eid, "actor", item.get("actor"))
        row["measure"] = self._measure(index, eid, item.get("measure"))
        mins = self._minerals(index, eid, item.get("minerals"))
        row["minerals"] = json.dumps(mins, ensure_ascii=False)
        row["hs_codes"] = json.dumps(self._hs(index, eid, item, mins))
        row["target"] = json.dumps(self._targets(index, eid, item.get("target", ["ALL"])))
        for d in _DATES:
            row[d] = self._date(index, eid, d, item.get(d))
        if row["effective"] and row["ends"] and row["ends"] < row["effective"]:
            self.fail(index, eid, "ends", f"ends before it takes effect ({row['effective']})",
                      str(row["ends"]))
        row["quantity"], row["quantity_unit"] = self._quantity(
            index, eid, item.get("quantity"), item.get("quantity_unit"))
        row["status"] = self._status(index, eid, item.get("status", "confirmed"))
        row["suspends"] = _text(item.get("suspends"))
        for t in _TEXT:
            row[t] = _text(item.get(t))
        row["citations"] = json.dumps(self._citations(index, eid, item.get("citations"),
                                                      row["status"]), ensure_ascii=False)
        return row

    # -- fields ----------------------------------------------------------------------
    def _id(self, index: int, eid: Any) -> str | None:
        if eid is None or str(eid).strip() == "":
            self.fail(index, None, "id", "missing id")
            return None
        if not _ID.match(str(eid)):
            self.fail(index, eid, "id", "ids are letters, digits and . _ : / - only", eid)
        return str(eid)

    def _country(self, index: int, eid: Any, fld: str, value: Any) -> str | None:
        if value is None or str(value).strip() == "":
            self.fail(index, eid, fld, "missing country")
            return None
        hit = countries.lookup(value)
        if hit is None:
            self.fail(index, eid, fld, "unknown country (add the spelling to "
                      "codes/data/country_aliases.tsv or use ISO3)", value)
        return hit

    def _measure(self, index: int, eid: Any, value: Any) -> str | None:
        if value not in MEASURES:
            self.fail(index, eid, "measure", f"unknown measure; allowed: {', '.join(MEASURES)}",
                      value)
            return None
        return str(value)

    def _minerals(self, index: int, eid: Any, value: Any) -> list[str]:
        names = _as_list(value)
        if not names:
            self.fail(index, eid, "minerals", "at least one mineral is required")
        out: list[str] = []
        for n in names:
            hit = minerals.lookup(n)
            if hit is None:
                self.fail(index, eid, "minerals", "unknown mineral (see `mineralwatch "
                          "minerals`; aliases live in codes/data/minerals.yaml)", n)
            elif hit not in out:
                out.append(hit)
        return out

    def _hs(self, index: int, eid: Any, item: dict[str, Any], mins: list[str]) -> list[str]:
        if "hs_codes" not in item:
            return sorted({h.hs6 for m in mins for h in minerals.hs_codes(m)})
        out = []
        for code in _as_list(item["hs_codes"]):
            s = str(code).strip()
            if not _HS.match(s):
                self.fail(index, eid, "hs_codes", "HS codes are 6 to 10 digits, quoted in "
                          "YAML (\"081292\") so that leading zeros survive", code)
            elif s not in out:
                out.append(s)
        return out

    def _targets(self, index: int, eid: Any, value: Any) -> list[str]:
        out = []
        for t in _as_list(value) or ["ALL"]:
            if str(t).strip().upper() == "ALL":
                out.append("ALL")
                continue
            hit = self._country(index, eid, "target", t)
            if hit is not None:
                out.append(hit)
        return out

    def _date(self, index: int, eid: Any, fld: str, value: Any) -> date | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(index, eid, fld, "not a date (use YYYY-MM-DD)", value)
            return None

    def _quantity(self, index: int, eid: Any, value: Any, unit: Any
                  ) -> tuple[float | None, str | None]:
        if value is None:
            return None, None
        if isinstance(value, dict):
            amount, unit = value.get("value"), value.get("unit", unit)
        else:
            amount = value
        try:
            number = float(amount)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(index, eid, "quantity", "quantity needs a numeric value "
                      "({value: 96600, unit: t})", value)
            return None, None
        if unit is None or str(unit).strip() == "":
            self.fail(index, eid, "quantity", "quantity needs a unit ({value: 96600, unit: t})",
                      value)
        return number, _text(unit)

    def _status(self, index: int, eid: Any, value: Any) -> str | None:
        if value not in EVENT_STATUS:
            self.fail(index, eid, "status", f"not one of {', '.join(EVENT_STATUS)}", value)
            return None
        return str(value)

    def _citations(self, index: int, eid: Any, value: Any, status: str | None
                   ) -> list[dict[str, Any]]:
        cites = _as_list(value)
        if not cites and status == "confirmed":
            self.fail(index, eid, "citations", "a confirmed event needs at least one citation")
        out = []
        for c in cites:
            c = {"url": c} if isinstance(c, str) else c
            if not isinstance(c, dict) or not any(c.get(k) for k in _CITATION_KEYS):
                self.fail(index, eid, "citations", f"a citation needs one of "
                          f"{', '.join(_CITATION_KEYS)}", c)
                continue
            url = c.get("url")
            if url and not str(url).startswith(("http://", "https://")):
                self.fail(index, eid, "citations", "url must start with http(s)://", url)
            out.append({str(k): _jsonable(v) for k, v in c.items()})
        return out

    # -- across events ------------------------------------------------------------------
    def cross_check(self, rows: list[dict[str, Any]]) -> None:
        """Duplicate ids and ``suspends`` pointing to no event of the register."""
        first: dict[str, int] = {}
        for i, row in enumerate(rows):
            eid = row.get("id")
            if eid is None:
                continue
            if eid in first:
                self.fail(i, eid, "id", f"duplicate id (first used by event #{first[eid] + 1})",
                          eid)
            else:
                first[eid] = i
        for i, row in enumerate(rows):
            target = row.get("suspends")
            if target is not None and target not in first:
                self.fail(i, row.get("id"), "suspends", "points to no event of this register",
                          target)
            if target is not None and row.get("measure") not in (None,
                                                                 "suspension_of_measure"):
                self.fail(i, row.get("id"), "measure", "an event that suspends another must "
                          "have measure 'suspension_of_measure'", row.get("measure"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _jsonable(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


register(Loader(
    kind="events",
    function="events:read_events",
    tables=("policy_event",),
    description="Policy-event register in YAML (export controls, quotas, bans, suspensions); "
    "the curated register is mineralwatch/data/events.yaml.",
    publisher="mineralwatch (curated from official notices)",
    licence="CC BY 4.0",
    shipped="events:register_path",
))

__all__ = ["FIELDS", "REGISTER", "read_events", "register_path"]
