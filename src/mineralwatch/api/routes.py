"""The JSON API (``/api/v1``): a thin layer over the Python API.

Every endpoint returns the same shapes as the CLI's ``--format json`` (docs/json.md).
Reads need the ``reader`` role, analyses that write or run scenarios ``analyst``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Query

from mineralwatch.api.auth import User
from mineralwatch.api.deps import get_wh, role
from mineralwatch.cli._common import to_jsonable
from mineralwatch.codes import minerals
from mineralwatch.store import Warehouse

router = APIRouter(prefix="/api/v1", tags=["api"])

Reader = Depends(role("reader"))
Analyst = Depends(role("analyst"))


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records (NaN -> null, ISO dates)."""
    return to_jsonable(df.to_dict(orient="records"))  # type: ignore[no-any-return]


@router.get("/minerals", summary="Minerals and groups known to mineralwatch")
def list_minerals(user: User = Reader) -> list[dict[str, Any]]:
    return [{"id": m.id, "name": m.name, "name_zh": m.name_zh, "kind": m.kind,
             "groups": list(m.groups), "members": list(m.members), "stages": list(m.stages)}
            for m in minerals.table().values()]


@router.get("/concentration", summary="Supply concentration (HHI, top-N, N-1 gap)")
def get_concentration(
    mineral: str | None = Query(None, description="Mineral name or id; all when omitted."),
    stage: str = Query("mine", description="mine, refinery, smelter or processing"),
    year: int | None = Query(None, ge=1900, le=2100),
    wh: Warehouse = Depends(get_wh), user: User = Reader,
) -> list[dict[str, Any]]:
    from mineralwatch.analytics.concentration import concentration

    return records(concentration(wh, mineral=mineral, stage=stage, year=year))


@router.get("/events", summary="Policy events (export controls, quotas, bans, suspensions)")
def get_events(
    mineral: str | None = None, actor: str | None = None,
    status: str = Query("confirmed", pattern="^(confirmed|extracted|rejected|all)$"),
    wh: Warehouse = Depends(get_wh), user: User = Reader,
) -> list[dict[str, Any]]:
    from mineralwatch.analytics.events import load_events

    return records(load_events(wh, mineral=mineral, actor=actor, status=status))


@router.get("/sources", summary="Provenance of the data in the warehouse")
def get_sources(wh: Warehouse = Depends(get_wh), user: User = Reader) -> list[dict[str, Any]]:
    return records(wh.sources())


@router.get("/whoami", summary="The authenticated user and role")
def whoami(user: User = Reader) -> dict[str, str]:
    return {"name": user.name, "role": user.role}
