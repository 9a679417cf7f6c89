"""Scenario files: schema, readable errors naming file, line and field, event references."""

from __future__ import annotations

from pathlib import Path

import pytest

import mineralwatch as mw
from mineralwatch.analytics.balance import example_names, read_scenario, scenario_from_dict
from mineralwatch.analytics.balance.files import field_path
from mineralwatch.errors import ConfigError, UnknownCodeError
from test_balance_support import ingest_events, ingest_production, make_scenario

GOOD = """\
name: ok
mineral: Cobalt
years: 2025-2026
supply:
  - {country: Congo (Kinshasa), production: 100}
demand:
  - {sector: all, quantity: 80}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def errors_of(path: Path, wh: object = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        mw.balance(wh, scenario=path)  # type: ignore[arg-type]
    return info.value


def test_names_are_normalised(tmp_path: Path) -> None:
    s = read_scenario(write(tmp_path, GOOD))
    assert s.mineral == "cobalt"
    assert s.supply[0].country == "COD"
    assert s.year_list == [2025, 2026]
    assert s.file is not None and s.file.endswith("s.yaml")


@pytest.mark.parametrize("name", example_names())
def test_shipped_examples_validate(name: str) -> None:
    s = mw.load_scenario(name)
    assert s.name and s.source and s.description


def test_every_problem_is_reported_with_file_line_field_and_value(tmp_path: Path) -> None:
    text = GOOD.replace("mineral: Cobalt", "mineral: unobtainium").replace(
        "{country: Congo (Kinshasa), production: 100}",
        "{country: Narnia, production: 100, colour: blue}").replace(
        "quantity: 80", "quantity: -80")
    err = errors_of(write(tmp_path, text))
    by_field = {f.column: f for f in err.failures}
    assert set(by_field) == {"mineral", "supply[0].country", "supply[0].colour",
                             "demand[0].quantity"}
    assert by_field["mineral"].line == 2 and by_field["mineral"].value == "unobtainium"
    assert "unknown mineral" in by_field["mineral"].message
    assert by_field["supply[0].country"].value == "Narnia"
    assert "allowed: capacity, country" in by_field["supply[0].colour"].message
    assert ">= 0" in by_field["demand[0].quantity"].message          # negative demand
    assert all(f.file and f.file.endswith("s.yaml") for f in err.failures)
    assert "s.yaml" in str(err) and "line 5" in str(err)


@pytest.mark.parametrize(("dist", "field"), [
    ("{dist: normal, mean: 10, sd: -1}", "sd"),
    ("{dist: lognormal, median: 0, sigma: 0.1}", "median"),
    ("{dist: lognormal, median: 5, sigma: -0.1}", "sigma"),
    ("{dist: uniform, low: 3, high: 1}", "low <= high"),
    ("{dist: triangular, low: 1, mode: 5, high: 3}", "low <= mode <= high"),
    ("{dist: weibull, shape: 2}", "normal"),
])
def test_impossible_distributions_name_the_field(tmp_path: Path, dist: str,
                                                 field: str) -> None:
    text = GOOD.replace("quantity: 80", f"quantity: {dist}")
    err = errors_of(write(tmp_path, text))
    assert len(err.failures) == 1
    f = err.failures[0]
    assert f.column is not None and f.column.startswith("demand[0].quantity")
    assert field in f.column or field in f.message
    assert f.line == 7


def test_flow_modes_are_exclusive(tmp_path: Path) -> None:
    text = GOOD.replace("quantity: 80", "quantity: {value: 80, base: 70, base_year: 2024}")
    err = errors_of(write(tmp_path, text))
    assert "exactly one of value, series" in err.failures[0].message


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    err = errors_of(write(tmp_path, "name: [unclosed\n"))
    assert "not valid YAML" in str(err)
    err = errors_of(tmp_path / "nope.yaml")
    assert "No scenario file" in str(err)


def test_missing_required_fields(tmp_path: Path) -> None:
    err = errors_of(write(tmp_path, "name: x\n"))
    assert {f.column for f in err.failures} == {"mineral", "years"}
    assert all(f.message == "required field is missing" for f in err.failures)


@pytest.mark.parametrize(("policies", "needle", "field"), [
    ("- {type: export_quota, country: COD, years: 2025-2026, quantity: 10}\n"
     "  - {type: export_quota, country: COD, years: 2026, share: 0.5}",
     "overlaps policies[0]", "policies[1].years"),
    ("- {type: export_quota, country: COD, quantity: 10}\n"
     "  - {type: export_ban, country: COD, years: 2026}",
     "contradicts policies[0]", "policies[1].type"),
    ("- {type: export_ban, country: COD, targets: [USA]}\n"
     "  - {type: export_licence, country: COD, share: 0.5}",
     "overlaps policies[0]", "policies[1].targets"),
    ("- {type: domestic_market_obligation, country: COD, share: 0.6}\n"
     "  - {type: processing_mandate, country: COD, share: 0.6}",
     "contradicts policies[0]", "policies[1].share"),
    ("- {type: export_quota, country: IDN, quantity: 10}", "no supply of IDN",
     "policies[0].country"),
    ("- {type: export_quota, country: COD}", "exactly one of quantity", "policies[0].quantity"),
    ("- {type: export_licence, country: COD}", "needs share", "policies[0].share"),
    ("- {type: export_ban, country: COD, targets: [USA]}\n"
     "  - {type: export_ban, country: COD, targets: [JPN], years: 2020}",
     "needs the destinations", "policies[0].targets"),
    ("- {type: processing_mandate, country: COD, to_stage: mine}", "must come after",
     "policies[0].to_stage"),
])
def test_overlapping_and_contradictory_constraints(tmp_path: Path, policies: str,
                                                   needle: str, field: str) -> None:
    err = errors_of(write(tmp_path, GOOD + "policies:\n  " + policies + "\n"))
    hits = [f for f in err.failures if needle in f.message]
    assert hits, str(err)
    assert hits[0].column == field
    assert hits[0].line is not None and hits[0].line >= 9
    assert hits[0].file is not None and Path(hits[0].file).name == "s.yaml"


def test_duplicate_supply_is_an_error(tmp_path: Path) -> None:
    text = GOOD.replace("supply:\n", "supply:\n  - {country: COD, production: 5}\n")
    err = errors_of(write(tmp_path, text))
    assert "duplicate supply" in str(err)


def test_unknown_mineral_in_the_api() -> None:
    with pytest.raises(UnknownCodeError):
        mw.balance(mw.open(":memory:"), mineral="unobtainium")


def test_mineral_must_match_the_scenario() -> None:
    with pytest.raises(ConfigError, match="about cobalt, not gallium"):
        mw.balance(mineral="gallium", scenario="cobalt_seed")


def test_field_path_drops_union_tags() -> None:
    assert field_path(("supply", 0, "production", "value", "distribution", "normal",
                       "sd")) == "supply[0].production.value.sd"


def test_scenario_from_dict_rejects_non_mappings() -> None:
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        scenario_from_dict([1, 2])


# -- events ---------------------------------------------------------------------------
EVENTS = [
    {"id": "cod-cobalt-quota-2026", "actor": "COD", "measure": "export_quota",
     "minerals": ["cobalt"], "effective": "2026-01-01", "ends": "2027-12-31",
     "quantity": 96.6, "quantity_unit": "kt"},
    {"id": "chn-gallium-licence", "actor": "CHN", "measure": "export_licence_dual_use",
     "minerals": ["gallium", "germanium"], "effective": "2023-08-01"},
    {"id": "usa-ndpr-floor", "actor": "USA", "measure": "price_floor",
     "minerals": ["cobalt"]},
    {"id": "cod-quota-per-year", "actor": "COD", "measure": "export_quota",
     "minerals": ["cobalt"], "effective": "2026-01-01", "ends": "2027-12-31",
     "quantity": 96600.0, "quantity_unit": "t/yr"},
]


def event_scenario(tmp_path: Path, policies: str, mineral: str = "cobalt") -> Path:
    text = (f"name: ev\nmineral: {mineral}\nyears: 2025-2027\nsupply:\n"
            "  - {country: COD, production: 200000}\n  - {country: CHN, production: 500}\n"
            "demand:\n  - {sector: all, quantity: 150000}\npolicies:\n  " + policies + "\n")
    return write(tmp_path, text)


def test_event_reference_resolves_through_the_register(wh, tmp_path: Path) -> None:
    ingest_events(wh, EVENTS)
    res = mw.balance(wh, scenario=event_scenario(tmp_path, "- {event: cod-cobalt-quota-2026}"))
    p = res.scenario.policies[0]
    assert (p.type, p.country, p.years, p.quantity) == ("export_quota", "COD", (2026, 2027),
                                                        96600.0)
    df = res.frame()
    assert df["supply"].tolist() == [200500.0, 97100.0, 97100.0]


def test_event_quantity_per_year_units(wh, tmp_path: Path) -> None:
    from mineralwatch.analytics.balance.events import annual_unit

    assert [annual_unit(u) for u in ("t/yr", "kt per year", "t/a", "t", "Mt / year")] == [
        "t", "kt", "t", "t", "Mt"]
    ingest_events(wh, EVENTS)
    res = mw.balance(wh, scenario=event_scenario(tmp_path, "- {event: cod-quota-per-year}"))
    assert res.scenario.policies[0].quantity == 96600.0


def test_scenario_fields_override_the_event(wh, tmp_path: Path) -> None:
    ingest_events(wh, EVENTS)
    path = event_scenario(tmp_path, "- {event: cod-cobalt-quota-2026, quantity: 50000, "
                          "years: 2027}")
    res = mw.balance(wh, scenario=path)
    assert res.frame()["supply"].tolist() == [200500.0, 200500.0, 50500.0]


def test_unknown_event_names_file_line_and_field(wh, tmp_path: Path) -> None:
    ingest_events(wh, EVENTS)
    path = event_scenario(tmp_path, "- {event: cod-cobalt-quota-2026}\n"
                          "  - {event: no-such-event}")
    err = errors_of(path, wh)
    [f] = err.failures
    assert (f.column, f.value, f.line) == ("policies[1].event", "no-such-event", 11)
    assert f.file == str(path)


def test_event_about_another_mineral_or_without_volume_effect(wh, tmp_path: Path) -> None:
    ingest_events(wh, EVENTS)
    err = errors_of(event_scenario(tmp_path, "- {event: chn-gallium-licence, share: 0.5}"),
                    wh)
    assert "concerns ['gallium', 'germanium'], not cobalt" in str(err)
    err = errors_of(event_scenario(tmp_path, "- {event: usa-ndpr-floor}"), wh)
    assert "no volume effect" in str(err)


def test_licence_event_needs_a_share(wh, tmp_path: Path) -> None:
    ingest_events(wh, EVENTS)
    path = event_scenario(tmp_path, "- {event: chn-gallium-licence}", mineral="gallium")
    err = errors_of(path, wh)
    assert any(f.column == "policies[0].share" for f in err.failures)
    path = event_scenario(tmp_path, "- {event: chn-gallium-licence, share: 0.5}",
                          mineral="gallium")
    res = mw.balance(wh, scenario=path)
    assert res.frame()["supply"].tolist() == [200250.0] * 3


def test_events_need_a_warehouse(tmp_path: Path) -> None:
    err = errors_of(event_scenario(tmp_path, "- {event: cod-cobalt-quota-2026}"))
    assert "no warehouse" in str(err)


def test_baseline_from_warehouse_production(wh) -> None:
    ingest_production(wh, [("cobalt", "mine", "COD", 2024, 220000),
                           ("cobalt", "mine", "IDN", 2024, 28000),
                           ("cobalt", "mine", "WLD", 2024, 290000),
                           ("cobalt", "mine", "COD", 2023, 175000)])
    s = make_scenario(supply=[], demand=250000, baseline=True,
                      policies=[{"type": "export_quota", "country": "COD",
                                 "quantity": 96600}])
    res = mw.balance(wh, scenario=s)
    assert res.frame()["supply"].tolist() == [96600.0 + 28000 + 42000] * 3
    base = mw.balance(wh, mineral="cobalt", years="2024-2026")
    assert base.frame()["balance"].tolist() == [0.0, 0.0, 0.0]     # production proxy
    assert "production proxy" in (base.scenario.description or "")


def test_baseline_without_production_is_an_error(wh) -> None:
    s = make_scenario(supply=[], demand=1, baseline=True)
    with pytest.raises(ConfigError, match="no cobalt production"):
        mw.balance(wh, scenario=s)
