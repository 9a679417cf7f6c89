"""EU CRM criticality: formulas (hand-checked), properties (Hypothesis), any importer,
explanations, the USGS-style score and bad input. Synthetic data only: fast, no files."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mineralwatch.analytics.criticality.api import check_sourcing, criticality
from mineralwatch.analytics.criticality.assess import assess_eu, classify
from mineralwatch.analytics.criticality.eu import (
    economic_importance,
    hhi_wgi_t,
    hhi_wgi_t_terms,
    supply_risk,
    supply_risk_array,
)
from mineralwatch.analytics.criticality.inputs import (
    CriticalityInputs,
    check_shares,
    sourcing_from_trade,
    wgi_scores,
)
from mineralwatch.analytics.criticality.options import CriticalityOptions
from mineralwatch.analytics.criticality.parameters import (
    COLUMNS,
    check_parameters,
    eu_parameters,
    from_study_table,
)
from mineralwatch.analytics.criticality.usgs import assess_usgs, disruption_potential
from mineralwatch.errors import ConsistencyError, InputError, NotFoundError, UnknownCodeError
from mineralwatch.store import SourceInfo

# -- a tiny hand-checkable system -------------------------------------------------------
# Governance: WGI estimates chosen so that the rescaled scores (5 - 2x) are round numbers.
WGI = {"CHN": -0.5, "COD": -1.5, "AUS": 1.5, "DEU": 1.5, "JPN": 1.0, "USA": 1.0}
SCORE = {c: 5 - 2 * x for c, x in WGI.items()}  # CHN 6, COD 8, AUS 2, DEU 2, JPN 3, USA 3


def _governance() -> pd.DataFrame:
    return pd.DataFrame([{"country": c, "year": 2021, "indicator": i, "value": x}
                         for c, x in WGI.items() for i in ("va", "pv", "ge", "rq", "rl", "cc")])


def _supply() -> pd.DataFrame:
    rows = [
        # gallium processing: global 90% CHN (t 1.0), 10% JPN; EU sourcing 60% CHN, 40% DEU
        ("gallium", "processing", "WLD", "CHN", 0.9, 1.0),
        ("gallium", "processing", "WLD", "JPN", 0.1, 1.0),
        ("gallium", "processing", "EUU", "CHN", 0.6, 1.0),
        ("gallium", "processing", "EUU", "DEU", 0.4, 0.8),
        # cobalt: mine 70% COD, 30% AUS; processing 80% CHN 20% JPN; no EU sourcing at mine
        ("cobalt", "mine", "WLD", "COD", 0.7, 1.1),
        ("cobalt", "mine", "WLD", "AUS", 0.3, 1.0),
        ("cobalt", "processing", "WLD", "CHN", 0.8, 1.0),
        ("cobalt", "processing", "WLD", "JPN", 0.2, 1.0),
        ("cobalt", "processing", "EUU", "CHN", 0.5, 1.0),
        ("cobalt", "processing", "EUU", "USA", 0.5, 1.0),
    ]
    df = pd.DataFrame(rows, columns=["mineral", "stage", "scope", "country", "share", "t"])
    return df.assign(year=2023, source_id="test")


def _params() -> pd.DataFrame:
    rows = [
        {"mineral": "gallium", "eu_name": "Gallium", "bottleneck": "processing",
         "stages": "processing", "variant_extraction": None, "variant_processing": "GS+EU",
         "si_ei": 0.98, "si_sr": 0.98, "ir_extraction": np.nan, "ir_processing": 0.98,
         "eol_rir": 0.0},
        {"mineral": "cobalt", "eu_name": "Cobalt", "bottleneck": "extraction",
         "stages": "extraction+processing", "variant_extraction": "GSonly",
         "variant_processing": "GS+EU", "si_ei": 0.97, "si_sr": 0.98, "ir_extraction": 0.81,
         "ir_processing": 0.01, "eol_rir": 0.22},
    ]
    return pd.DataFrame(rows).assign(status="ok", issue=None, source_id="test")[list(COLUMNS)]


def _end_use() -> pd.DataFrame:
    rows = [("gallium", "Integrated circuits", 0.75, "C26", 77000.0),
            ("gallium", "Lighting", 0.25, "C27", 89422.0),
            ("cobalt", "Batteries", 0.5, "C27", 89422.0),
            ("cobalt", "Superalloys", 0.4, "C28", 204200.0),
            ("cobalt", "Other", 0.1, None, np.nan)]
    return pd.DataFrame(rows, columns=["mineral", "application", "share", "sector",
                                       "value_added"]).assign(scope="EUU")


def _inputs(**kw: object) -> CriticalityInputs:
    base = CriticalityInputs(supply=_supply(), governance=_governance(), parameters=_params(),
                             end_use=_end_use())
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


# -- formulas, by hand ------------------------------------------------------------------
def test_hhi_wgi_t_by_hand() -> None:
    # 0.9^2 * 6 * 1 + 0.1^2 * 3 * 1 = 4.86 + 0.03
    assert hhi_wgi_t([0.9, 0.1], [6, 3], [1, 1]) == pytest.approx(4.89)
    assert hhi_wgi_t_terms([0.6, 0.4], [6, 2], [1, 0.8]).tolist() == pytest.approx([2.16, 0.256])


def test_supply_risk_variants_by_hand() -> None:
    gs, eu = 4.89, 2.416
    mixed = (gs * 0.98 / 2 + eu * (1 - 0.98 / 2)) * 1.0 * 0.98
    assert supply_risk(gs, eu, ir=0.98, eol_rir=0, si_sr=0.98) == pytest.approx(mixed)
    assert supply_risk(gs, eu, ir=0.5, eol_rir=0.2, si_sr=0.9, variant="GSonly") == \
        pytest.approx(gs * 0.8 * 0.9)
    assert supply_risk(gs, eu, ir=0.5, eol_rir=0.2, si_sr=0.9, variant="EUonly") == \
        pytest.approx(eu * 0.8 * 0.9)
    arr = supply_risk_array([gs, gs], [eu, eu], [0.98, 0.5], [0, 0.2], [0.98, 0.9],
                            ["GS+EU", "GSonly"])
    assert arr.tolist() == pytest.approx([mixed, gs * 0.8 * 0.9])
    with pytest.raises(InputError, match="variant"):
        supply_risk(1, 1, ir=0, eol_rir=0, si_sr=1, variant="EU")


def test_economic_importance_by_hand() -> None:
    ei = economic_importance([0.75, 0.25], [77000, 89422], si_ei=0.98, max_value_added=204200)
    assert ei == pytest.approx((0.75 * 77000 + 0.25 * 89422) / 204200 * 10 * 0.98)
    # an unallocated "Other" use (no sector): spread pro rata over the allocated uses by
    # default, left out with "drop", put in the largest sector with "largest_sector"
    a, q = [0.25, 0.25, 0.5], [100.0, 50.0, np.nan]
    assert economic_importance(a, q, si_ei=1, max_value_added=200) == pytest.approx(3.75)
    assert economic_importance(a, q, si_ei=1, max_value_added=200,
                               unallocated="drop") == pytest.approx(1.875)
    assert economic_importance(a, q, si_ei=1, max_value_added=200,
                               unallocated="largest_sector") == pytest.approx(6.875)
    # without any Other use the three agree
    for how in ("renormalise", "drop", "largest_sector"):
        assert economic_importance([0.6, 0.4], [100.0, 50.0], si_ei=0.5, max_value_added=200,
                                   unallocated=how) == pytest.approx(2.0)
    with pytest.raises(InputError, match="unallocated"):
        economic_importance(a, q, si_ei=1, max_value_added=200, unallocated="guess")


def test_economic_importance_unallocated_option() -> None:
    """The option reaches the assessment: cobalt has 10 % "Other" in the synthetic table."""
    known = 0.5 * 89422 + 0.4 * 204200
    si = float(_params().set_index("mineral").loc["cobalt", "si_ei"])
    expect = {"renormalise": known / 0.9, "drop": known, "largest_sector": known + 0.1 * 204200}
    for how, weighted in expect.items():
        out = assess_eu(_inputs(), materials="cobalt",
                        options=CriticalityOptions(unallocated_end_use=how)).iloc[0]
        assert out["ei"] == pytest.approx(weighted / 204200 * 10 * si), how
    note = [n for n in assess_eu(_inputs(), materials="cobalt").iloc[0]["notes"]
            if n.startswith("EI:")]
    assert note and "10%" in note[0] and "pro rata" in note[0]
    # gallium has no Other use: the option changes nothing
    ga = {how: assess_eu(_inputs(), materials="gallium",
                         options=CriticalityOptions(unallocated_end_use=how)).iloc[0]["ei"]
          for how in expect}
    assert len({round(v, 12) for v in ga.values()}) == 1


def test_wgi_rescaling_and_nearest_year() -> None:
    g = _governance()
    scores = wgi_scores(g, 2021)
    assert scores["CHN"] == pytest.approx(6.0)
    assert scores["AUS"] == pytest.approx(2.0)
    # a country without the year takes its nearest earlier year
    assert wgi_scores(g, 2023)["COD"] == pytest.approx(8.0)


def test_assess_eu_matches_hand_computation() -> None:
    out = assess_eu(_inputs()).set_index("material")
    ga = out.loc["gallium"]
    gs = 0.81 * 6 + 0.01 * 3
    eu = 0.36 * 6 + 0.16 * 2 * 0.8
    assert ga["sr"] == pytest.approx((gs * 0.49 + eu * 0.51) * 0.98)
    assert ga["stage"] == "processing" and math.isnan(ga["sr_extraction"])
    assert ga["ei"] == pytest.approx((0.75 * 77000 + 0.25 * 89422) / 204200 * 9.8)
    assert bool(ga["critical"]) is True
    co = out.loc["cobalt"]
    # GSonly at extraction: 0.49 * 8 * 1.1 + 0.09 * 2 = 4.492
    assert co["sr_extraction"] == pytest.approx(4.492 * 0.78 * 0.98)
    assert co["stage"] == "extraction"
    assert co["sr"] == max(co["sr_extraction"], co["sr_processing"])


def test_thresholds_configurable_and_rounded() -> None:
    assert classify(0.96, 2.84) == "critical"  # rounds to 1.0 and 2.8, as the study
    assert classify(0.94, 5.0) == "not critical"
    assert classify(0.5, float("nan")) == "not critical"  # SR alone settles it
    assert classify(1.5, float("nan")) == "undetermined"
    strict = CriticalityOptions(sr_threshold=10.0)
    out = assess_eu(_inputs(), options=strict)
    assert not out["critical"].any()


def test_groups_and_study_names() -> None:
    out = assess_eu(_inputs(), materials=["Gallium"])
    assert out["material"].tolist() == ["gallium"]


# -- properties -------------------------------------------------------------------------
shares = st.lists(st.floats(0.01, 1.0), min_size=1, max_size=8).map(
    lambda xs: (np.asarray(xs) / sum(xs)).tolist())


@given(s=shares, w=st.floats(0, 10), t=st.floats(0.8, 2.0))
@settings(max_examples=60, deadline=None)
def test_hhi_bounds(s: list[float], w: float, t: float) -> None:
    n = len(s)
    plain = hhi_wgi_t(s, [1.0] * n)
    assert 1.0 / n - 1e-9 <= plain <= 1.0 + 1e-9  # HHI of fractions within [1/n, 1]
    h = hhi_wgi_t(s, [w] * n, [t] * n)
    assert 0 <= h <= 10 * t + 1e-9


@given(s=st.lists(st.floats(0.01, 1.0), min_size=2, max_size=8), frac=st.floats(0.01, 1),
       w=st.floats(0.5, 10), ir=st.floats(0, 1), eol=st.floats(0, 0.99), si=st.floats(0.1, 1))
@settings(max_examples=60, deadline=None)
def test_sr_grows_with_concentration(s: list[float], frac: float, w: float, ir: float,
                                     eol: float, si: float) -> None:
    """Moving supply from a smaller supplier to the largest one raises the SR."""
    x = np.asarray(s) / sum(s)
    top, j = int(np.argmax(x)), int(np.argmin(x))
    if top == j:
        return
    y = x.copy()
    delta = frac * x[j]
    y[top] += delta
    y[j] -= delta
    ws = [w] * len(x)

    def sr(shares: np.ndarray) -> float:
        h = hhi_wgi_t(shares, ws)
        return supply_risk(h, h, ir=ir, eol_rir=eol, si_sr=si)

    assert hhi_wgi_t(y, ws) > hhi_wgi_t(x, ws)
    assert sr(y) >= sr(x)


@given(s=shares, w=st.floats(0, 9), dw=st.floats(0.01, 1), ir=st.floats(0, 1),
       eol=st.floats(0, 0.99), si=st.floats(0.1, 1))
@settings(max_examples=60, deadline=None)
def test_sr_grows_with_worse_governance(s: list[float], w: float, dw: float, ir: float,
                                        eol: float, si: float) -> None:
    n = len(s)
    better = hhi_wgi_t(s, [w] * n)
    worse = hhi_wgi_t(s, [w + dw] * n)
    assert supply_risk(worse, worse, ir=ir, eol_rir=eol, si_sr=si) >= \
        supply_risk(better, better, ir=ir, eol_rir=eol, si_sr=si)
    assert worse > better


@given(gs=st.floats(0, 20), eu=st.floats(0, 20), ir=st.floats(0, 1), si=st.floats(0, 1),
       variant=st.sampled_from(["GS+EU", "GSonly", "EUonly"]))
def test_sr_zero_when_fully_recycled(gs: float, eu: float, ir: float, si: float,
                                     variant: str) -> None:
    assert supply_risk(gs, eu, ir=ir, eol_rir=1.0, si_sr=si, variant=variant) == 0.0


@given(s=st.floats(0.05, 0.95), w=st.floats(0.1, 10), t=st.floats(0.5, 0.99))
def test_country_with_t_below_one_contributes_less(s: float, w: float, t: float) -> None:
    full, reduced = hhi_wgi_t_terms([s, 1 - s], [w, w], [1.0, 1.0]), \
        hhi_wgi_t_terms([s, 1 - s], [w, w], [t, 1.0])
    assert reduced[0] < full[0]
    assert reduced[1] == full[1]


def test_sr_zero_when_recycling_is_total_end_to_end() -> None:
    params = _params().assign(eol_rir=1.0)
    out = assess_eu(_inputs(parameters=params))
    assert (out["sr"] == 0).all()
    assert not out["critical"].any()


# -- any importer -----------------------------------------------------------------------
def test_importer_sourcing_and_fallbacks() -> None:
    jpn = pd.DataFrame([("gallium", "processing", "JPN", "CHN", 0.5, np.nan, 2023),
                        ("gallium", "processing", "JPN", "KOR", 0.5, np.nan, 2023)],
                       columns=["mineral", "stage", "scope", "country", "share", "t", "year"])
    inputs = _inputs(supply=pd.concat([_supply(), jpn], ignore_index=True))
    out = assess_eu(inputs, importer="JPN").set_index("material")
    ga, co = out.loc["gallium"], out.loc["cobalt"]
    # KOR has no WGI score: the mean of all scores is imputed (documented); t defaults to 1
    mean = float(np.mean(list(SCORE.values())))
    src = 0.25 * 6 + 0.25 * mean
    assert ga["hhi_sourcing_processing"] == pytest.approx(src)
    assert ga["ir_source"].startswith("fallback")  # no import reliance for JPN: 100%
    assert ga["ir_processing"] == 1.0
    # cobalt: no JPN sourcing at all -> global supply used, and said so
    assert any("no JPN sourcing" in n for n in co["notes"])
    assert co["hhi_sourcing_processing"] == co["hhi_gs_processing"]


def test_import_reliance_for_usa() -> None:
    ir = pd.DataFrame([{"country": "USA", "mineral": "gallium", "year": 2024, "item": "all",
                        "value": 0.5, "note": None, "source_id": "usgs"}])
    out = assess_eu(_inputs(import_reliance=ir), importer="USA").set_index("material")
    assert out.loc["gallium", "ir_processing"] == 0.5
    assert "usgs 2024" in out.loc["gallium", "ir_source"]


def test_sourcing_from_trade() -> None:
    trade = pd.DataFrame([
        ("2023", "811292", "HS2022", "CHN", "IND", "import", 90.0, None, None, "t"),
        ("2023", "811292", "HS2022", "DEU", "IND", "import", 10.0, None, None, "t"),
        ("2023", "260500", "HS2022", "COD", "IND", "import", 5.0, None, None, "t"),
    ], columns=["period", "hs6", "hs_revision", "exporter", "importer", "reporter_side",
                "value_usd", "quantity", "quantity_unit", "source_id"])
    src = sourcing_from_trade(trade, "IND")
    ga = src[(src["mineral"] == "gallium") & (src["stage"] == "processing")]
    assert ga.set_index("country")["share"].to_dict() == pytest.approx({"CHN": 0.9, "DEU": 0.1})
    co = src[(src["mineral"] == "cobalt") & (src["stage"] == "mine")]
    assert co["share"].tolist() == [1.0]
    assert sourcing_from_trade(trade, "BRA").empty


# -- explanations -----------------------------------------------------------------------
def test_explain_contributions_and_what_ifs() -> None:
    out = assess_eu(_inputs(), materials="gallium", explain=True)
    ex = out.loc[0, "explain"]
    gs = ex["global_supply"]
    assert gs[0]["country"] == "CHN"
    assert sum(c["pct_of_hhi"] for c in gs) == pytest.approx(1.0)
    src = {c["country"]: c for c in ex["sourcing"]}
    assert src["DEU"]["t"] == 0.8
    eff = ex["effects"]
    assert eff["without_t"]["sr"] > out.loc[0, "sr"]  # DEU's t = 0.8 lowered the SR
    assert eff["without_substitution"]["sr"] > out.loc[0, "sr"]
    assert eff["ir_0"]["sr"] < eff["ir_1"]["sr"]  # global supply riskier than sourcing
    assert ex["would_change"] and "SR would fall below" in ex["would_change"][0]


# -- USGS-style --------------------------------------------------------------------------
def test_usgs_score_by_hand() -> None:
    ir = pd.DataFrame([{"country": "USA", "mineral": "gallium", "year": 2024, "item": "all",
                        "value": 1.0, "note": None, "source_id": "usgs"}])
    out = assess_usgs(_inputs(import_reliance=ir), materials="gallium",
                      vulnerability={"gallium": 0.5}).iloc[0]
    # GHHI = 0.9^2 * 0.6 + 0.1^2 * 0.3 = 0.489; DP = ln(0.489 / 1e-4) / ln(1e4)
    dp = math.log(0.489 / 1e-4) / math.log(1e4)
    assert disruption_potential(np.array([0.9, 0.1]), np.array([6.0, 3.0])) == \
        pytest.approx(dp)
    assert out["dp"] == pytest.approx(dp) and out["te"] == 1.0
    assert out["sr"] == pytest.approx((dp * 1.0 * 0.5) ** (1 / 3))
    assert out["ev_source"] == "user input" and out["critical"] is True  # 0.78 >= 0.40
    assert "global supply shares" in out["dp_source"]  # no USGS production given
    # EV without a user value: the EI formula without SI_EI, on 0-1
    proxy = assess_usgs(_inputs(import_reliance=ir), materials="gallium").iloc[0]
    eu = assess_eu(_inputs()).set_index("material").loc["gallium"]
    assert proxy["ev"] == pytest.approx(eu["ei"] / 10 / eu["si_ei"])
    # a net exporter has no trade exposure (TE 0): not critical
    ir0 = ir.assign(value=0.0, note="E: net exporter")
    exp = assess_usgs(_inputs(import_reliance=ir0), materials="gallium",
                      vulnerability={"gallium": 0.5}).iloc[0]
    assert exp["te"] == 0.0 and exp["sr"] == 0.0 and exp["critical"] is False
    # unknown EV: undetermined with the reason, critical null
    none = assess_usgs(_inputs(import_reliance=ir, end_use=pd.DataFrame()),
                       materials="gallium").iloc[0]
    assert none["critical"] is None and none["label"] == "undetermined — EV unknown"


# -- parameters and bad input -------------------------------------------------------------
def test_from_study_table_flags_garbled_rows() -> None:
    raw = pd.DataFrame([
        ["Gallium", "Processing", "P", "", "GS+EU", "0.98", "0.98", "", "98", "0"],
        ["Diatomite", "Extraction", "E", "GS+EU", "0.3", "0.91", "0.9", "0", "", "4"],
        ["Molybdenum", "Extraction", "E+P", "GS+EU", "EU", "1.00", "1.0", "100", "100", "30"],
        ["Lithium", "Processing", "E+P", "GSonly", "GS+EU", "0.91", "281%", "81", "100", "0"],
    ], columns=["material_name", "eu_used_stage", "eu_stages", "eu_used_supply_primary",
                "eu_used_supply_refined", "si_ei", "si_sr", "import_reliance_primary",
                "import_reliance_refined", "end_of_life"])
    p = from_study_table(raw).set_index("mineral")
    assert p.loc["gallium", "status"] == "ok" and p.loc["gallium", "ir_processing"] == 0.98
    assert p.loc["diatomite", "status"] == "garbled"
    assert "shifted" in p.loc["diatomite", "issue"]
    assert pd.isna(p.loc["molybdenum", "variant_processing"])
    assert p.loc["lithium", "status"] == "garbled" and math.isnan(p.loc["lithium", "si_sr"])
    with pytest.raises(ConsistencyError, match="Diatomite"):
        check_parameters(p.reset_index(), strict=True)
    assert len(check_parameters(p.reset_index(), strict=False)) >= 3


def test_packaged_parameters_report_the_garbled_rows() -> None:
    p = eu_parameters()
    garbled = set(p.loc[p["status"] == "garbled", "mineral"])
    assert {"coking_coal", "diatomite", "magnesite", "natural_cork", "strontium",
            "molybdenum"} <= garbled
    assert p["source_id"].eq("eu-crm-2023:parameters").all()
    assert (p[["ir_extraction", "ir_processing", "eol_rir"]].fillna(0) <= 1).all().all()


def test_missing_parameters_for_a_material() -> None:
    with pytest.raises(NotFoundError, match="No EU CRM parameters for copper"):
        assess_eu(_inputs(), materials="copper")
    with pytest.raises(UnknownCodeError):
        assess_eu(_inputs(), materials="unobtainium")


def test_missing_substitution_index_is_stated() -> None:
    params = _params()
    params.loc[0, "si_sr"] = np.nan
    ga = assess_eu(_inputs(parameters=params)).set_index("material").loc["gallium"]
    assert math.isnan(ga["sr"]) and not ga["complete"]
    assert ga["classification"] == "undetermined"
    assert any("SI_SR" in n for n in ga["notes"])


def test_shares_not_summing_to_one() -> None:
    bad = _supply()
    bad.loc[0, "share"] = 0.99  # gallium global now sums to 109%
    fails = check_shares(bad)
    assert len(fails) == 1 and "109" in str(fails[0])
    with pytest.raises(ConsistencyError):
        check_shares(bad, strict=True)
    ga = assess_eu(_inputs(supply=bad)).set_index("material").loc["gallium"]
    assert any("sum to 109%" in n for n in ga["notes"])
    user = pd.DataFrame([("gallium", "processing", "CHN", 0.8), ("gallium", "processing",
                                                                 "KOR", 0.5)],
                        columns=["mineral", "stage", "country", "share"])
    with pytest.raises(InputError, match="more than 100%"):
        check_sourcing(user, "JPN")
    with pytest.raises(InputError, match="not the importer JPN"):
        check_sourcing(user.assign(scope="USA", share=0.5), "JPN")


def test_missing_wgi_error_option() -> None:
    with pytest.raises(InputError, match="No WGI score"):
        gov = _governance()
        assess_eu(_inputs(governance=gov[gov["country"] != "COD"]),
                  options=CriticalityOptions(missing_wgi="error"))


# -- the warehouse entry point and the CLI ------------------------------------------------
@pytest.fixture()
def crit_wh(wh):  # type: ignore[no-untyped-def]
    frames = {"supply_share": _supply(), "governance": _governance(), "end_use": _end_use(),
              "crm_parameters": _params()}
    wh.ingest(frames, SourceInfo("test:crit", "test", "crit", "x", "1"))
    return wh


def test_criticality_api_and_missing_data(crit_wh, wh) -> None:  # type: ignore[no-untyped-def]
    out = criticality(crit_wh, importer="European Union", material="gallium")
    assert out.loc[0, "importer"] == "EUU" and out.loc[0, "method"] == "eu"
    usgs = criticality(crit_wh, method="usgs", material="gallium")
    assert usgs.loc[0, "importer"] == "USA"
    with pytest.raises(InputError, match="Unknown method"):
        criticality(crit_wh, method="nope")  # type: ignore[arg-type]


def test_criticality_api_empty_warehouse(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import mineralwatch as mw

    with mw.open(tmp_path / "empty.duckdb") as empty, \
            pytest.raises(NotFoundError, match="ingest eu-crm-shares"):
        mw.criticality(empty)


def test_parameters_come_from_the_warehouse(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The parameter table is a source like any other (issue 20 item 8): without it in
    the warehouse the assessment says how to add it; a table the user ingests overrides
    the packaged one."""
    import mineralwatch as mw
    from mineralwatch.store import SourceInfo as Src

    with mw.open(tmp_path / "p.duckdb") as w:
        w.ingest({"supply_share": _supply(), "governance": _governance()},
                 Src("test:x", "test", "x", "x", "1"))
        with pytest.raises(NotFoundError, match="eu-crm-parameters"):
            mw.criticality(w)
        w.ingest({"crm_parameters": _params()},
                 Src("eu-crm-parameters:eu_crm2023_parameters.csv", "eu-crm-parameters",
                     "packaged", "y", "1"))
        assert criticality(w, material="gallium").iloc[0]["si_sr"] == 0.98
        w.ingest({"crm_parameters": _params().assign(si_sr=0.5)},
                 Src("test:user", "test", "user", "z", "1"))
        assert criticality(w, material="gallium").iloc[0]["si_sr"] == 0.5


def test_cli_json(crit_wh, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from mineralwatch.cli import main

    path = str(crit_wh.path)
    crit_wh.close()
    assert main(["criticality", "-w", path, "--material", "Gallium", "--format", "json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    need = {"material", "importer", "method", "sr", "ei", "stage", "sr_extraction",
            "sr_processing", "critical"}
    assert need <= set(recs[0]) and isinstance(recs[0]["critical"], bool)
    assert recs[0]["stage"] in ("extraction", "processing")
    src = tmp_path / "jpn.csv"
    src.write_text("mineral,country,share,stage\nGallium,China,60%,P\nGallium,Korea, "
                   "South,40%,P\n".replace("Korea, South", '"Korea, South"'))
    assert main(["criticality", "-w", path, "-i", "JPN", "--sourcing", str(src),
                 "--material", "gallium", "--format", "json", "--explain"]) == 0
    rec = json.loads(capsys.readouterr().out)[0]
    assert rec["importer"] == "JPN" and rec["explain"]["sourcing"][0]["country"] == "CHN"
    assert rec["ir_source"].startswith("fallback")
    bad = tmp_path / "bad.csv"
    bad.write_text("mineral,country,share\ngallium,Narnia,50%\n")
    assert main(["criticality", "-w", path, "-i", "JPN", "--sourcing", str(bad)]) == 2
    assert "Narnia" in capsys.readouterr().err
    assert main(["criticality", "-w", path, "-i", "JPN", "--sourcing", str(src),
                 "--format", "table", "--material", "gallium", "--explain"]) == 0
    capsys.readouterr()


def test_cli_tables_per_method(crit_wh, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from mineralwatch.cli import main

    path = str(crit_wh.path)
    crit_wh.close()
    assert main(["criticality", "-w", path, "--material", "gallium", "-f", "json"]) == 0
    sr = json.loads(capsys.readouterr().out)[0]["sr"]
    assert main(["criticality", "-w", path, "--material", "gallium"]) == 0
    out = capsys.readouterr().out
    # the EU is "EU" to users (EUU is the code in the data); scores with two decimals
    assert "importer EU" in out and "EUU" not in out and f"{sr:.2f}" in out and "SR proc." in out
    assert "classification" in out  # fits 80 columns unwrapped
    assert main(["criticality", "-w", path, "-m", "usgs", "--material", "gallium"]) == 0
    out = capsys.readouterr().out
    assert all(h in out for h in ("risk", "DP", "TE", "EV")) and " EI " not in out


def test_report_section(crit_wh, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import mineralwatch as mw
    from mineralwatch.reports.sections.criticality import render

    html = render(crit_wh)
    assert html.startswith('<section id="criticality">') and "<svg" in html
    assert "Criticality matrix" in html and "supply risk SR" in html
    assert "Gallium" in html and "WGI 2021" in html
    with mw.open(tmp_path / "empty.duckdb") as empty:
        note = render(empty)
    assert "No global supply shares" in note and "&#39;" in note  # hint escaped
