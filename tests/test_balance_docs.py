"""docs/balance.md: the runnable example and the quick start work as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mineralwatch as mw

DOC = Path(__file__).resolve().parents[1] / "docs" / "balance.md"


def _example() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## A runnable example", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_runnable_example_runs(tmp_path: Path) -> None:
    path = tmp_path / "quota.yaml"
    path.write_text(_example(), encoding="utf-8")
    res = mw.balance(scenario=path, draws=500, seed=1)
    df = res.frame()
    assert df["year"].tolist() == [2025, 2026, 2027, 2028]
    assert (df["balance"] == df["supply"] - df["demand"]).all()
    assert df.set_index("year").loc[2026, "withheld"] > 0          # the quota binds
    assert {"p10", "p50", "p90", "p_deficit"} <= set(df.columns)


def test_quick_start_output_is_as_documented() -> None:
    lines = {" ".join(x.split()) for x in DOC.read_text(encoding="utf-8").splitlines()}
    df = mw.balance(scenario="cobalt_seed").frame()
    for row in df.itertuples():
        assert (f"# {row.Index} {row.year} {row.supply:.1f} {row.demand:.1f} "
                f"{row.balance:.1f}") in lines


def test_every_shipped_scenario_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    from mineralwatch.analytics.balance import example_names

    missing = [n for n in example_names() if f"`{n}`" not in text]
    assert not missing


@pytest.mark.parametrize("field", ["name", "mineral", "years", "supply[]", "policies[]",
                                   "stock_change[]", "baseline"])
def test_schema_table_lists_fields(field: str) -> None:
    assert f"| `{field}` |" in DOC.read_text(encoding="utf-8")
