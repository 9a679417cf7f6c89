"""``mineralwatch criticality``: EU CRM or USGS criticality for any importer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mineralwatch.cli._common import Format, FormatOpt, WarehouseOpt, console, emit, open_wh

#: Columns shown in the table format per method (JSON and CSV carry every field), with
#: their headers and number formats. Importer and method are in the title.
TABLE_COLUMNS = {
    "eu": ("material", "sr", "ei", "stage", "sr_extraction", "sr_processing", "label"),
    "usgs": ("material", "sr", "dp", "te", "ev", "stage", "label"),
}
TABLE_LABELS = {
    "eu": {"sr": "SR", "ei": "EI", "sr_extraction": "SR extr.", "sr_processing": "SR proc.",
           "label": "classification"},
    "usgs": {"sr": "risk", "dp": "DP", "te": "TE", "ev": "EV", "label": "classification"},
}
TABLE_FORMATS = {
    "eu": dict.fromkeys(("sr", "ei", "sr_extraction", "sr_processing"), ".2f"),
    "usgs": {"sr": ".2f", **dict.fromkeys(("dp", "te", "ev"), ".2f")},
}


def register(app: typer.Typer) -> None:
    """Add the ``criticality`` command to ``app``."""

    @app.command("criticality", help="Criticality of materials for an importer: the EU CRM "
                 "method (supply risk and economic importance, SR >= 1.0 and EI >= 2.8) or the "
                 "USGS method of Nassar & Fortier 2021 (disruption potential, trade exposure, "
                 "economic vulnerability; critical from 0.40). Each material is critical, not "
                 "critical, or undetermined with the reason. EU study names are accepted as "
                 "material names.")
    def criticality_cmd(
        method: Annotated[str, typer.Option("--method", "-m", help="eu or usgs.")] = "eu",
        importer: Annotated[str | None, typer.Option(
            "--importer", "-i", help="Importing country or region (EU, USA, JPN, India...). "
            "Default: EU for --method eu, USA for usgs.")] = None,
        material: Annotated[list[str] | None, typer.Option(
            "--material", help="Material (repeatable); default: all assessed.")] = None,
        explain: Annotated[bool, typer.Option(
            "--explain", help="Show what makes up each score and what would change the "
            "classification.")] = False,
        sourcing: Annotated[Path | None, typer.Option(
            "--sourcing", help="CSV of the importer's sourcing shares (mineral, country, "
            "share[, stage, importer, t]).")] = None,
        wgi_year: Annotated[int | None, typer.Option(
            "--wgi-year", help="WGI vintage (default 2021, as the 2023 study).")] = None,
        sr_threshold: Annotated[float | None, typer.Option(help="SR threshold (1.0).")] = None,
        ei_threshold: Annotated[float | None, typer.Option(help="EI threshold (2.8).")] = None,
        warehouse: WarehouseOpt = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from mineralwatch.analytics.criticality.api import criticality
        from mineralwatch.analytics.criticality.options import CriticalityOptions
        from mineralwatch.errors import InputError

        if method not in ("eu", "usgs"):
            raise InputError(f"Unknown method {method!r}.", hint="Use --method eu or usgs.")
        options = CriticalityOptions.model_validate(
            {k: v for k, v in (("wgi_year", wgi_year), ("sr_threshold", sr_threshold),
                               ("ei_threshold", ei_threshold)) if v is not None})
        frame = None
        if sourcing is not None:
            from mineralwatch.sources.import_shares import read_import_shares

            frame = read_import_shares(sourcing, importer=importer)
            if importer is None:
                importer = str(frame["scope"].iloc[0])
        with open_wh(warehouse, read_only=True, create=False) as wh:
            df = criticality(wh, method=method,  # type: ignore[arg-type]
                             importer=importer, material=material or None, explain=explain,
                             sourcing=frame, options=options)
        records: list[dict[str, Any]] = [
            {str(k): v for k, v in r.items()} for r in df.to_dict(orient="records")]
        if fmt != Format.table:
            emit(records, fmt)
            return
        from mineralwatch.codes import countries

        who = str(records[0]["importer"]) if records else str(importer)
        title = (f"Criticality ({'EU CRM 2023 method' if method == 'eu' else 'USGS method'}), "
                 f"importer {countries.short_label(who)}")
        emit(records, fmt, title=title, columns=TABLE_COLUMNS[method],
             labels=TABLE_LABELS[method], formats=TABLE_FORMATS[method],
             caption="SR/EI on the EU CRM scale; critical: SR >= "
             f"{options.sr_threshold} and EI >= {options.ei_threshold}; undetermined where a "
             "score is unknown ('critical on supply risk alone': SR reaches its threshold, "
             "EI unknown)" if method == "eu"
             else f"risk = (DP x TE x EV)^(1/3) on 0-1 (Nassar & Fortier 2021); critical "
             f"from {options.usgs_threshold:.2f}")
        for r in records:
            notes = [n for n in r.get("notes") or [] if n]
            if explain:
                _print_explain(r)
            if notes and (explain or len(records) == 1):
                console.print(f"[dim]{r['material']}: " + "; ".join(notes) + "[/dim]",
                              markup=True, highlight=False)


def _print_explain(r: dict[str, Any]) -> None:
    from rich.markup import escape

    ex = r.get("explain") or {}
    sr = r.get("sr")
    score = "unknown" if sr is None or sr != sr else f"{sr:.2f}"
    console.print(f"\n[bold]{escape(str(r['material']))}[/bold] — bottleneck "
                  f"{ex.get('stage')}, {'risk' if r.get('method') == 'usgs' else 'SR'} "
                  f"{score}; {escape(str(r.get('label') or r.get('classification')))}")
    for label, key in (("global supply", "global_supply"), ("sourcing", "sourcing"),
                       ("disruption potential", "disruption_potential")):
        rows = ex.get(key) or []
        if rows:
            parts = [f"{c['country']} {c['share']:.0%} (WGI {c['wgi']:.1f}, t {c['t']:.1f}): "
                     f"{c.get('pct_of_hhi', float('nan')):.0%}" for c in rows[:5]]
            console.print(f"  {label}: " + "; ".join(parts), highlight=False, markup=False)
    for k, v in (ex.get("effects") or {}).items():
        console.print(f"  {k}: SR {v['sr']:.2f} (change {v['change']:+.2f})",
                      highlight=False, markup=False)
    for s in ex.get("would_change") or []:
        console.print(f"  - {s}", highlight=False, markup=False)
