"""Suspensions in the event register applied to ``event:`` policies of a balance scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import mineralwatch as mw
from mineralwatch.analytics.balance.events import suspension_register, suspensions_of
from mineralwatch.errors import ConfigError
from test_balance_support import ingest_events

QUOTA = {"id": "cod-quota", "actor": "COD", "measure": "export_quota", "minerals": ["cobalt"],
         "effective": "2025-01-01", "ends": "2030-12-31", "quantity": 96600.0,
         "quantity_unit": "t"}
BAN = {"id": "cod-ban", "actor": "COD", "measure": "export_prohibition",
       "minerals": ["cobalt"], "effective": "2025-01-01", "target": ["ALL"]}
OTHER = {"id": "cod-other", "actor": "COD", "measure": "export_quota", "minerals": ["cobalt"],
         "effective": "2025-01-01", "quantity": 50000.0, "quantity_unit": "t"}


def suspension(sid: str, suspends: str, effective: str, ends: str | None = None,
               **extra: Any) -> dict[str, Any]:
    return {"id": sid, "actor": "COD", "measure": "suspension_of_measure",
            "minerals": ["cobalt"], "suspends": suspends, "effective": effective,
            "ends": ends, **extra}


def scenario(tmp_path: Path, *policies: str, years: str = "2025-2030",
             name: str = "s.yaml") -> Path:
    text = (f"name: susp\nmineral: cobalt\nyears: {years}\nsupply:\n"
            "  - {country: COD, production: 200000}\n  - {country: CHN, production: 500}\n"
            "demand:\n  - {sector: all, quantity: 150000}\n"
            + ("policies:\n" + "".join(f"  - {p}\n" for p in policies) if policies else ""))
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def balances(wh: Any, path: Path) -> pd.Series:
    return mw.balance(wh, scenario=path).frame().set_index("year")["balance"]


def test_quota_suspended_years_have_no_policy_effect(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, suspension("cod-susp", "cod-quota", "2026-01-01",
                                         "2027-12-31")])
    none = balances(wh, scenario(tmp_path, name="none.yaml"))
    full = balances(wh, scenario(tmp_path, "{event: cod-quota, apply_suspensions: false}",
                                 name="full.yaml"))
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota}"))
    got = res.frame().set_index("year")["balance"]
    assert full[2025] == none[2025] - 103400             # the quota bites
    assert (got[[2026, 2027]] == none[[2026, 2027]]).all()
    assert (got[[2025, 2028, 2029, 2030]] == full[[2025, 2028, 2029, 2030]]).all()
    assert [p.years for p in res.scenario.policies] == [(2025, 2025), (2028, 2030)]
    notes = " ".join(res.meta["notes"])
    assert "suspension cod-susp (2026-01-01 to 2027-12-31)" in notes
    assert "2026 suspended" in notes and "2027 suspended" in notes
    assert "2025" not in notes.split("applied:")[1].split("split")[0]


def test_opt_out_keeps_the_full_policy(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, suspension("cod-susp", "cod-quota", "2026-01-01",
                                         "2027-12-31")])
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota, "
                                           "apply_suspensions: false}"))
    assert res.frame()["supply"].tolist() == [97100.0] * 6
    assert [p.years for p in res.scenario.policies] == [(2025, 2030)]
    [note] = res.meta["notes"]
    assert "apply_suspensions is false" in note and "cod-susp" in note


def test_rejected_or_unrelated_suspensions_are_ignored(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, OTHER,
                       suspension("cod-rejected", "cod-quota", "2026-01-01", "2027-12-31",
                                  status="rejected"),
                       suspension("cod-other-susp", "cod-other", "2025-01-01")])
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota}"))
    assert res.frame()["supply"].tolist() == [97100.0] * 6
    assert res.meta["notes"] == []
    assert suspensions_of("cod-quota", suspension_register(wh), "cobalt") == []


def test_a_suspension_about_another_mineral_does_nothing(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, suspension("cod-ni", "cod-quota", "2026-01-01",
                                         minerals=["nickel"])])
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota}"))
    assert res.frame()["supply"].tolist() == [97100.0] * 6


def test_open_ended_suspension_lasts_to_the_end_of_the_horizon(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, suspension("cod-lift", "cod-quota", "2027-01-01")])
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota}"))
    assert res.frame()["supply"].tolist() == [97100.0] * 2 + [200500.0] * 4
    assert "cod-lift (2027-01-01 to open-ended)" in res.meta["notes"][0]


def test_explicit_years_are_kept_and_still_suspended(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, suspension("cod-susp", "cod-quota", "2026-01-01",
                                         "2026-12-31")])
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota, years: 2026-2027}"))
    assert res.frame()["supply"].tolist() == [200500.0, 200500.0, 97100.0] + [200500.0] * 3
    assert [p.years for p in res.scenario.policies] == [(2027, 2027)]


def test_quota_partial_year_follows_the_half_year_rule(wh, tmp_path: Path) -> None:
    # 2026: 214 of 365 days suspended (>= half): dropped; 2027: 151 days (< half): kept
    ingest_events(wh, [QUOTA,
                       suspension("cod-s1", "cod-quota", "2026-03-01", "2026-09-30"),
                       suspension("cod-s2", "cod-quota", "2027-01-01", "2027-05-31")])
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota}"))
    assert res.frame()["supply"].tolist() == [97100.0, 200500.0] + [97100.0] * 4
    notes = " ".join(res.meta["notes"])
    assert "cod-s1" in notes and "2026 suspended (58.6% of its days in force" in notes
    assert "cod-s2" in notes and "2027 kept (41.4% of its days in force suspended" in notes


def test_ban_partial_year_is_pro_rata(wh, tmp_path: Path) -> None:
    # 184 of 365 days of 2026 suspended: the ban keeps 181/365 of its share that year
    ingest_events(wh, [BAN, suspension("cod-half", "cod-ban", "2026-07-01", "2026-12-31")])
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-ban, share: 0.5}",
                                           years="2025-2027"))
    withheld = res.frame()["withheld"].tolist()
    assert withheld == pytest.approx([100000.0, 100000.0 * 181 / 365, 100000.0])
    assert [p.share for p in res.scenario.policies] == pytest.approx([0.5, 0.5 * 181 / 365,
                                                                      0.5])
    assert "2026 at 49.6% of its share (50.4% of its days in force suspended)" in (
        res.meta["notes"][0])


def test_a_suspension_of_the_suspension_reinstates_the_measure(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA,
                       suspension("cod-susp", "cod-quota", "2026-01-01", "2028-12-31"),
                       suspension("cod-unsusp", "cod-susp", "2027-01-01"),
                       suspension("cod-rej", "cod-susp", "2026-01-01", status="rejected")])
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota}"))
    assert res.frame()["supply"].tolist() == [97100.0, 200500.0] + [97100.0] * 4
    assert "itself suspended by cod-unsusp" in res.meta["notes"][0]


def test_starter_register_suspends_the_us_gallium_ban(tmp_path: Path) -> None:
    """MOFCOM No. 72 of 2025 suspends the US ban (No. 46 of 2024) 2025-11-09..2026-11-27."""
    wh = mw.load_example()
    text = ("name: ga\nmineral: gallium\nyears: 2024-2028\nsupply:\n"
            "  - {country: CHN, production: 1000, destinations: {USA: 0.2}}\n"
            "demand:\n  - {sector: all, quantity: 900}\npolicies:\n"
            "  - {event: chn-mofcom-2024-46-ban}\n")
    path = tmp_path / "ga.yaml"
    path.write_text(text, encoding="utf-8")
    res = mw.balance(wh, scenario=path)
    withheld = res.frame().set_index("year")["withheld"]
    assert withheld[[2024, 2027, 2028]].tolist() == [200.0] * 3
    assert withheld[2025] == pytest.approx(200 * (1 - 53 / 365))     # from 2025-11-09
    assert withheld[2026] == pytest.approx(200 * (1 - 331 / 365))    # to 2026-11-27
    assert "suspension chn-mofcom-2025-72-ban (2025-11-09 to 2026-11-27)" in (
        res.meta["notes"][0])
    opt_out = tmp_path / "full.yaml"
    opt_out.write_text(text.replace("46-ban}", "46-ban, apply_suspensions: no}"),
                       encoding="utf-8")
    assert mw.balance(wh, scenario=opt_out).frame()["withheld"].tolist() == [200.0] * 5


def test_starter_register_licence_never_in_force_before_suspension(tmp_path: Path) -> None:
    """No. 57 of 2025 took effect 2025-11-08, suspended from 2025-11-07 to 2026-11-10."""
    wh = mw.load_example()
    path = tmp_path / "ho.yaml"
    path.write_text("name: ho\nmineral: holmium\nyears: 2025-2027\nsupply:\n"
                    "  - {country: CHN, production: 100}\n"
                    "demand:\n  - {sector: all, quantity: 90}\npolicies:\n"
                    "  - {event: chn-mofcom-gac-2025-57, share: 0.4}\n", encoding="utf-8")
    res = mw.balance(wh, scenario=path)
    assert res.frame()["withheld"].tolist() == pytest.approx([0.0, 40 * 51 / 365, 40.0])
    assert [p.years for p in res.scenario.policies] == [(2026, 2026), (2027, 2027)]


def test_split_policies_keep_file_indices_in_errors(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, suspension("cod-susp", "cod-quota", "2026-01-01",
                                         "2026-12-31")])
    path = scenario(tmp_path, "{event: cod-quota}", "{type: export_ban, country: IDN}")
    with pytest.raises(ConfigError) as info:
        mw.balance(wh, scenario=path)
    [f] = info.value.failures
    assert (f.column, f.line, f.file) == ("policies[1].country", 11, str(path))


def test_uncertain_numbers_of_split_pieces_are_drawn_together(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, suspension("cod-susp", "cod-quota", "2026-01-01",
                                         "2026-12-31")])
    path = scenario(tmp_path, "{event: cod-quota, quantity: {dist: normal, mean: 96600, "
                    "sd: 5000}}")
    res = mw.balance(wh, scenario=path, draws=200)
    a, b = res.scenario.policies
    assert a.quantity == b.quantity and a.quantity.rho == 1.0  # type: ignore[union-attr]
    mc = res.frame().set_index("year")
    assert mc.loc[2025, "p10"] == mc.loc[2027, "p10"] != mc.loc[2026, "p10"]


def test_rejected_event_cannot_be_referenced(wh, tmp_path: Path) -> None:
    ingest_events(wh, [{**QUOTA, "status": "rejected"}])
    with pytest.raises(ConfigError, match="rejected in review") as info:
        mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota}"))
    assert info.value.failures[0].column == "policies[0].event"


@pytest.mark.parametrize(("policy", "message"), [
    ("{event: cod-quota, apply_suspensions: maybe}", "valid boolean"),
    ("{type: export_quota, country: COD, quantity: 1, apply_suspensions: false}",
     "event references only"),
])
def test_bad_apply_suspensions_names_field_file_and_line(wh, tmp_path: Path, policy: str,
                                                         message: str) -> None:
    ingest_events(wh, [QUOTA])
    path = scenario(tmp_path, "{event: cod-quota}", policy)
    with pytest.raises(ConfigError) as info:
        mw.balance(wh, scenario=path)
    [f] = info.value.failures
    assert f.column is not None and f.column.startswith("policies[1]")
    assert (f.line, f.file) == (11, str(path)) and message in f.message
    if "maybe" in policy:
        assert f.column == "policies[1].apply_suspensions" and f.value == "maybe"


def test_policy_suspended_in_all_its_years_has_no_effect(wh, tmp_path: Path) -> None:
    ingest_events(wh, [QUOTA, suspension("cod-all", "cod-quota", "2024-06-01")])
    path = scenario(tmp_path, "{event: cod-quota}", "{type: export_ban, country: IDN}")
    with pytest.raises(ConfigError) as info:      # the dropped policy keeps indices right
        mw.balance(wh, scenario=path)
    assert [f.column for f in info.value.failures] == ["policies[1].country"]
    res = mw.balance(wh, scenario=scenario(tmp_path, "{event: cod-quota}", name="ok.yaml"))
    assert res.frame()["supply"].tolist() == [200500.0] * 6
    assert res.scenario.policies == []
    assert "suspended in all its years 2025-2030" in res.meta["notes"][-1]


def test_years_override_resolves_events_over_the_new_years(tmp_path: Path) -> None:
    """``years=`` replaces the file's years before the register is read: the open-ended
    US gallium ban and its suspension cover the years asked for, not the file's."""
    wh = mw.load_example()
    path = tmp_path / "ga.yaml"
    path.write_text("name: ga\nmineral: gallium\nyears: 2024-2025\nsupply:\n"
                    "  - {country: CHN, production: 1000, destinations: {USA: 0.2}}\n"
                    "demand:\n  - {sector: all, quantity: 900}\npolicies:\n"
                    "  - {event: chn-mofcom-2024-46-ban}\n", encoding="utf-8")
    res = mw.balance(wh, scenario=path, years="2024-2028")
    withheld = res.frame().set_index("year")["withheld"]
    assert withheld[[2024, 2027, 2028]].tolist() == [200.0] * 3
    assert withheld[2026] == pytest.approx(200 * (1 - 331 / 365))
