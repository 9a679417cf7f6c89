"""The policy-event register: the curated file, the YAML loader's errors, load_events and the
``events`` command. Expected dates are those of the official instruments (MOFCOM/GAC
announcements, ARECOMS decisions) and of ../shared/validation/seed_cases.yaml."""

from __future__ import annotations

import contextlib
import io
import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

import mineralwatch as mw
from mineralwatch.analytics.events import load_events, related_minerals, review_event
from mineralwatch.cli import main
from mineralwatch.cli.events import JSON_FIELDS
from mineralwatch.errors import ConfigError, InputError, NotFoundError, UnknownCodeError
from mineralwatch.schema import MEASURES
from mineralwatch.sources.events import read_events, register_path
from mineralwatch.store.ingest import ingest_file


@pytest.fixture(scope="module")
def register():  # type: ignore[no-untyped-def]
    return read_events()


@pytest.fixture()
def loaded(wh):  # type: ignore[no-untyped-def]
    ingest_file(wh, "events", register_path())
    return wh


def event(df, event_id: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    hit = df[df["id"] == event_id]
    assert len(hit) == 1, event_id
    return hit.iloc[0].to_dict()  # type: ignore[no-any-return]


# -- the curated register ------------------------------------------------------------------
def test_register_loads_and_every_event_is_cited(register) -> None:  # type: ignore[no-untyped-def]
    assert len(register) >= 25
    assert register["id"].is_unique
    assert set(register["status"]) == {"confirmed"}
    for _, row in register.iterrows():
        cites = json.loads(row["citations"])
        assert cites, row["id"]
        assert any(c.get("url") or c.get("document") for c in cites), row["id"]


_INSTRUMENT_NUMBER = re.compile(r"(No\.|n°|第\s*\d+\s*号|Statutory Instrument|Decision|Regulation|"
                                r"Order|contract|solicitation|press release)", re.IGNORECASE)


def test_every_event_cites_a_url_or_a_numbered_instrument(register) -> None:  # type: ignore[no-untyped-def]
    """A citation must be checkable: a URL, or an official document named by its number."""
    for _, row in register.iterrows():
        cites = json.loads(row["citations"])
        checkable = [c for c in cites if c.get("url") or (
            c.get("kind") == "official" and _INSTRUMENT_NUMBER.search(c.get("document") or ""))]
        assert checkable, f"{row['id']}: no citation with a URL or an instrument number"


def test_new_register_entries(register) -> None:  # type: ignore[no-untyped-def]
    zwe = event(register, "zwe-mmmd-2022-si213")
    assert (zwe["actor"], zwe["measure"], json.loads(zwe["minerals"])) == (
        "ZWE", "export_prohibition", ["lithium"])
    assert "lithium" in json.loads(event(register, "zwe-mmmd-2023-si5")["minerals"])
    dla = register[register["id"].str.startswith("usa-dla-2025-")]
    assert set(dla["measure"]) == {"stockpile"}
    assert {m for ms in dla["minerals"].map(json.loads) for m in ms} == {
        "cobalt", "antimony", "scandium"}
    # the de-minimis part of No. 61 is suspended together with the rest by No. 70
    susp = register[register["suspends"] == "chn-mofcom-2025-61-deminimis"]
    assert list(susp["ends"]) == [date(2026, 11, 10)]


def test_suspensions_point_to_events_of_the_register(register) -> None:  # type: ignore[no-untyped-def]
    ids = set(register["id"])
    susp = register[register["measure"] == "suspension_of_measure"]
    assert len(susp) >= 8
    assert set(susp["suspends"]) <= ids


@pytest.mark.parametrize(("event_id", "announced", "effective", "ends"), [
    ("chn-mofcom-gac-2023-23", "2023-07-03", "2023-08-01", None),      # gallium, germanium
    ("chn-mofcom-gac-2023-39", "2023-10-20", "2023-12-01", None),      # graphite
    ("chn-mofcom-gac-2024-33", "2024-08-15", "2024-09-15", None),      # antimony
    ("chn-mofcom-2024-46-ban", "2024-12-03", "2024-12-03", None),      # ban on exports to US
    ("chn-mofcom-gac-2025-10", "2025-02-04", "2025-02-04", None),      # W, Te, Bi, Mo, In
    ("chn-mofcom-gac-2025-18", "2025-04-04", "2025-04-04", None),      # Sm, Gd, Tb, Dy, Lu...
    ("chn-mofcom-gac-2025-57", "2025-10-09", "2025-11-08", None),      # Ho, Er, Tm, Eu, Yb
    ("chn-mofcom-gac-2025-70-s57", "2025-11-07", "2025-11-07", "2026-11-10"),
    ("chn-mofcom-2025-72-ban", "2025-11-09", "2025-11-09", "2026-11-27"),
    ("cod-arecoms-2025-001", "2025-02-22", "2025-02-22", "2025-06-21"),
    ("idn-esdm-2019-11", "2019-09-02", "2020-01-01", None),
    # corrections against the sources cited in the register (issue 15):
    ("chn-mofcom-2025-61", "2025-10-09", "2025-10-09", None),            # in force on issue
    ("chn-mofcom-2025-61-deminimis", "2025-10-09", "2025-12-01", None),  # 0.1 % rule
    ("cod-arecoms-2025-quota-2025", "2025-09-20", "2025-10-16", "2026-03-31"),
    ("usa-dod-2025-mp-price-floor", "2025-07-10", "2025-10-01", "2035-09-30"),
    ("zwe-mmmd-2022-si213", "2022-12-20", "2022-12-20", "2023-01-05"),    # raw lithium ore
    ("zwe-mmmd-2023-si5", None, "2023-01-06", None),                    # all base-mineral ores
    ("usa-doc-2025-s232-pcm", "2025-04-15", "2025-04-22", None),
    ("usa-dla-2025-antimony", "2025-09-23", "2025-09-23", None),
])
def test_key_dates(register, event_id, announced, effective, ends) -> None:  # type: ignore[no-untyped-def]
    e = event(register, event_id)
    as_iso = {k: (e[k].isoformat() if e[k] else None) for k in ("announced", "effective", "ends")}
    assert as_iso == {"announced": announced, "effective": effective, "ends": ends}


def test_minerals_and_quantities(register) -> None:  # type: ignore[no-untyped-def]
    five = json.loads(event(register, "chn-mofcom-gac-2025-10")["minerals"])
    assert set(five) == {"tungsten", "tellurium", "bismuth", "molybdenum", "indium"}
    seven = json.loads(event(register, "chn-mofcom-gac-2025-18")["minerals"])
    assert set(seven) == {"samarium", "gadolinium", "terbium", "dysprosium", "lutetium",
                          "scandium", "yttrium"}
    us = event(register, "chn-mofcom-2024-46-ban")
    assert json.loads(us["target"]) == ["USA"]
    assert {"gallium", "germanium", "antimony"} <= set(json.loads(us["minerals"]))
    q25, q26 = (event(register, f"cod-arecoms-2025-quota-{p}") for p in ("2025", "2026-2027"))
    assert (q25["quantity"], q25["quantity_unit"]) == (18125, "t")
    assert (q26["quantity"], q26["effective"], q26["ends"]) == (
        96600, date(2026, 1, 1), date(2027, 12, 31))
    october = register[register["announced"] == date(2025, 10, 9)]
    assert {i.rsplit("-", 1)[-1] for i in october["id"]} >= {"55", "56", "57", "58", "61", "62"}


def test_hs_codes_are_hs6_or_longer(register) -> None:  # type: ignore[no-untyped-def]
    for codes in register["hs_codes"].map(json.loads):
        assert all(c.isdigit() and 6 <= len(c) <= 10 for c in codes)
    assert "811292" in json.loads(event(register, "chn-mofcom-gac-2023-23")["hs_codes"])
    assert "260500" in json.loads(event(register, "cod-arecoms-2025-001")["hs_codes"])


@pytest.mark.shared_data
def test_seed_events_are_present(register) -> None:  # type: ignore[no-untyped-def]
    from conftest import VALIDATION

    cases = yaml.safe_load((VALIDATION / "seed_cases.yaml").read_text("utf-8"))["events"]
    rows = register.to_dict("records")
    for case in cases:
        wanted = [mw.codes.minerals.to_id(m) for m in case["minerals"]]
        hits = [r for r in rows if r["actor"] == case["actor"] and r["measure"] == case["measure"]
                and all(related_minerals(m) & set(json.loads(r["minerals"])) for m in wanted)]
        for key in ("announced", "effective"):
            if key in case:
                hits = [r for r in hits if r[key] == case[key]]
        if "quantity" in case:
            hits = [r for r in hits if r["quantity"] == case["quantity"]["value"]]
        if "period" in case:
            first, last = (int(y) for y in str(case["period"]).split("-"))
            hits = [r for r in hits if r["effective"] and r["effective"].year == first
                    and r["ends"] and r["ends"].year == last]
        assert hits, case


# -- errors in a register -------------------------------------------------------------------
GOOD = """
- id: ok-1
  actor: CHN
  measure: export_quota
  minerals: [tungsten]
  announced: 2025-01-01
  citations: [{url: "https://example.org/notice"}]
"""


def bad(tmp_path: Path, text: str) -> InputError:
    path = tmp_path / "register.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_events(path)
    assert "register.yaml" in str(err.value)
    return err.value


def test_good_register_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(GOOD, encoding="utf-8")
    row = read_events(path).iloc[0]
    assert row["status"] == "confirmed"
    assert json.loads(row["target"]) == ["ALL"]
    assert "261100" in json.loads(row["hs_codes"])  # default: the minerals' HS6 codes


def test_unknown_measure_lists_the_allowed_ones(tmp_path: Path) -> None:
    err = bad(tmp_path, GOOD.replace("export_quota", "export_ban"))
    (f,) = err.failures
    assert "'ok-1'" in f.message and f.column == "measure" and f.value == "export_ban"
    assert f.line == 4
    assert all(m in f.message for m in MEASURES)


def test_unknown_mineral_and_country(tmp_path: Path) -> None:
    err = bad(tmp_path, GOOD.replace("[tungsten]", "[tungsten, unobtainium]")
              .replace("actor: CHN", "actor: Narnia"))
    fields = {f.column: f.value for f in err.failures}
    assert fields == {"minerals": "unobtainium", "actor": "Narnia"}


def test_bad_dates_and_order(tmp_path: Path) -> None:
    err = bad(tmp_path, GOOD.replace("announced: 2025-01-01",
                                     "announced: 2025-13-01\n  effective: 2025-05-01\n"
                                     "  ends: 2025-04-01"))
    fields = {f.column for f in err.failures}
    assert fields == {"announced", "ends"}


def test_duplicate_ids_and_dangling_suspends(tmp_path: Path) -> None:
    second = GOOD.replace("export_quota", "suspension_of_measure").replace(
        "minerals:", "suspends: nowhere\n  minerals:")
    err = bad(tmp_path, GOOD + second)
    messages = " ".join(f.message for f in err.failures)
    assert "duplicate id" in messages and "#1" in messages
    assert any(f.column == "suspends" and f.value == "nowhere" for f in err.failures)


def test_unknown_field_missing_citation_bad_hs(tmp_path: Path) -> None:
    text = GOOD.replace("  citations: [{url: \"https://example.org/notice\"}]\n",
                        "  efective: 2025-02-01\n  hs_codes: [\"81129\"]\n")
    err = bad(tmp_path, text)
    assert {f.column for f in err.failures} == {"efective", "hs_codes", "citations"}


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    err = bad(tmp_path, GOOD + "- id: [unclosed\n")
    bad_line = GOOD.count("\n") + 1                  # the line that opens the bracket
    assert err.failures[0].line in (bad_line, bad_line + 1)  # libyaml reports the end


def test_not_a_list(tmp_path: Path) -> None:
    bad(tmp_path, "id: x\n")


# -- load_events ------------------------------------------------------------------------------
def test_mineral_groups_match_both_ways(loaded) -> None:  # type: ignore[no-untyped-def]
    dy = load_events(loaded, "dysprosium")
    assert {"chn-mofcom-gac-2025-18", "chn-mofcom-2025-62"} <= set(dy["id"])  # Dy; rare_earths
    assert "chn-mofcom-gac-2025-57" not in set(dy["id"])  # Ho, Er ... not Dy
    ree = load_events(loaded, "Rare earths")
    assert {"chn-mofcom-gac-2025-57", "chn-mofcom-gac-2025-18", "usa-dod-2025-mp-price-floor",
            "chn-mofcom-2025-62"} <= set(ree["id"])
    assert set(load_events(loaded, "镓")["id"]) >= {"chn-mofcom-gac-2023-23"}


def test_filters(loaded) -> None:  # type: ignore[no-untyped-def]
    cod = load_events(loaded, actor="Congo (Kinshasa)")
    assert set(cod["actor"]) == {"COD"} and len(cod) == 5
    recent = load_events(loaded, since="2025-11-01")
    assert recent["announced"].min() >= date(2025, 11, 1)
    dates = load_events(loaded)["announced"].dropna().tolist()
    assert dates == sorted(dates)
    assert load_events(loaded, status="extracted").empty
    with pytest.raises(ConfigError):
        load_events(loaded, status="maybe")
    with pytest.raises(ConfigError):
        load_events(loaded, since="last week")
    with pytest.raises(UnknownCodeError):
        load_events(loaded, "unobtainium")


def test_review_event(loaded) -> None:  # type: ignore[no-untyped-def]
    review_event(loaded, "idn-esdm-2019-11", "reject")
    assert "idn-esdm-2019-11" in set(load_events(loaded, status="rejected")["id"])
    with pytest.raises(NotFoundError):
        review_event(loaded, "nope", "confirm")


def test_public_api(loaded) -> None:  # type: ignore[no-untyped-def]
    assert mw.events is load_events
    cobalt = mw.events(loaded, "cobalt")  # DR Congo's five, the DLA tender, Section 232
    assert len(cobalt) == 7 and set(cobalt["actor"]) == {"COD", "USA"}


# -- the events command -------------------------------------------------------------------------
def run_json(args: list[str]) -> tuple[int, object]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(args)
    return code, json.loads(buf.getvalue()) if code == 0 else None


def test_cli_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with mw.open(path) as wh:
        ingest_file(wh, "events", register_path())
    code, out = run_json(["events", "--mineral", "cobalt", "--format", "json", "-w", str(path)])
    assert code == 0 and isinstance(out, list) and len(out) == 7
    for rec in out:
        assert list(rec) == JSON_FIELDS
        assert isinstance(rec["minerals"], list) and isinstance(rec["target"], list)
        assert isinstance(rec["citations"], list) and rec["citations"]
        for key in ("announced", "effective", "ends"):
            assert rec[key] is None or date.fromisoformat(rec[key])
    quota = next(r for r in out if r["id"] == "cod-arecoms-2025-quota-2026-2027")
    assert (quota["quantity"], quota["quantity_unit"]) == (96600, "t/yr")
    code, out = run_json(["events", "--actor", "USA", "--status", "all", "--since",
                          "2025-01-01", "--format", "json", "-w", str(path)])
    # in order of announcement; the DLA cobalt tender has no verified date, so --since drops it
    assert [r["id"] for r in out] == [  # type: ignore[union-attr]
        "usa-doc-2025-s232-pcm", "usa-dod-2025-mp-price-floor", "usa-dla-2025-scandium",
        "usa-dla-2025-antimony"]


def test_cli_empty_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    mw.open(path).close()
    assert run_json(["events", "--format", "json", "-w", str(path)]) == (0, [])
    assert main(["events", "--mineral", "unobtainium", "-w", str(path)]) == 2


def test_events_table_rows_are_readable() -> None:
    from mineralwatch.cli.events import table_rows

    base = {"id": "e1", "actor": "CHN", "measure": "export_licence_dual_use",
            "minerals": ["gallium", "germanium"], "effective": "2023-08-01", "ends": None,
            "quantity": float("nan"), "quantity_unit": None, "title": "Licensing"}
    rows = table_rows(pd.DataFrame([base]))
    assert list(rows.columns) == ["id", "actor", "measure", "minerals", "effective", "title"]
    assert rows.loc[0, "measure"] == "export licence dual use"
    assert rows.loc[0, "minerals"] == "gallium, germanium"
    quota = {**base, "id": "e2", "measure": "export_quota", "ends": "2027-12-31",
             "quantity": 96600.0, "quantity_unit": "t"}
    rows = table_rows(pd.DataFrame([base, quota]))
    assert "ends" in rows.columns and list(rows["quantity"]) == ["", "96,600 t"]
