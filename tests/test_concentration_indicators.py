"""Concentration indicators: hand-checked values, the registry, bounds and invariants."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mineralwatch.analytics.concentration.indicators import (
    INDICATORS,
    ShareNormalisationWarning,
    as_shares,
    compute_indicators,
    governance_weighted_hhi,
    hhi,
    hhi_bounds,
    n1_gap,
    n_producers,
    top_n_share,
    wgi_score,
)
from mineralwatch.errors import ConsistencyError, InputError


def test_hand_checked_values() -> None:
    s = [0.5, 0.3, 0.2]
    assert hhi(s) == pytest.approx(10_000 * (0.25 + 0.09 + 0.04))  # 3,800
    assert top_n_share(s, 1) == pytest.approx(0.5)
    assert top_n_share(s, 3) == pytest.approx(1.0)
    assert top_n_share(s, 5) == pytest.approx(1.0)
    assert n_producers([0.5, 0.0, 0.5]) == 2
    assert n1_gap(s) == pytest.approx(0.5)
    # WGI scores 8 and 2: 0.25*8 + 0.09*2 + 0.04*NaN (skipped) = 2.18
    assert governance_weighted_hhi(s, wgi=[8, 2, np.nan]) == pytest.approx(2.18)
    assert math.isnan(governance_weighted_hhi(s))


def test_wgi_score_rescales_to_ten_worst() -> None:
    np.testing.assert_allclose(wgi_score([-2.5, 0.0, 2.5, 3.0]), [10.0, 5.0, 0.0, 0.0])


def test_every_indicator_is_registered_labelled_and_shares_one_signature() -> None:
    s, w = np.array([0.6, 0.3, 0.1]), np.array([5.0, 5.0, 5.0])
    out = compute_indicators(s, wgi=w)
    assert list(out["name"]) == list(INDICATORS)
    for row in out.itertuples():
        ind = INDICATORS[row.name]
        assert ind.unit and ind.description, row.name
        assert row.unit == ind.unit
        assert isinstance(ind(s, wgi=w), float)
        assert ind(s, wgi=w) == row.value
    assert out.set_index("name").loc["hhi", "unit"] == "HHI (0-10,000)"


def test_bounds_with_residual_derivation() -> None:
    # listed 0.5 and 0.2, residual 0.3 in producers of at most 0.2: one of 0.2, one of 0.1
    lo, hi = hhi_bounds([0.5, 0.2])
    assert lo == pytest.approx(10_000 * (0.25 + 0.04))
    assert hi == pytest.approx(10_000 * (0.25 + 0.04 + 0.04 + 0.01))
    # complete shares: the bounds meet
    assert hhi_bounds([0.6, 0.4]) == pytest.approx((5200.0, 5200.0))
    # percentages
    assert hhi_bounds([50, 20], total=100) == pytest.approx((lo, hi))


def test_overshoot_is_normalised_with_warning_and_large_overshoot_raises() -> None:
    with pytest.warns(ShareNormalisationWarning, match="100.30%"):
        s = as_shares([91, 4, 3, 2, 0.2, 0.1], total=100)
    assert s.sum() == pytest.approx(1.0)
    with pytest.raises(ConsistencyError, match="more than the total"):
        as_shares([0.9, 0.2])
    with pytest.raises(InputError):
        hhi([0.5, -0.1])
    with pytest.raises(InputError):
        hhi([0.5, float("nan")])


complete = st.lists(st.floats(0.001, 1.0), min_size=1, max_size=30).map(
    lambda xs: list(np.asarray(xs) / np.sum(xs)))


@settings(max_examples=150, deadline=None)
@given(complete)
def test_hhi_between_equal_split_and_monopoly(shares: list[float]) -> None:
    n = len(shares)
    assert 10_000 / n - 1e-6 <= hhi(shares) <= 10_000 + 1e-6


@settings(max_examples=100, deadline=None)
@given(complete, st.randoms())
def test_permutation_invariance(shares: list[float], rnd) -> None:  # type: ignore[no-untyped-def]
    perm = list(shares)
    rnd.shuffle(perm)
    for ind in INDICATORS.values():
        a, b = ind(shares, wgi=np.ones(len(shares))), ind(perm, wgi=np.ones(len(perm)))
        assert a == pytest.approx(b), ind.name


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.001, 1.0), min_size=2, max_size=30), st.data())
def test_merging_two_producers_never_lowers_hhi(raw: list[float], data) -> None:  # type: ignore[no-untyped-def]
    s = np.asarray(raw) / np.sum(raw)
    i, j = data.draw(st.lists(st.integers(0, len(s) - 1), min_size=2, max_size=2,
                              unique=True))
    merged = np.append(np.delete(s, [i, j]), s[i] + s[j])
    assert hhi(merged) >= hhi(s) - 1e-9


@settings(max_examples=100, deadline=None)
@given(complete)
def test_n1_gap_is_top1_and_top_n_increase(shares: list[float]) -> None:
    assert n1_gap(shares) == top_n_share(shares, 1) == max(shares)
    assert top_n_share(shares, 1) <= top_n_share(shares, 3) <= top_n_share(shares, 5) <= 1 + 1e-9


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0.001, 1.0), min_size=1, max_size=8), st.floats(0.05, 1.0),
       st.integers(0, 20), st.data())
def test_bounds_contain_every_completion(raw: list[float], listed_mass: float, extra: int,
                                         data) -> None:  # type: ignore[no-untyped-def]
    """Any way of completing a top-k list with producers no larger than its smallest
    member gives an HHI inside the bounds."""
    listed = np.sort(np.asarray(raw) / np.sum(raw) * listed_mass)[::-1]
    residual = 1.0 - listed.sum()
    cap = listed.min()
    if residual > 1e-9 and extra == 0:
        extra = 1
    parts = np.asarray(data.draw(st.lists(st.floats(0.01, 1.0), min_size=extra,
                                          max_size=extra))) if extra else np.array([])
    if residual > 1e-9:
        x = parts / parts.sum() * residual
        if x.max() > cap:  # respect the cap by splitting the residual evenly enough
            k = int(np.ceil(residual / cap))
            x = np.full(k, residual / k)
        full = np.concatenate([listed, x])
    else:
        full = listed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShareNormalisationWarning)
        lo, hi = hhi_bounds(listed)
        value = hhi(full)
    assert lo - 1e-6 <= value <= hi + 1e-6
