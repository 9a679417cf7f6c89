"""The EU CRM method's formulas as pure functions (no files, no warehouse).

European Commission, *Methodology for establishing the EU list of critical raw
materials* (2017), as applied in the *Study on the Critical Raw Materials for the EU
2023*::

    HHI_WGI,t = sum_c S_c^2 * WGI_c * t_c                      (S_c a fraction, WGI 0-10)
    SR_stage  = [HHI_WGI,t(GS) * IR/2 + HHI_WGI,t(sourcing) * (1 - IR/2)]
                * (1 - EOL_RIR) * SI_SR                        (variant GS+EU)
              = HHI_WGI,t(GS) * (1 - EOL_RIR) * SI_SR          (GSonly)
              = HHI_WGI,t(sourcing) * (1 - EOL_RIR) * SI_SR    (EUonly)
    SR        = max over the assessed stages (the bottleneck)
    EI        = sum_s A_s * Q_s / max_s' Q_s' * 10 * SI_EI
                (max_s' Q_s': the largest NACE 2-digit sector value added of the economy,
                a fixed scale; uses the study does not allocate to a sector — "Other" —
                spread pro rata over the allocated ones by default: ``unallocated_value``)

``GS`` is global supply, ``sourcing`` the importer's supply mix (the EU's in the study;
any importer's here), ``IR`` the importer's import reliance, ``A_s`` the share of the
material's end uses in NACE sector ``s`` and ``Q_s`` the sector's value added. WGI scores
are the mean of the six World Bank indicators rescaled to 0–10 (10 worst) by
:func:`mineralwatch.analytics.concentration.indicators.wgi_score`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mineralwatch.errors import InputError

ArrayLike = npt.ArrayLike

#: Unit labels of the indicators.
SR_UNIT = "supply risk (EU CRM scale, ~0-10)"
EI_UNIT = "economic importance (EU CRM scale, 0-10)"
HHI_WGI_T_UNIT = "HHI_WGI,t (shares as fractions x WGI 0-10 x t)"


def hhi_wgi_t_terms(shares: ArrayLike, wgi: ArrayLike, t: ArrayLike | None = None
                    ) -> np.ndarray:
    """Each country's term ``S_c^2 * WGI_c * t_c`` of the weighted HHI.

    Parameters
    ----------
    shares
        fractions 0–1 (of global supply or of an importer's sourcing).
    wgi
        governance scores 0–10, 10 the worst (same length).
    t
        trade parameters (default 1: no export restriction, no trade agreement).

    Returns
    -------
    numpy.ndarray
        the terms; their sum is :func:`hhi_wgi_t`.
    """
    s = np.asarray(shares, dtype="float64").ravel()
    w = np.asarray(wgi, dtype="float64").ravel()
    tt = np.ones_like(s) if t is None else np.asarray(t, dtype="float64").ravel()
    if not (s.shape == w.shape == tt.shape):
        raise InputError(f"{s.size} shares, {w.size} WGI scores and {tt.size} t values.",
                         hint="Give one WGI score and one t per country.")
    return s * s * w * tt


def hhi_wgi_t(shares: ArrayLike, wgi: ArrayLike, t: ArrayLike | None = None) -> float:
    """The EU governance- and trade-weighted HHI, ``sum S_c^2 * WGI_c * t_c``.

    With shares summing to 1, WGI in [0, 10] and ``t`` in [0.8, 2] (the study's range),
    the result lies in ``[0, 10 * max(t)]``; it is 0 without any supply.
    """
    return float(hhi_wgi_t_terms(shares, wgi, t).sum())


def supply_risk(hhi_gs: float, hhi_sourcing: float, *, ir: float, eol_rir: float,
                si_sr: float, variant: str = "GS+EU") -> float:
    """Supply risk of one stage.

    Parameters
    ----------
    hhi_gs, hhi_sourcing
        :func:`hhi_wgi_t` of global supply and of the importer's sourcing.
    ir
        import reliance of the importer, fraction 0–1 (used by ``GS+EU`` only).
    eol_rir
        end-of-life recycling input rate, fraction 0–1.
    si_sr
        substitution index for supply risk, 0–1 (1: no substitute).
    variant
        ``"GS+EU"`` (both terms weighted by IR), ``"GSonly"`` or ``"EUonly"``.

    Returns
    -------
    float
        the stage's SR; ``nan`` when an input the variant needs is missing.
    """
    if variant == "GSonly":
        h = hhi_gs
    elif variant == "EUonly":
        h = hhi_sourcing
    elif variant == "GS+EU":
        h = hhi_gs * ir / 2.0 + hhi_sourcing * (1.0 - ir / 2.0)
    else:
        raise InputError(f"Unknown sourcing variant {variant!r}.",
                         hint="Use one of GS+EU, GSonly, EUonly.")
    return float(h * (1.0 - eol_rir) * si_sr)


def supply_risk_array(hhi_gs: ArrayLike, hhi_sourcing: ArrayLike, ir: ArrayLike,
                      eol_rir: ArrayLike, si_sr: ArrayLike, variant: ArrayLike
                      ) -> np.ndarray:
    """Vectorised :func:`supply_risk` over many materials/stages (same formulas)."""
    gs = np.asarray(hhi_gs, dtype="float64")
    src = np.asarray(hhi_sourcing, dtype="float64")
    irr = np.asarray(ir, dtype="float64")
    var = np.asarray(variant, dtype=object)
    mixed = gs * irr / 2.0 + src * (1.0 - irr / 2.0)
    h = np.where(var == "GSonly", gs, np.where(var == "EUonly", src, mixed))
    return h * (1.0 - np.asarray(eol_rir, dtype="float64")) * np.asarray(si_sr, dtype="float64")


def economic_importance(shares: ArrayLike, value_added: ArrayLike, *, si_ei: float,
                        max_value_added: float, unallocated: str = "renormalise") -> float:
    """Economic importance: ``sum A_s * Q_s / max Q * 10 * SI_EI``.

    Parameters
    ----------
    shares
        end-use shares ``A_s`` (fractions); uses not allocated to a sector (the study's
        "Other") carry ``nan`` value added and are treated by ``unallocated``.
    value_added
        value added ``Q_s`` of each use's sector (EUR million).
    si_ei
        substitution index for economic importance, 0–1.
    max_value_added
        the largest sector value added of the economy (the scale's maximum).
    unallocated
        treatment of the unallocated share (:func:`unallocated_value`).
    """
    a = np.asarray(shares, dtype="float64")
    q = np.asarray(value_added, dtype="float64")
    known = ~np.isnan(q)
    weighted = unallocated_value(np.sum(a[known] * q[known]), np.sum(a[known]),
                                 np.sum(a[~known]), how=unallocated,
                                 max_value_added=max_value_added)
    return float(ei_scale(weighted, si_ei, max_value_added))


#: Treatments of end uses without a sector (``CriticalityOptions.unallocated_end_use``).
UNALLOCATED: tuple[str, ...] = ("renormalise", "drop", "largest_sector")


def unallocated_value(weighted: ArrayLike, allocated: ArrayLike, unallocated: ArrayLike, *,
                      how: str = "renormalise", max_value_added: float = float("nan")
                      ) -> np.ndarray:
    """``sum(A_s * Q_s)`` with the unallocated ("Other") share of the end uses accounted for.

    Parameters
    ----------
    weighted
        ``sum A_s * Q_s`` over the uses allocated to a sector.
    allocated, unallocated
        the summed shares of the allocated uses and of the unallocated ones.
    how
        ``"renormalise"``: the unallocated share is spread over the allocated uses in
        proportion to their shares (it is assumed to be used like the known uses:
        ``weighted * (allocated + unallocated) / allocated``); ``"drop"``: it adds
        nothing (as if it went to a sector without value added); ``"largest_sector"``:
        it is put in the largest sector (``max_value_added``; an upper bound).
        docs/criticality.md compares the three on the published 2023 results.
    """
    w = np.asarray(weighted, dtype="float64")
    al = np.asarray(allocated, dtype="float64")
    un = np.nan_to_num(np.asarray(unallocated, dtype="float64"))
    if how == "drop":
        return w
    if how == "renormalise":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(al > 0, w * (al + un) / np.where(al > 0, al, 1.0), np.nan)
    if how == "largest_sector":
        return w + un * max_value_added
    raise InputError(f"Unknown treatment of unallocated end uses {how!r}.",
                     hint="Use one of " + ", ".join(UNALLOCATED) + ".")


def ei_scale(weighted_value_added: ArrayLike, si_ei: ArrayLike,
             max_value_added: float) -> np.ndarray:
    """``sum(A_s * Q_s)`` (per material) to EI: ``/ max Q * 10 * SI_EI`` (vectorised)."""
    if max_value_added <= 0:
        raise InputError("max_value_added must be positive.", hint="Check the sector table.")
    return (np.asarray(weighted_value_added, dtype="float64") / max_value_added * 10.0
            * np.asarray(si_ei, dtype="float64"))


def sr_without(sr: float, *, eol_rir: float = 0.0, si_sr: float = 1.0) -> float:
    """SR with recycling and/or substitution taken out (``SR / ((1-EOL) * SI)``)."""
    denom = (1.0 - eol_rir) * si_sr
    return float("inf") if denom == 0 else sr / denom


__all__ = [
    "EI_UNIT",
    "HHI_WGI_T_UNIT",
    "SR_UNIT",
    "UNALLOCATED",
    "economic_importance",
    "ei_scale",
    "hhi_wgi_t",
    "hhi_wgi_t_terms",
    "sr_without",
    "supply_risk",
    "supply_risk_array",
    "unallocated_value",
]
