"""The screening and network SQL give the same answers on DuckDB and on Spark (end to end)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mineralwatch.analytics.network import shock
from mineralwatch.analytics.screening import event_impact, screen_transshipment
from mineralwatch.analytics.screening.synthetic import restriction_case
from mineralwatch.store import SourceInfo
from mineralwatch.store.engine import DuckDBEngine, SparkEngine, spark_available

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

_FAST_CONF = {"spark.sql.shuffle.partitions": "1", "spark.sql.adaptive.enabled": "false"}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    reason = spark_available()
    if reason is not None:
        pytest.skip(f"Spark tests skipped: {reason}")
    from mineralwatch.store.engine import local_spark

    yield local_spark(_FAST_CONF)


def test_transshipment_and_impact_same_on_spark(spark: Any) -> None:
    case = restriction_case(7, n_third=8, start="2021-01")
    duck, sp = DuckDBEngine(), SparkEngine(spark)
    duck.bind("trade", case.trade)
    sp.bind("trade", case.trade)
    args = (case.restrictor, case.target, case.hs, case.since)
    a = screen_transshipment(duck, *args, production=case.production_t)
    b = screen_transshipment(sp, *args, production=case.production_t)
    assert a["status"] == b["status"] == "flagged"
    assert [(c["country"], c["flagged"]) for c in a["candidates"]] == [
        (c["country"], c["flagged"]) for c in b["candidates"]]
    assert [c["score"] for c in a["candidates"]] == pytest.approx(
        [c["score"] for c in b["candidates"]], rel=1e-9)
    ia = event_impact(duck, actor="CHN", hs=list(case.hs), date=case.since)
    ib = event_impact(sp, actor="CHN", hs=list(case.hs), date=case.since)
    assert [e["p_value"] for e in ia["effects"]] == pytest.approx(
        [e["p_value"] for e in ib["effects"]], rel=1e-9)


def test_shock_same_on_spark(spark: Any, wh) -> None:
    case = restriction_case(2, n_third=8, start="2022-01")
    trade = case.trade.assign(period=case.trade["period"].str[:4])
    trade = trade.groupby(["period", "hs6", "hs_revision", "exporter", "importer",
                           "reporter_side", "quantity_unit"], as_index=False)[
        ["value_usd", "quantity"]].sum()
    wh.ingest({"trade": trade, "production": case.production},
              SourceInfo("s", "test", "s", checksum="1", loader_version="1"))
    sp = SparkEngine(spark)
    sp.bind("trade", trade)
    a = shock(wh, "antimony", "CHN", 0.6, targets=["USA"])
    b = shock(wh, "antimony", "CHN", 0.6, targets=["USA"], engine=sp)
    assert [r["country"] for r in a["countries"]] == [r["country"] for r in b["countries"]]
    assert [r["loss_t"] for r in a["countries"]] == pytest.approx(
        [r["loss_t"] for r in b["countries"]], rel=1e-9)
