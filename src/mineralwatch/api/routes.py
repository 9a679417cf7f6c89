"""The JSON API (``/api/v1``): a thin layer over the Python API.

Every endpoint returns the same shapes as the CLI's ``--format json`` (docs/json.md).
Reads need the ``reader`` role, analyses that write or run scenarios ``analyst``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from mineralwatch.api.auth import User
from mineralwatch.api.deps import get_wh, role
from mineralwatch.api.models import ERROR_RESPONSES
from mineralwatch.codes import minerals
from mineralwatch.serialize import to_jsonable
from mineralwatch.store import Warehouse
from mineralwatch.store import cache as result_cache

router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERROR_RESPONSES)

Reader = Depends(role("reader"))
Analyst = Depends(role("analyst"))


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records (NaN -> null, ISO dates)."""
    return to_jsonable(df.to_dict(orient="records"))


Records = list[dict[str, Any]]

#: The most items any list-valued parameter (cuts, HS codes, targets) may carry.
MAX_LIST_ITEMS = 20


def split_list(text: str | None, name: str, cap: int = MAX_LIST_ITEMS) -> list[str]:
    """Comma-separated values of parameter ``name``; :class:`InputError` beyond ``cap``."""
    items = [t.strip() for t in (text or "").split(",") if t.strip()]
    if len(items) > cap:
        from mineralwatch.errors import InputError

        raise InputError(f"Too many values for {name!r}: {len(items)} (at most {cap}).",
                         hint=f"Ask for at most {cap} values of {name!r} per request.")
    return items


def cached_json(wh: Warehouse, key: tuple[Any, ...], compute: Callable[[], Any]) -> Response:
    """``compute()``'s JSON, kept in the app's result cache until the warehouse changes.

    For read endpoints whose answer depends only on their arguments and the warehouse:
    the serialised body is cached (``store/cache.py``), so a repeated request skips the
    analytics, the conversion to records and the response validation.
    """
    body = result_cache.memo(wh, ("api", *key), lambda: json.dumps(
        compute(), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode())
    return Response(body, media_type="application/json")


@router.get("/minerals", summary="Minerals and groups known to mineralwatch")
def list_minerals(user: User = Reader) -> list[dict[str, Any]]:
    return [{"id": m.id, "name": m.name, "name_zh": m.name_zh, "kind": m.kind,
             "groups": list(m.groups), "members": list(m.members), "stages": list(m.stages)}
            for m in minerals.table().values()]


@router.get("/concentration", summary="Supply concentration (HHI, top-N, N-1 gap)",
            response_model=Records)
def get_concentration(
    mineral: str | None = Query(None, description="Mineral name or id; all when omitted."),
    stage: str = Query("mine", description="mine, refinery, smelter or processing"),
    year: int | None = Query(None, ge=1900, le=2100),
    wh: Warehouse = Depends(get_wh), user: User = Reader,
) -> Response:
    from mineralwatch.analytics.concentration import concentration

    return cached_json(wh, ("concentration", mineral, stage, year), lambda: records(
        concentration(wh, mineral=mineral, stage=stage, year=year)))


@router.get("/events", summary="Policy events (export controls, quotas, bans, suspensions)",
            response_model=Records)
def get_events(
    mineral: str | None = None, actor: str | None = None,
    status: str = Query("confirmed", pattern="^(confirmed|extracted|rejected|all)$"),
    wh: Warehouse = Depends(get_wh), user: User = Reader,
) -> Response:
    from mineralwatch.analytics.events import load_events

    return cached_json(wh, ("events", mineral, actor, status), lambda: records(
        load_events(wh, mineral=mineral, actor=actor, status=status)))


@router.get("/sources", summary="Provenance of the data in the warehouse")
def get_sources(wh: Warehouse = Depends(get_wh), user: User = Reader) -> list[dict[str, Any]]:
    return records(wh.sources())


@router.get("/whoami", summary="The authenticated user and role")
def whoami(user: User = Reader) -> dict[str, str]:
    return {"name": user.name, "role": user.role}


@router.get("/criticality", summary="Criticality by the EU CRM or USGS-style method",
            response_model=Records)
def get_criticality(
    method: str = Query("eu", pattern="^(eu|usgs)$"),
    importer: str | None = Query(None, description="EU, USA, JPN, ... (default EU for the "
                                 "EU method, USA for USGS)"),
    material: str | None = None, explain: bool = False,
    wh: Warehouse = Depends(get_wh), user: User = Reader,
) -> Response:
    from mineralwatch.analytics.criticality.api import criticality

    return cached_json(wh, ("criticality", method, importer, material, explain),
                       lambda: records(criticality(
                           wh, method=method, importer=importer,  # type: ignore[arg-type]
                           material=material, explain=explain)))


@router.get("/scenarios", summary="Shipped scenario files")
def get_scenarios(user: User = Reader) -> list[dict[str, str]]:
    from mineralwatch.analytics.balance import catalogue

    return catalogue()


@router.get("/balance", summary="Supply–demand balance: a shipped scenario or the baseline")
def get_balance(
    mineral: str | None = None,
    scenario: str | None = Query(None, description="A shipped scenario name "
                                 "(GET /api/v1/scenarios)"),
    years: str | None = Query(None, pattern=r"^\d{4}(-\d{4})?$"),
    draws: int = Query(0, ge=0, le=20000), seed: int = 0,
    wh: Warehouse = Depends(get_wh), user: User = Analyst,
) -> dict[str, Any]:
    from mineralwatch.analytics.balance import balance, shipped_path

    path = None if scenario is None else shipped_path(scenario)
    res = balance(wh, mineral=mineral, scenario=path, years=years, draws=draws, seed=seed)
    return to_jsonable(res.to_json())


@router.get("/stress", summary="Which minerals go into deficit if the largest supplier cuts")
def get_stress(cuts: str = Query("10,30,50,100", pattern=r"^\d+(\.\d+)?(,\d+(\.\d+)?)*$",
                                 max_length=200, description="Cuts in %, comma-separated "
                                 f"(at most {MAX_LIST_ITEMS})."),
               wh: Warehouse = Depends(get_wh), user: User = Reader) -> list[dict[str, Any]]:
    from mineralwatch.analytics.balance import stress

    return records(stress(wh, cuts=[float(c) for c in split_list(cuts, "cuts")]))


@router.get("/shock", summary="Propagate an export cut through the trade network")
def get_shock(
    mineral: str, exporter: str, cut: float = Query(..., ge=0, le=1e12),
    targets: str | None = None, model: str = Query("proportional",
                                                    pattern="^(proportional|threshold)$"),
    wh: Warehouse = Depends(get_wh), user: User = Reader,
) -> dict[str, Any]:
    from mineralwatch.analytics.network import shock

    tg = split_list(targets, "targets") or None
    return to_jsonable(shock(wh, mineral, exporter, cut, targets=tg,
                             model=model))  # type: ignore[arg-type]


@router.get("/screen/impact", summary="A policy event's effect on trade")
def get_impact(event: str | None = None, actor: str | None = None, hs: str | None = None,
               date: str | None = None, wh: Warehouse = Depends(get_wh),
               user: User = Reader) -> dict[str, Any]:
    from mineralwatch.analytics.screening import event_impact

    codes = split_list(hs, "hs") or None
    return to_jsonable(event_impact(wh, event, actor=actor, hs=codes,
                                    date=date))


@router.get("/screen/transshipment", summary="Rank third countries by diversion evidence")
def get_transshipment(restrictor: str, target: str, hs: str, since: str,
                      wh: Warehouse = Depends(get_wh), user: User = Reader) -> dict[str, Any]:
    from mineralwatch.analytics.screening import screen_transshipment

    out = screen_transshipment(wh, restrictor, target, split_list(hs, "hs"), since,
                               with_series=False)
    return to_jsonable(out)


@router.get("/docs/search", summary="Multilingual full-text and semantic search of passages")
def get_search(q: str = Query(..., min_length=1, max_length=500), lang: str | None = None,
               since: str | None = None, until: str | None = None,
               mineral: str | None = None, country: str | None = None,
               mode: str = "hybrid", limit: int = Query(10, ge=1, le=100),
               wh: Warehouse = Depends(get_wh), user: User = Reader) -> list[dict[str, Any]]:
    from mineralwatch.documents.search import search

    return [to_jsonable(h.to_dict()) for h in search(
        wh, q, lang=lang, since=since, until=until, mineral=mineral, country=country,
        limit=limit, mode=mode)]


@router.get("/brief", summary="A cited briefing on a topic (extractive unless the server "
            "has MINERALWATCH_MODEL_URL)")
def get_brief(topic: str = Query(..., min_length=1, max_length=200), since: str | None = None,
              until: str | None = None, wh: Warehouse = Depends(get_wh),
              user: User = Reader) -> dict[str, Any]:
    from mineralwatch.documents.brief import brief
    from mineralwatch.documents.chat import ChatModel

    return to_jsonable(brief(wh, topic, since=since, until=until,
                             model=ChatModel.from_env()).to_dict())


@router.get("/docs/{doc_id}/summary", summary="A document's Core Viewpoint and grouped points")
def get_summary(doc_id: str = Path(..., min_length=1, max_length=300),
                wh: Warehouse = Depends(get_wh), user: User = Reader) -> dict[str, Any]:
    from mineralwatch.documents.summary import summarize

    return to_jsonable(summarize(wh, doc_id).to_dict())


@router.get("/docs/claims", summary="Extracted figures and the conflicts among them")
def get_claims(mineral: str | None = None, wh: Warehouse = Depends(get_wh),
               user: User = Reader) -> dict[str, Any]:
    from mineralwatch.documents.claims import claims

    return to_jsonable(claims(wh, mineral=mineral))


@router.post("/events/{event_id}/{decision}", summary="Confirm or reject an extracted event")
def post_review(event_id: str, decision: str = Path(..., pattern="^(confirm|reject)$"),
                wh: Warehouse = Depends(get_wh), user: User = Analyst) -> dict[str, str]:
    from mineralwatch.analytics.events import review_event

    review_event(wh, event_id, decision, reviewer=user.name)
    return {"id": event_id, "status": "confirmed" if decision == "confirm" else "rejected"}
