"""Web workbench as analysts use it: permalinks, year selector, comparison deltas, world
maps, readable screening results, formatting, the scenario catalogue and MC settings."""

from __future__ import annotations

import html as htmlmod
import json
import re

import pandas as pd
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

import mineralwatch as mw
from mineralwatch import formatting as fmt
from mineralwatch.api import create_app
from mineralwatch.api.auth import AuthStore
from mineralwatch.store import SourceInfo


def _production() -> pd.DataFrame:
    # cobalt mine production (t), USGS MCS 2024 and 2025 editions: 2023 and 2024
    rows = [(2023, "COD", 170000), (2023, "IDN", 17000), (2023, "WLD", 230000),
            (2024, "COD", 220000), (2024, "IDN", 28000), (2024, "WLD", 290000)]
    return pd.DataFrame({
        "mineral": "cobalt", "stage": "mine", "country": [c for _, c, _ in rows],
        "year": [y for y, _, _ in rows], "quantity": [float(q) for _, _, q in rows],
        "unit": "t", "basis": "content", "estimated": True, "note": None})


@pytest.fixture()
def warehouse():
    wh = mw.open(":memory:")
    wh.ingest({"production": _production()}, SourceInfo("usgs-mcs:test.csv", "usgs-mcs",
                                                        "test", "c1", "1"))
    yield wh
    wh.close()


@pytest.fixture()
def auth():
    return AuthStore(":memory:")


@pytest.fixture()
def client(warehouse, auth):
    return TestClient(create_app(warehouse, auth=auth, hosts={"testserver"}))


def _specs(text: str) -> list[dict]:
    return [json.loads(htmlmod.unescape(s)) for s in re.findall(r'data-spec="([^"]*)"', text)]


def test_year_selector_reproduces_a_year_by_url(client):
    latest = client.get("/minerals/cobalt").text
    assert '<option value="2023"' in latest and '<option value="2024"' in latest
    assert "75.9%" in latest  # 220,000 / 290,000
    old = client.get("/minerals/cobalt?year=2023")
    assert old.status_code == 200
    assert "73.9%" in old.text  # 170,000 / 230,000
    titles = [s["layout"]["title"]["text"] for s in _specs(old.text)]
    assert any("2023" in t for t in titles)
    missing = client.get("/minerals/cobalt?year=1999")
    assert missing.status_code == 404 and "2023" in missing.text


def test_maps_are_framed_on_the_whole_world(client):
    geo = next(s for s in _specs(client.get("/minerals/cobalt").text)
               if s["data"][0]["type"] == "choropleth")["layout"]["geo"]
    assert geo.get("fitbounds") in (False, None)
    assert geo["lonaxis"]["range"] == [-180, 180]
    lo, hi = geo["lataxis"]["range"]
    assert lo <= -55 and hi >= 80  # Patagonia to northern Europe


def test_scenario_comparison_is_a_permalink_with_deltas_on_one_chart(client):
    url = "/scenarios?scenario=cobalt_seed.yaml&scenario=cobalt_drc_quota.yaml&draws=0"
    r = client.get(url)
    assert r.status_code == 200
    specs = _specs(r.text)
    delta = [s for s in specs if "Balance change against" in s["layout"]["title"]["text"]]
    assert len(delta) == 1
    assert [t["name"] for t in delta[0]["data"]] == ["DR Congo cobalt quota 96,600 t/yr 2026-27"]
    # the delta is the second scenario's balance minus the first's, year by year
    a = mw.balance(scenario="cobalt_seed").frame().set_index("year")["balance"]
    b = mw.balance(scenario="cobalt_drc_quota").frame().set_index("year")["balance"]
    trace = delta[0]["data"][0]
    for year, value in zip(trace["x"], trace["y"], strict=True):
        assert value == pytest.approx(b[year] - a[year], abs=1e-3)
    assert 'checked' in r.text.split("cobalt_drc_quota.yaml")[1][:40]


def test_uploaded_scenario_is_compared_with_a_shipped_one(client):
    from mineralwatch.analytics.balance import example_path

    page = client.get("/scenarios").text
    csrf = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', page).group(1)
    own = example_path("cobalt_seed").read_text("utf-8").replace(
        "Seed cobalt case (DR Congo quota)", "My cobalt case")
    r = client.post("/scenarios/upload", data={"csrf_token": csrf, "draws": "0",
                                               "compare": ["cobalt_seed.yaml"]},
                    files={"file": ("mine.yaml", own.encode(), "text/yaml")})
    assert r.status_code == 200, r.text
    delta = [s for s in _specs(r.text) if "Balance change against" in s["layout"]["title"]["text"]]
    assert delta and delta[0]["data"][0]["name"] == "Seed cobalt case (DR Congo quota)"
    assert all(v == pytest.approx(0, abs=1e-6) for v in delta[0]["data"][0]["y"])


def test_readers_see_no_forms_they_cannot_use(client, auth):
    auth.add_user("ria", "reader-pass-1", "reader")
    tok = auth.create_token("ria")[1]
    hdr = {"Authorization": f"Bearer {tok}"}
    page = client.get("/scenarios", headers=hdr).text
    assert "Run and compare" not in page and "analyst role" in page
    run = client.get("/scenarios?scenario=cobalt_seed.yaml", headers=hdr).text
    assert "needs the analyst role" in run


def test_nothing_ticked_and_bad_draws_are_clear_errors(client):
    page = client.get("/scenarios").text
    csrf = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', page).group(1)
    r = client.post("/scenarios/run", data={"csrf_token": csrf, "draws": "0"},
                    headers={"HX-Request": "true"})
    assert r.status_code == 422 and "Choose at least one" in r.text
    bad = client.get("/scenarios?scenario=cobalt_seed.yaml&draws=999999").text
    assert "Bad number of Monte Carlo draws" in bad
    unknown = client.get("/scenarios?scenario=nope.yaml").text
    assert "No shipped scenario" in unknown


def test_screening_is_addressable_and_says_nothing_found_without_a_chart(client):
    url = "/screening?tool=transshipment&restrictor=CHN&target=USA&hs=282580&since=2024-12-03"
    r = client.get(url)
    assert r.status_code == 200
    assert 'value="282580"' in r.text
    # no trade in this warehouse: a clear message, no chart, no raw False
    result = r.text.split('id="result"')[1]
    assert "data-spec" not in result and "False" not in result
    imp = client.get("/screening?tool=impact&actor=CHN&hs=250410&date=2023-12-01")
    assert imp.status_code == 200 and "no monthly exports" in imp.text


def test_catalogue_is_read_once_and_broken_yaml_is_an_error(tmp_path, monkeypatch):
    from mineralwatch.analytics.balance import files
    from mineralwatch.errors import ConfigError

    names = [c["file"] for c in files.catalogue()]
    assert names == [f"{n}.yaml" for n in files.example_names()]
    assert {"file", "name", "mineral", "years"} <= set(files.catalogue()[0])
    (tmp_path / "broken.yaml").write_text("name: [unclosed\n", "utf-8")
    monkeypatch.setattr(files, "example_names", lambda: ["broken"])
    monkeypatch.setattr(files, "example_path", lambda n: tmp_path / f"{n}.yaml")
    files._catalogue.cache_clear()
    try:
        with pytest.raises(ConfigError, match="not valid YAML"):
            files.catalogue()
    finally:
        monkeypatch.undo()
        files._catalogue.cache_clear()


def test_web_and_report_share_the_monte_carlo_settings():
    from mineralwatch.analytics.balance import MONTE_CARLO_DRAWS, MONTE_CARLO_SEED
    from mineralwatch.reports.sections import balance as report_balance

    assert (report_balance.DRAWS, report_balance.SEED) == (MONTE_CARLO_DRAWS, MONTE_CARLO_SEED)
    import inspect

    from mineralwatch.api import charts, views
    assert "balance(" not in inspect.getsource(charts)  # figures run no analytics
    assert "MONTE_CARLO_DRAWS" in inspect.getsource(views.balance_panel)


def test_formatting_never_shows_machine_forms():
    assert fmt.gw_hhi(4.7583) == "4.76"
    assert fmt.hhi(5843.6) == "5,844"
    assert fmt.quantity(3.29e5, "t") == "329,000 t"
    assert fmt.quantity(0.01234, "t") == "0.0123 t"
    assert fmt.day(pd.Timestamp("2025-06-01 00:00:00")) == "2025-06-01"
    assert fmt.day(pd.NaT) == "" and fmt.year(None) == "" and fmt.year(2024.0) == "2024"
    assert fmt.pct(float("nan")) == "" and fmt.pct(0.7586) == "75.9%"
    assert fmt.code_label("export_licence_dual_use") == "export licence (dual use)"
    assert (fmt.level(2500), fmt.level(1500), fmt.level(1499)) == ("high", "mid", "")
