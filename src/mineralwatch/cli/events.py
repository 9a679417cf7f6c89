"""``mineralwatch events``: the policy-event register (export controls, quotas, bans).

JSON output (``--format json``) is a list of records with exactly the fields of
:data:`JSON_FIELDS`; ``minerals``, ``target`` and ``citations`` are JSON arrays, dates ISO
(``YYYY-MM-DD``) or null.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mineralwatch.cli._common import Format, FormatOpt, WarehouseOpt, emit, err_console, open_wh

#: Fields of each JSON record, in order.
JSON_FIELDS = [
    "id", "actor", "authority", "instrument", "measure", "minerals", "target", "announced",
    "effective", "ends", "quantity", "quantity_unit", "status", "suspends", "title",
    "citations",
]
#: Columns of the table view.
TABLE_FIELDS = ["id", "actor", "measure", "minerals", "effective", "ends", "quantity", "title"]

if TYPE_CHECKING:
    import pandas as pd


class Status(StrEnum):
    """Event statuses to list."""

    confirmed = "confirmed"
    extracted = "extracted"
    rejected = "rejected"
    all = "all"


def event_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The JSON records of :func:`~mineralwatch.analytics.events.load_events` output."""
    return [{f: r.get(f) for f in JSON_FIELDS} for r in df.to_dict(orient="records")]


def table_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Readable rows: quantity with its unit, lists joined, measures in words.

    ``ends`` and ``quantity`` are left out when no event listed has one.
    """
    out = df[TABLE_FIELDS].copy()
    out["quantity"] = [
        "" if q is None or q != q else f"{q:,.0f} {u or ''}".strip()
        for q, u in zip(df["quantity"], df["quantity_unit"], strict=True)]
    for c in ("minerals",):
        out[c] = out[c].map(", ".join)
    out["measure"] = out["measure"].astype(str).str.replace("_", " ")
    empty = [c for c in ("ends", "quantity")
             if out[c].map(lambda v: v is None or v != v or str(v) == "").all()]
    return out.drop(columns=empty)


def _review(action: str, event_id: str | None, warehouse: Any) -> None:
    """``events confirm ID`` / ``events reject ID``: review an extracted event."""
    from mineralwatch.analytics.events import review_event
    from mineralwatch.errors import ConfigError

    if action not in ("confirm", "reject") or not event_id:
        raise ConfigError(f"Unknown events action {action!r}" + ("" if event_id else
                          " (or no event id)") + ".",
                          hint="Use `mineralwatch events confirm ID` or `... reject ID`; "
                          "`mineralwatch events --status extracted` lists the ids.")
    import getpass

    with open_wh(warehouse, create=False) as wh:
        review_event(wh, event_id, action, reviewer=getpass.getuser())
    err_console.print(f"{event_id}: {action}ed.")


def register(app: typer.Typer) -> None:
    """Add ``events`` to ``app``."""

    @app.command("events", help="Policy events from the warehouse: export controls, quotas, "
                 "bans and their suspensions, with citations. Mineral groups match both ways "
                 "(dysprosium finds rare-earth events; rare_earths finds events on its "
                 "members).")
    def events_cmd(
        action: Annotated[str | None, typer.Argument(
            help="Review an extracted event: `events confirm ID` or `events reject ID`.",
            show_default=False)] = None,
        event_id: Annotated[str | None, typer.Argument(
            help="Id of the event to confirm or reject.", show_default=False)] = None,
        mineral: Annotated[str | None, typer.Option(
            "--mineral", "-m", help="Mineral name or id (groups match both ways).")] = None,
        actor: Annotated[str | None, typer.Option(
            "--actor", "-a", help="Country taking the measure (ISO3 or name).")] = None,
        status: Annotated[Status, typer.Option(
            "--status", "-s", help="Event status to list.")] = Status.confirmed,
        since: Annotated[str | None, typer.Option(
            help="Only events announced (or effective) on or after YYYY-MM-DD.")] = None,
        warehouse: WarehouseOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from mineralwatch.analytics.events import load_events

        if action is not None:
            _review(action, event_id, warehouse)
            return
        with open_wh(warehouse, create=False) as wh:
            df = load_events(wh, mineral, actor=actor, status=status.value, since=since)
        if fmt == Format.json:
            emit(event_records(df), fmt)
            return
        if df.empty and fmt == Format.table:
            err_console.print("No events match. The curated register is ingested by "
                              "`mineralwatch init`, or `mineralwatch ingest events FILE`.")
            return
        import pandas as pd

        emit(table_rows(df) if fmt == Format.table else pd.DataFrame(event_records(df)),
             fmt, title="Policy events")
