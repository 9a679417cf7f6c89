"""``mineralwatch screen impact|transshipment``: trade effects of policy events.

JSON output (``--format json``) is documented in ``docs/json.md``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mineralwatch.cli._common import (
    Format,
    FormatOpt,
    WarehouseOpt,
    emit,
    err_console,
    open_wh,
)


def impact_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Readable rows of ``screen impact``."""
    def num(v: float | None, f: str) -> str:
        return "" if v is None else format(v, f)

    return [{"partner": e["partner"], "before t/mo": num(e["before"], ",.1f"),
             "after t/mo": num(e["after"], ",.1f"),
             "adj. change %": num(e["change_pct"], "+.1f"),
             "95% CI": ("" if e["ci_low_pct"] is None else
                        f"{e['ci_low_pct']:+.0f}..{e['ci_high_pct']:+.0f}"),
             "p": num(e["p_value"], ".3g"), "significant": "yes" if e["significant"] else "",
             "note": e["note"] or ""}
            for e in [*report["effects"], report["total"]]]


def transshipment_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Readable rows of ``screen transshipment``: score and the evidence per indicator."""
    rows = []
    for c in report["candidates"]:
        ev = {e["indicator"]: e["evidence"] for e in c["evidence"]}
        rows.append({"country": c["country"], "score": f"{c['score']:.2f}",
                     "flagged": "FLAG" if c["flagged"] else "",
                     **{k: f"{v:.2f}" for k, v in ev.items()}})
    return rows


def register(app: typer.Typer) -> None:
    """Add the ``screen`` command group to ``app``."""
    screen = typer.Typer(help="Screen trade for the effects of policy events and for their "
                         "circumvention through third countries.", no_args_is_help=True)

    @screen.command("impact", help="Effect of a policy event on the actor's exports, per "
                    "partner (seasonally adjusted, Chow break test).")
    def impact(
        event: Annotated[str | None, typer.Option(help="policy_event id.")] = None,
        actor: Annotated[str | None, typer.Option(help="Acting exporter (ISO3).")] = None,
        hs: Annotated[str | None, typer.Option(help="Comma-separated HS codes.")] = None,
        date: Annotated[str | None, typer.Option(help="Effective date YYYY-MM-DD.")] = None,
        target: Annotated[str | None, typer.Option(
            help="Comma-separated targeted partners (default: all).")] = None,
        warehouse: WarehouseOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from mineralwatch.analytics.screening import event_impact

        with open_wh(warehouse, read_only=True, create=False) as wh:
            report = event_impact(wh, event, actor=actor, hs=hs, date=date,
                                  target=target.split(",") if target else None)
        if fmt == Format.json:
            emit(report, fmt)
            return
        ev = report["event"]
        emit(impact_rows(report) if fmt == Format.table else report["effects"], fmt,
             title=f"{ev['actor']} HS {','.join(ev['hs'])} from {ev['date']}",
             caption=report["method"] + ". before/after: raw means of the 12 months either "
             "side; adj. change: seasonally adjusted, against the whole pre-period")

    @screen.command("transshipment", help="Rank third countries by evidence that a "
                    "restriction is circumvented through them.")
    def transshipment(
        restrictor: Annotated[str, typer.Option(help="Restricting exporter (ISO3).")],
        target: Annotated[str, typer.Option(help="Restricted importer (ISO3).")],
        hs: Annotated[str, typer.Option(help="Comma-separated HS codes.")],
        since: Annotated[str, typer.Option(help="Date the restriction took effect.")],
        mineral: Annotated[str | None, typer.Option(
            help="Mineral whose production to compare (default: from the HS codes).")] = None,
        warehouse: WarehouseOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from mineralwatch.analytics.screening import screen_transshipment

        with open_wh(warehouse, read_only=True, create=False) as wh:
            report = screen_transshipment(wh, restrictor, target, hs, since, mineral=mineral)
        if fmt == Format.json:
            emit(report, fmt)
        elif report["status"] == "insufficient data":
            err_console.print("Insufficient data: " + "; ".join(report["missing"]),
                              highlight=False)
        elif fmt == Format.csv:
            emit(report["candidates"], fmt)
        elif report["status"] == "flagged":
            emit(transshipment_rows(report), fmt,
                 title=f"{report['restrictor']} -> ? -> {report['target']}, HS "
                 f"{','.join(report['hs'])}, since {report['since']}: {report['status']}",
                 caption=" ".join(report["notes"]))
        else:
            shown = [c for c in report["candidates"] if c["score"] > 0]
            err_console.print(
                f"Nothing found: no third country shows a diversion pattern for "
                f"{report['restrictor']} -> {report['target']}, HS {','.join(report['hs'])} "
                f"since {report['since']} ({len(report['candidates'])} screened"
                + (f"; {len(shown)} with some evidence below)" if shown else ")") + ".",
                highlight=False)
            if shown:
                emit(transshipment_rows({**report, "candidates": shown}), fmt,
                     caption=" ".join(report["notes"]))
        if report["status"] != "flagged":
            raise typer.Exit(1)

    app.add_typer(screen, name="screen")
