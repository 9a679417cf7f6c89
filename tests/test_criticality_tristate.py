"""Issue 16: tri-state classification through every output, EI from USGS/IEA end-use
splits, the USGS method (Nassar & Fortier 2021) and the EU study's own names.

Real data: ``../shared/data`` (USGS MCS 2025 Industry_Trends.zip T4, the IEA Critical
Minerals Data Explorer, MCS 2025 world production, EU CRM 2023 tables). The 2022 US list
of 50 critical minerals is the list of USGS MCS 2025 Table 4 (the file names each).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import DATA
from mineralwatch.analytics.criticality.verdict import Verdict, label, verdict
from mineralwatch.codes import minerals
from mineralwatch.errors import InputError
from mineralwatch.sources.end_use_splits import (
    read_iea_end_use,
    read_sector_map,
    read_usgs_end_use,
    split_applications,
)

T4_ZIP = DATA / "usgs_mcs2025/Industry_Trends.zip"
IEA = DATA / "iea/iea_critical_minerals_explorer.json"


# -- verdict, by hand ----------------------------------------------------------------------
def test_verdict_states() -> None:
    nan = float("nan")
    kw = {"sr_threshold": 1.0, "ei_threshold": 2.8}
    assert verdict(1.2, 3.0, **kw).critical is True
    assert verdict(0.9, nan, **kw).critical is False  # below one threshold: decided
    assert verdict(nan, 2.0, **kw).classification == "not critical"
    alone = verdict(1.2, nan, **kw)
    assert alone.critical is None and alone.critical_on_sr_alone
    assert alone.label == "undetermined — EI unknown; critical on supply risk alone"
    assert verdict(nan, 3.0, **kw).label == "undetermined — SR unknown"
    assert verdict(nan, nan, **kw).reason == "SR and EI unknown"
    assert label({"classification": "undetermined", "undetermined_reason": "EI unknown",
                  "critical_on_sr_alone": True}) == alone.label
    assert Verdict("critical").fields()["critical"] is True


# -- every output path for a material with unknown EI --------------------------------------
@pytest.fixture()
def starter_path(tmp_path: Path) -> str:
    from mineralwatch.cli import main

    path = str(tmp_path / "wh.duckdb")
    assert main(["init", "-w", path]) == 0
    return path


def _api_client(path: str):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from mineralwatch.api.app import create_app

    return TestClient(create_app(path, hosts={"testserver"}))


def test_unknown_ei_reads_unknown_everywhere(starter_path: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Helium: SR 1.19 (>= 1.0) and no end-use data in any public source."""
    import mineralwatch as mw
    from mineralwatch.cli import main

    want = "undetermined — EI unknown; critical on supply risk alone"
    # Python API
    with mw.open(starter_path, read_only=True) as wh:
        df = mw.criticality(wh, material="helium")
        rec = df.iloc[0]
        assert rec["critical"] is None and rec["label"] == want
        assert rec["undetermined_reason"] == "EI unknown" and rec["critical_on_sr_alone"]
        # report
        from mineralwatch.reports.sections.criticality import render

        html = render(wh)
    assert want in html and "critical on supply risk alone (EI unknown)" in html
    assert "Not in the matrix (a score is unknown): " in html and f"Helium: {want}" in html
    # JSON
    assert main(["criticality", "-w", starter_path, "--material", "helium", "-f", "json"]) == 0
    j = json.loads(capsys.readouterr().out)[0]
    assert j["critical"] is None and j["classification"] == "undetermined"
    assert j["label"] == want and j["ei"] is None
    # CSV: an empty cell for critical, the label in full
    assert main(["criticality", "-w", starter_path, "--material", "helium", "-f", "csv"]) == 0
    row = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["critical"] == "" and row["label"] == want
    # CLI table
    assert main(["criticality", "-w", starter_path, "--material", "helium"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "undetermined" in out and "supply risk alone" in out
    # web: JSON API, overview, mineral page, alerts
    client = _api_client(starter_path)
    api = client.get("/api/v1/criticality", params={"material": "helium"})
    assert api.status_code == 200 and api.json()[0]["critical"] is None
    page = client.get("/").text
    assert "undetermined — EI unknown" in page
    assert "undetermined — EI unknown" in client.get("/minerals/helium").text


def test_alerts_carry_the_label() -> None:
    from mineralwatch.api.alerts import class_alerts

    out = class_alerts({"helium": "undetermined — EI unknown; critical on supply risk alone"},
                       {"helium": "critical"})
    assert out[0]["kind"] == "criticality" and "undetermined — EI unknown" in out[0]["text"]
    assert class_alerts({"helium": "critical"}, {"helium": "critical"}) == []


# -- end-use splits from USGS T4 and the IEA -----------------------------------------------
def test_split_applications() -> None:
    known = {"research and development"}
    assert split_applications("Catalysts, lasers, and metallurgy.", known) == \
        ["catalysts", "lasers", "metallurgy"]
    assert split_applications("Batteries and metallurgy.", known) == ["batteries", "metallurgy"]
    assert split_applications("Research and development.", known) == \
        ["research and development"]


@pytest.mark.shared_data
def test_usgs_t4_end_uses() -> None:
    df = read_usgs_end_use(T4_ZIP)
    li = df[df["mineral"] == "lithium"]
    assert li["application"].tolist() == ["batteries"] and li["sector"].tolist() == ["C27"]
    ni = df[df["mineral"] == "nickel"].set_index("sector")["share"]
    assert ni.to_dict() == {"C27": 0.5, "C25": 0.5}  # "Batteries and metallurgy."
    assert df.groupby("mineral")["share"].sum().round(9).eq(1.0).all()
    # 48 of the 50 listed minerals are ours (cesium and rubidium are not in our list)
    assert df["mineral"].nunique() == 48


@pytest.mark.shared_data
def test_iea_end_uses() -> None:
    df = read_iea_end_use(IEA)
    li = df[df["mineral"] == "lithium"].set_index("application")["share"]
    assert li["Electric vehicles"] == pytest.approx(109.026 / 205.0)
    assert li["Other uses"] == pytest.approx(76.999 / 205.0)
    assert "rare_earths" not in set(df["mineral"])  # a group: skipped


def test_mapping_with_an_unknown_sector(tmp_path: Path) -> None:
    bad = tmp_path / "map.csv"
    bad.write_text("source,application,sector\nusgs-t4,batteries,C27\nusgs-t4,magic,Z99\n")
    with pytest.raises(InputError) as exc:
        read_sector_map(bad)
    msg = str(exc.value)
    assert "Z99" in msg and "map.csv" in msg and "3" in msg
    assert set(read_sector_map()["sector"].dropna()) <= {
        "B09", "C20", "C21", "C23", "C25", "C26", "C27", "C28", "C29", "C30", "C32", "M72"}


@pytest.mark.shared_data
def test_ei_source_stated_and_eu_table_preferred(starter_path: str) -> None:
    import mineralwatch as mw

    with mw.open(starter_path, read_only=True) as wh:
        df = mw.criticality(wh).set_index("material")
    assert df.loc["gallium", "ei_source"] == "EU CRM 2023 end-use table"
    assert df.loc["lithium", "ei_source"].startswith("IEA")
    assert df.loc["nickel", "ei_source"].startswith("USGS MCS 2025 Table 4")
    # lithium: 62 % of IEA 2024 demand in C27 (EVs and storage), the rest pro rata:
    # EI = 89,422 / 204,200 x 10 x SI_EI
    si = float(df.loc["lithium", "si_ei"])
    assert df.loc["lithium", "ei"] == pytest.approx(89422 / 204200 * 10 * si)
    assert any("end-use split from the IEA" in n for n in df.loc["lithium", "notes"])


# -- the EU study's own names ---------------------------------------------------------------
def test_study_names(starter_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    from mineralwatch.cli import main

    names = ["Natural graphite", "Lime", "Talc, Steatite & Pyrophyllite"]
    args = [a for n in names for a in ("--material", n)]
    assert main(["criticality", "-w", starter_path, *args, "-f", "json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in recs] == names
    assert [r["material"] for r in recs] == ["graphite", "limestone", "talc"]
    assert main(["criticality", "-w", starter_path, "--material", "Naturgraphit"]) == 2
    assert "Naturgraphit" in capsys.readouterr().err  # another language: a clear error
    client = _api_client(starter_path)
    assert client.get("/minerals/Natural graphite").status_code == 200


# -- the USGS method on real data -----------------------------------------------------------
def _list_2022() -> set[str]:
    with zipfile.ZipFile(T4_ZIP) as z:
        text = z.read("MCS2025_T4_Critical_Minerals_End_Use.csv").decode("utf-8-sig")
    names = [r["Critical Mineral"].strip() for r in csv.DictReader(io.StringIO(text))]
    assert len(names) == 50
    return {minerals.lookup(n) or n for n in names}


@pytest.mark.shared_data
def test_usgs_method_targets_and_2022_list(starter_path: str) -> None:
    import mineralwatch as mw

    with mw.open(starter_path, read_only=True) as wh:
        df = mw.criticality(wh, method="usgs")
    r = df.set_index("material")
    targets = ["lithium", "graphite", "nickel", "cobalt", "gallium", "germanium",
               "antimony", "tungsten", "dysprosium", "neodymium", "platinum", "manganese"]
    assert [t for t in targets if r.loc[t, "critical"] is not True] == []
    assert r.loc["gallium", "dp_source"].startswith("USGS MCS 2025 production")
    assert r.loc["beryllium", "te"] == 0.0  # net exporter (published "E")
    listed = _list_2022()
    single = df[~df["material"].map(lambda m: minerals.table()[m].kind == "group")]
    crit = set(single.loc[single["critical"].map(lambda c: c is True), "material"])
    assessed = set(single["material"])
    on = listed & assessed
    recall = len(on & crit) / len(on)
    precision = len(on & crit) / len(crit)
    # measured: 46 of the 48 listed minerals we assess are critical (95.8 %); 46 of the 57
    # critical ones are on the list (80.7 %) - docs/criticality.md
    assert recall >= 0.95 and precision >= 0.75, (recall, precision)
    assert pd.Series(df["critical"]).map(lambda c: c in (True, False, None)).all()


# -- the parameter table is a source (issue 20 item 8) --------------------------------------
def test_parameters_listed_in_sources(starter_path: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from mineralwatch.cli import main

    assert main(["sources", "-w", starter_path, "-f", "json"]) == 0
    ids = {r["source_id"] for r in json.loads(capsys.readouterr().out)}
    assert "eu-crm-parameters:eu_crm2023_parameters.csv" in ids
    assert {"usgs-end-use:Industry_Trends.zip", "iea-end-use:iea_critical_minerals_explorer"
            ".json"} <= ids


def test_parameter_file_with_an_unknown_material(tmp_path: Path) -> None:
    from importlib import resources

    from mineralwatch.errors import UnknownCodeError
    from mineralwatch.sources.eu_crm import read_eu_crm_parameters

    text = resources.files("mineralwatch").joinpath("data", "eu_crm2023_parameters.csv") \
        .read_text("utf-8")
    lines = text.splitlines()
    lines[3] = "unobtainium" + lines[3][lines[3].index(","):]
    bad = tmp_path / "params.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(UnknownCodeError, match="unobtainium"):
        read_eu_crm_parameters(bad)


@pytest.mark.shared_data
def test_usgs_explain_shows_the_production_behind_dp(starter_path: str) -> None:
    import math

    import mineralwatch as mw

    with mw.open(starter_path, read_only=True) as wh:
        rec = mw.criticality(wh, method="usgs", material="lithium", explain=True).iloc[0]
    ex = rec["explain"]
    assert rec["stage"] == "mine" and ex["disruption_potential"][0]["country"] == "AUS"
    # the latest year's GHHI of the listed producers; DP recency-weights 2023 and 2024
    ghhi = sum(c["dp_term"] for c in ex["disruption_potential"])
    assert math.log(ghhi / 1e-4) / math.log(1e4) == pytest.approx(rec["dp"], abs=0.05)
    assert ex["what_if"]["te_1"] > rec["sr"]  # TE 0.5 (">50") -> 1


@pytest.mark.shared_data
def test_eu_figures_with_the_end_use_splits(starter_path: str) -> None:
    """Issue 16 targets on the public validation file, as a warehouse built by ``init``
    gives them (docs/criticality.md, "Validation"): measured, and guarded against
    regressions; the targets not reached are stated there with their data gaps."""
    import mineralwatch as mw
    from conftest import VALIDATION
    from mineralwatch.analytics.criticality.validation import agreement, published_number

    raw = pd.read_csv(VALIDATION / "eu_crm2023_results_public.csv", dtype=str)
    pub = pd.DataFrame({"material": minerals.to_ids(raw["material_name"]),
                        "sr": raw["supply_risk"].map(published_number),
                        "ei": raw["economic_importance"].map(published_number)})
    with mw.open(starter_path, read_only=True) as wh:
        a = agreement(mw.criticality(wh), pub)
    assert (round(a["sr_0.1"] * 45), round(a["sr_0.3"] * 45)) == (32, 42)
    assert a["ei_computed"] == 35 and a["ei_coverage"] == pytest.approx(35 / 45)
    assert round(a["ei_0.2"] * a["ei_computed"]) == 25
    assert a["classification_all"] == pytest.approx(39 / 45)  # undetermined = a miss
    assert a["classification"] == pytest.approx(39 / 40)
