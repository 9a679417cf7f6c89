"""Watchlist alerts: what changed since a user's last visit.

A snapshot of the watched indicators (HHI per watched mineral, event ids) is stored at
each overview visit; the next visit compares against it: new events on watched minerals
or countries, concentration crossing the 2,500 HHI threshold, and a watched mineral's
EU criticality class changing (with the same tri-state wording as every other output:
"critical", "not critical", "undetermined — EI unknown; critical on supply risk alone").
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from mineralwatch.api.auth import AuthStore
from mineralwatch.formatting import HHI_HIGH
from mineralwatch.store import Warehouse

HHI_THRESHOLD = HHI_HIGH


def class_alerts(before: dict[str, str], now: dict[str, str]) -> list[dict[str, str]]:
    """Alerts for materials whose criticality label changed between two snapshots."""
    out = []
    for m, lab in sorted(now.items()):
        old = before.get(m)
        if old is not None and old != lab:
            level = "high" if lab == "critical" else "mid"
            out.append({"kind": "criticality", "level": level,
                        "text": f"{m}: EU criticality {old} → {lab}"})
    return out


def alerts_since_last_visit(wh: Warehouse, auth: AuthStore, user: str, mine: pd.DataFrame,
                            events: list[dict[str, Any]],
                            classes: dict[str, str] | None = None
                            ) -> tuple[list[dict[str, str]], str | None]:
    """(alerts, time of last visit) for ``user``; records this visit's snapshot.

    ``classes``: the EU criticality label per material (watched ones are compared).
    """
    watch = auth.watchlist(user)
    w_min = {v for k, v in watch if k == "mineral"}
    w_cty = {v for k, v in watch if k == "country"}
    last, snap_text = auth.last_visit(user)
    snap = json.loads(snap_text) if snap_text else {"hhi": {}, "events": []}
    hhi_now = ({r["mineral"]: float(r["hhi"]) for r in mine.to_dict("records")
                if r["mineral"] in w_min} if not mine.empty else {})
    ev_now = [e["id"] for e in events]
    cls_now = {m: lab for m, lab in (classes or {}).items() if m in w_min}
    alerts: list[dict[str, str]] = []
    if last is not None:
        seen = set(snap.get("events", []))
        for e in events:
            if e["id"] in seen:
                continue
            mins = set(e["minerals"].split(", "))
            if mins & w_min or e.get("actor_iso3") in w_cty:
                alerts.append({"kind": "new event", "level": "mid",
                               "text": f"{e['date']} {e['actor']}: {e['measure']} "
                                       f"({e['minerals']})"})
        for m, h in hhi_now.items():
            before = snap.get("hhi", {}).get(m)
            if before is not None and (before < HHI_THRESHOLD) != (h < HHI_THRESHOLD):
                alerts.append({"kind": "threshold", "level": "high",
                               "text": f"{m}: mine HHI {before:,.0f} → {h:,.0f} crossed "
                                       f"{HHI_THRESHOLD:,.0f}"})
        alerts += class_alerts(snap.get("classes", {}), cls_now)
    auth.record_visit(user, json.dumps({"hhi": hhi_now, "events": ev_now,
                                        "classes": cls_now}, ensure_ascii=False))
    return alerts, last


__all__ = ["HHI_THRESHOLD", "alerts_since_last_visit", "class_alerts"]
