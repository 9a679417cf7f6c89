"""Concentration indicators: pure functions over shares of supply.

Shares are fractions 0–1 of world supply (or of one importer's imports); HHI is on the
0–10,000 scale. The functions know nothing about files or the warehouse.

Every registered indicator has one signature::

    indicator(shares, *, wgi=None) -> float

and is described by an :class:`Indicator` (name, unit, description) in
:data:`INDICATORS`; :func:`compute_indicators` evaluates all of them and labels the output
with name and unit (the PyPSA ``statistics`` idea).

Incomplete shares
-----------------
Published tables often list only the largest producers (the OECD 2014 table lists the top
five). With listed shares ``s_1 >= ... >= s_k`` summing to ``K`` and a residual
``R = total - K`` spread over unlisted producers, each unlisted producer is at most the
smallest listed one, ``c = s_k`` (the list is a top-k list). Then (:func:`hhi_bounds`):

* lower bound: the residual is split into ever smaller producers, whose squares sum to
  zero in the limit: ``HHI_min = 10,000 * sum(s_i^2)`` (an infimum, approached but not
  reached by any finite set of producers);
* upper bound: ``sum(x_j^2)`` under ``sum(x_j) = R`` and ``0 <= x_j <= c`` is a convex
  function maximised at a vertex of the feasible set: ``m = floor(R / c)`` producers of
  exactly ``c`` and one of ``r = R - m*c``, so
  ``HHI_max = 10,000 * (sum(s_i^2) + m*c^2 + r^2)``.

Shares that sum to slightly more than the total (rounded published figures, e.g. the
rare-earth shares 91 + 4 + 3 + 2 + 0.2 + 0.1 = 100.3 %) are normalised to the total
with a :class:`ShareNormalisationWarning`; more than :data:`OVERSHOOT_TOLERANCE` above
the total is an error.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from mineralwatch.errors import ConsistencyError, Failure, InputError

ArrayLike = npt.ArrayLike

#: Shares may sum to at most this fraction above the total before it is an error (rounded
#: published shares overshoot by a few tenths of a percent).
OVERSHOOT_TOLERANCE = 0.02

#: WGI estimates run from about -2.5 (worst) to +2.5 (best).
WGI_RANGE = (-2.5, 2.5)

HHI_UNIT = "HHI (0-10,000)"
SHARE_UNIT = "fraction (0-1)"
GOV_HHI_UNIT = "HHI x WGI (0-10, 10 worst)"


class ShareNormalisationWarning(UserWarning):
    """Shares summed to more than the total (rounding) and were scaled down to it."""


# -- share handling -----------------------------------------------------------------------
def as_shares(shares: ArrayLike, *, total: float = 1.0, normalise: bool = True) -> np.ndarray:
    """Validate shares as a float array; scale them down to ``total`` if they overshoot.

    Parameters
    ----------
    shares
        fractions of ``total`` (missing values are not allowed).
    total
        what the shares are fractions of (1 for fractions; 100 for percentages).
    normalise
        scale shares summing to more than ``total`` (up to :data:`OVERSHOOT_TOLERANCE`
        above it) down to ``total``, with a :class:`ShareNormalisationWarning`.

    Returns
    -------
    numpy.ndarray
        shares as fractions of 1.

    Raises
    ------
    InputError
        for negative or non-finite shares.
    ConsistencyError
        when the shares sum to more than ``total * (1 + OVERSHOOT_TOLERANCE)``.
    """
    arr = np.asarray(shares, dtype="float64").ravel() / float(total)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise InputError(f"{int(bad.sum())} share(s) are negative or not numbers.",
                         [Failure("bad share", line=None, value=float(v) * total)
                          for v in arr[bad]],
                         hint="Shares are non-negative fractions; drop missing producers.")
    s = float(arr.sum())
    if s > 1.0 + 1e-9:
        if s > 1.0 + OVERSHOOT_TOLERANCE or not normalise:
            raise ConsistencyError(
                f"Shares sum to {s * total:.4g}, more than the total {total:g}.",
                hint="Check for double counting (a world total or aggregate listed as a "
                "producer).")
        warnings.warn(f"Shares sum to {s * 100:.2f}% of the total (rounding); scaled down "
                      "to 100%.", ShareNormalisationWarning, stacklevel=2)
        arr = arr / s
    return arr


def shares_of(quantities: ArrayLike, total: float | None = None) -> np.ndarray:
    """Shares of ``total`` (default: the sum) from quantities."""
    q = np.asarray(quantities, dtype="float64").ravel()
    denom = float(q.sum()) if total is None else float(total)
    if denom <= 0:
        return np.zeros_like(q)
    return q / denom


def wgi_score(wgi_mean_estimate: ArrayLike) -> np.ndarray:
    """WGI mean estimate (about -2.5 worst ... +2.5 best) rescaled to 0–10 with 10 the worst.

    ``score = 10 * (2.5 - x) / 5``, clipped to [0, 10]: -2.5 -> 10, 0 -> 5, +2.5 -> 0.
    """
    lo, hi = WGI_RANGE
    x = np.asarray(wgi_mean_estimate, dtype="float64")
    return np.clip(10.0 * (hi - x) / (hi - lo), 0.0, 10.0)


# -- indicators -----------------------------------------------------------------------------
def hhi(shares: ArrayLike, *, wgi: ArrayLike | None = None) -> float:
    """Herfindahl–Hirschman index, 0–10,000: ``10,000 * sum(s_i^2)`` for fractions ``s_i``.

    With incomplete shares this is the lower bound of :func:`hhi_bounds`.
    """
    s = as_shares(shares)
    return float(10_000.0 * np.sum(s * s))


def top_n_share(shares: ArrayLike, n: int = 1, *, wgi: ArrayLike | None = None) -> float:
    """Sum of the ``n`` largest shares."""
    if n < 1:
        raise InputError("top_n_share needs n >= 1.", [Failure("bad n", value=n)])
    s = np.sort(as_shares(shares))[::-1]
    return float(s[:n].sum())


def n_producers(shares: ArrayLike, *, wgi: ArrayLike | None = None) -> float:
    """Number of producers with a positive share."""
    return float(np.count_nonzero(as_shares(shares) > 0))


def n1_gap(shares: ArrayLike, *, wgi: ArrayLike | None = None) -> float:
    """Share of world supply lost if the largest supplier stops ("N-1" gap).

    With every other producer unchanged, removing the largest one removes exactly its
    share, so the gap equals the top-1 share. It is reported separately because it is the
    number a security-of-supply reader asks for ("what if the top supplier stops?").
    """
    return top_n_share(shares, 1)


def governance_weighted_hhi(shares: ArrayLike, *, wgi: ArrayLike | None = None) -> float:
    """Governance-weighted HHI, ``sum(s_i^2 * WGI_i)`` (EU CRM ``HHI_WGI`` without ``t``).

    Shares are fractions and ``WGI_i`` scores on 0–10 with 10 the worst (see
    :func:`wgi_score`), so the result lies on 0–10. Producers without a score (NaN) are
    left out of the sum. ``nan`` when no scores are given at all.
    """
    s = as_shares(shares)
    if wgi is None:
        return math.nan
    w = np.asarray(wgi, dtype="float64").ravel()
    if w.shape != s.shape:
        raise InputError(f"{len(s)} shares but {len(w)} governance scores.",
                         hint="Give one WGI score (or NaN) per producer.")
    if np.isnan(w).all():
        return math.nan
    return float(np.nansum(s * s * w))


def hhi_bounds(shares_known: ArrayLike, total: float = 1.0, *,
               cap: float | None = None) -> tuple[float, float]:
    """Least and greatest HHI (0–10,000) consistent with incomplete shares.

    Parameters
    ----------
    shares_known
        the listed producers' shares (fractions of ``total``).
    total
        what the shares are fractions of (1, or 100 for percentages).
    cap
        the largest share an unlisted producer may have, as a fraction of ``total``.
        Default: the smallest positive listed share (the list is the top producers);
        without positive listed shares, the whole residual.

    Returns
    -------
    (float, float)
        ``(hhi_min, hhi_max)``; equal when the shares are complete. See the module
        docstring for the derivation. Shares above the total are normalised with a
        :class:`ShareNormalisationWarning` (the bounds then coincide).
    """
    s = as_shares(shares_known, total=total)
    known = float(np.sum(s * s))
    residual = max(0.0, 1.0 - float(s.sum()))
    if residual <= 1e-12:
        return 10_000.0 * known, 10_000.0 * known
    if cap is None:
        positive = s[s > 0]
        c = float(positive.min()) if positive.size else residual
    else:
        c = float(cap) / float(total)
    if c <= 0:
        raise InputError("hhi_bounds needs a positive cap.", [Failure("bad cap", value=cap)])
    c = min(c, residual)
    m = math.floor(residual / c + 1e-12)
    r = max(0.0, residual - m * c)
    return 10_000.0 * known, 10_000.0 * (known + m * c * c + r * r)


# -- registry -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    """A registered concentration indicator: ``func(shares, *, wgi=None) -> float``."""

    name: str
    unit: str
    description: str
    func: Callable[..., float]

    def __call__(self, shares: ArrayLike, *, wgi: ArrayLike | None = None) -> float:
        return self.func(shares, wgi=wgi)


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in [
        Indicator("hhi", HHI_UNIT, "Herfindahl-Hirschman index of the listed shares", hhi),
        Indicator("top1_share", SHARE_UNIT, "share of the largest producer",
                  partial(top_n_share, n=1)),
        Indicator("top3_share", SHARE_UNIT, "share of the three largest producers",
                  partial(top_n_share, n=3)),
        Indicator("top5_share", SHARE_UNIT, "share of the five largest producers",
                  partial(top_n_share, n=5)),
        Indicator("n_producers", "count", "producers with a positive share", n_producers),
        Indicator("n1_gap", SHARE_UNIT, "share of supply lost if the largest producer stops",
                  n1_gap),
        Indicator("governance_weighted_hhi", GOV_HHI_UNIT,
                  "sum of squared shares times WGI score (EU CRM HHI_WGI without t)",
                  governance_weighted_hhi),
    ]
}


def compute_indicators(shares: ArrayLike, *, wgi: ArrayLike | None = None,
                       names: Iterable[str] | None = None) -> pd.DataFrame:
    """Evaluate registered indicators; one row per indicator with name, unit and value."""
    chosen = list(names) if names is not None else list(INDICATORS)
    shares = as_shares(shares)  # validate and normalise once
    rows: list[Mapping[str, Any]] = [
        {"name": n, "unit": INDICATORS[n].unit, "value": INDICATORS[n](shares, wgi=wgi)}
        for n in chosen
    ]
    return pd.DataFrame(rows, columns=["name", "unit", "value"])


__all__ = [
    "GOV_HHI_UNIT",
    "HHI_UNIT",
    "INDICATORS",
    "OVERSHOOT_TOLERANCE",
    "SHARE_UNIT",
    "Indicator",
    "ShareNormalisationWarning",
    "as_shares",
    "compute_indicators",
    "governance_weighted_hhi",
    "hhi",
    "hhi_bounds",
    "n1_gap",
    "n_producers",
    "shares_of",
    "top_n_share",
    "wgi_score",
]
