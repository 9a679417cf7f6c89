"""OECD (2014) Export Restrictions in Raw Materials Trade, Table 1.1: top producers' shares
in 2012 (``../shared/validation/concentration_oecd2012.csv``, five or six producers per
mineral). The table lists the largest producers only, so HHI is bounded, not known; the
rare-earth-oxide shares sum to 100.3% (rounding)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import VALIDATION
from mineralwatch.analytics.concentration.indicators import (
    ShareNormalisationWarning,
    as_shares,
    hhi,
    hhi_bounds,
    n1_gap,
    top_n_share,
)

pytestmark = pytest.mark.shared_data

CSV = VALIDATION / "concentration_oecd2012.csv"


def _table() -> dict[str, np.ndarray]:
    df = pd.read_csv(CSV)
    return {m: np.sort(g["share_pct"].to_numpy(float))[::-1] for m, g in df.groupby("mineral")}


@pytest.mark.parametrize("mineral", ["antimony", "cobalt", "lithium", "rare earth oxides",
                                     "tungsten"])
def test_top_n_equal_the_sums_and_hhi_within_bounds(mineral: str) -> None:
    pct = _table()[mineral]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShareNormalisationWarning)
        s = as_shares(pct, total=100)
        lo, hi = hhi_bounds(pct, total=100)
        value = hhi(s)
    # top-N are the sums of the N largest (after normalisation when over 100%)
    scale = max(1.0, pct.sum() / 100)
    assert top_n_share(s, 1) == pytest.approx(pct[0] / 100 / scale)
    assert top_n_share(s, 3) == pytest.approx(pct[:3].sum() / 100 / scale)
    assert top_n_share(s, 5) == pytest.approx(pct[:5].sum() / 100 / scale)
    assert n1_gap(s) == top_n_share(s, 1)
    assert lo <= value + 1e-9 <= hi + 2e-9
    assert lo == pytest.approx(value)


def test_cobalt_bounds_by_hand() -> None:
    # COD 68, CHN 5, ZMB 4, AUS 4, CUB 3 -> listed 84 %, residual 16 % in producers <= 3 %:
    # five of 3 % and one of 1 %.
    lo, hi = hhi_bounds(_table()["cobalt"], total=100)
    listed = 68**2 + 5**2 + 4**2 + 4**2 + 3**2  # in %^2 = HHI units
    assert lo == pytest.approx(listed)
    assert hi == pytest.approx(listed + 5 * 3**2 + 1**2)


def test_rare_earths_100_3_percent_is_normalised_with_a_warning() -> None:
    pct = _table()["rare earth oxides"]
    assert pct.sum() == pytest.approx(100.3)
    with pytest.warns(ShareNormalisationWarning):
        lo, hi = hhi_bounds(pct, total=100)
    assert lo == pytest.approx(hi)  # complete once normalised: no residual
    expected = 10_000 * float(np.sum((pct / pct.sum()) ** 2))
    assert lo == pytest.approx(expected)
    assert 8_200 < lo < 8_300  # China 91 %: 10,000 * (0.907^2 + ...) ~ 8,260
