"""``mineralwatch balance``, ``mineralwatch scenario ...`` and ``mineralwatch stress``.

JSON output (``--format json``) is documented in ``docs/json.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from mineralwatch.cli._common import (
    DrawsOpt,
    Format,
    FormatOpt,
    SeedOpt,
    WarehouseOpt,
    YearsOpt,
    console,
    emit,
    open_wh,
)
from mineralwatch.errors import InputError


def parse_cuts(text: str) -> list[float]:
    """``"10,30,50,100"`` -> ``[10.0, 30.0, 50.0, 100.0]`` (percentages 0-100)."""
    try:
        cuts = [float(x) for x in text.replace("%", "").split(",") if x.strip()]
    except ValueError:
        cuts = []
    if not cuts or any(not 0 <= c <= 100 for c in cuts):
        raise InputError(f"--cuts must be comma-separated percentages in 0-100, got {text!r}.")
    return cuts


def balance_rows(res: Any) -> list[dict[str, Any]]:
    """Table rows of a result: one per year of the scenario's stage, then other stages
    (with a ``stage`` column when there are several)."""
    stages = [res.stage, *[s for s in res.table["stage"].unique() if s != res.stage]]
    rows = []
    for st in stages:
        df = res.frame(st)
        cols = ["stage"] if len(stages) > 1 else []
        cols += ["year", "supply", "demand", "balance", "withheld"]
        cols += [c for c in ("p10", "p50", "p90", "p_deficit") if c in df.columns]
        rows += [{k: r[k] for k in cols} for r in df.to_dict(orient="records")]
    return rows


def balance_cmd(
    mineral: Annotated[str | None, typer.Option("--mineral", "-m",
                                                help="Mineral (id or name).")] = None,
    scenario: Annotated[str | None, typer.Option(
        "--scenario", "-s", help="Scenario YAML file or shipped example name.")] = None,
    years: YearsOpt = None,
    draws: DrawsOpt = 0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = Format.table,
    warehouse: WarehouseOpt = None,
) -> None:
    from mineralwatch.analytics.balance import balance

    if mineral is None and scenario is None:
        raise InputError("Give --mineral M (warehouse baseline) or --scenario FILE.")
    with open_wh(warehouse) as wh:
        res = balance(wh, mineral=mineral, scenario=scenario, years=years, draws=draws,
                      seed=seed)
    if fmt == Format.json:
        emit(res.to_json(), fmt)
        return
    emit(balance_rows(res), fmt,
         title=f"{res.mineral} balance, {res.stage} ({res.unit}): {res.scenario.name}",
         caption=res.scenario.source or None)
    if fmt == Format.table:
        for note in res.meta.get("notes") or []:
            console.print(f"[yellow]note[/yellow] {note}")


def compare_cmd(
    files: Annotated[list[str], typer.Argument(help="Scenario files or example names.")],
    baseline: Annotated[bool, typer.Option(help="Add the warehouse baseline as the "
                                           "reference.")] = False,
    years: YearsOpt = None,
    draws: DrawsOpt = 0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = Format.table,
    warehouse: WarehouseOpt = None,
) -> None:
    from mineralwatch.analytics.balance import compare_scenarios

    with open_wh(warehouse) as wh:
        df = compare_scenarios(files, wh, baseline=baseline, years=years, draws=draws,
                               seed=seed)
    emit(df, fmt, title="Scenario comparison (balance = supply - demand)")


def list_cmd(fmt: FormatOpt = Format.table) -> None:
    from mineralwatch.analytics.balance import example_names, example_path, read_scenario

    rows = []
    for name in example_names():
        s = read_scenario(example_path(name))
        rows.append({"name": name, "mineral": s.mineral, "years": f"{s.years[0]}-"
                     f"{s.years[1]}", "title": s.name, "path": str(example_path(name))})
    emit(rows, fmt, title="Shipped scenarios (use the name with --scenario)",
         columns=None if fmt != Format.table else ["name", "mineral", "years", "title"])


def check_cmd(
    files: Annotated[list[Path], typer.Argument(help="Scenario files.")],
    warehouse: WarehouseOpt = None,
) -> None:
    from mineralwatch.analytics.balance import compile_scenario, load_scenario
    from mineralwatch.analytics.balance.distributions import Sampler
    from mineralwatch.analytics.balance.runner import production_rows

    with open_wh(warehouse) as wh:
        for f in files:
            s = load_scenario(f, wh)
            compile_scenario(s, Sampler(0), production_rows(wh, s.mineral))
            console.print(f"[green]ok[/green] {f}: {s.name}")


def stress_cmd(
    cuts: Annotated[str, typer.Option(help="Export cuts in percent.")] = "10,30,50,100",
    year: Annotated[int | None, typer.Option(help="Production year (default: "
                                             "latest).")] = None,
    export_share: Annotated[float, typer.Option(
        min=0, max=1, help="Share of the supplier's production that it exports.")] = 1.0,
    fmt: FormatOpt = Format.table,
    warehouse: WarehouseOpt = None,
) -> None:
    from mineralwatch.analytics.balance import stress

    with open_wh(warehouse) as wh:
        df = stress(wh, cuts=parse_cuts(cuts), year=year, export_share=export_share)
    if fmt != Format.table:
        emit(df, fmt)
        return
    table, formats = stress_table(df)
    proxy = (df["demand_basis"] == "production proxy").any() if len(df) else False
    emit(table, fmt, title="Deficit (% of demand) if the largest supplier cuts its "
         "exports by", formats=formats,
         caption="ranked by the deficit at the largest cut"
         + ("; demand = world production where no demand data (production proxy)"
            if proxy else ""))


def register(app: typer.Typer) -> None:
    """Add the balance, scenario and stress commands to ``app``."""
    app.command("balance", help="Supply–demand balance of a mineral per year: a scenario "
                "file (or shipped example name), or the warehouse baseline. "
                "balance = supply - demand; negative = deficit.")(balance_cmd)
    scenario_app = typer.Typer(help="Scenario files: list the shipped examples, check and "
                               "compare scenarios.", no_args_is_help=True)
    app.add_typer(scenario_app, name="scenario")
    scenario_app.command("compare", help="Balances of several scenarios side by side; "
                         "delta_balance is against the first (or the warehouse "
                         "baseline).")(compare_cmd)
    scenario_app.command("list", help="The scenario files shipped with mineralwatch.")(list_cmd)
    scenario_app.command("check", help="Validate scenario files; report every "
                         "problem.")(check_cmd)
    app.command("stress", help="Stress screening: if each mineral's largest supplier cuts "
                "its exports by the given percentages, which minerals go into deficit "
                "and by how much. Without demand data, world production is the demand "
                "proxy (baseline balance 0).")(stress_cmd)


def stress_table(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """:func:`~mineralwatch.analytics.balance.stress_summary` in percent, with formats."""
    from mineralwatch.analytics.balance import stress_summary

    wide = stress_summary(df).rename(columns={"supplier_share": "share %"})
    pct = [c for c in wide.columns if c == "share %" or c.endswith("% cut")]
    wide[pct] = wide[pct] * 100
    return wide, {"year": "d", **{c: ".0f" if c == "share %" else ".1f" for c in pct}}


__all__ = ["balance_rows", "parse_cuts", "register", "stress_table"]
