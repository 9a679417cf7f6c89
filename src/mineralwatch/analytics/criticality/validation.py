"""Agreement of computed EU CRM scores with published ones (SR, EI, classification).

Published values are rounded to one decimal, so computed values are rounded the same
way before the difference is taken (``|round(x, 1) - published| <= tolerance``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS, CriticalityOptions
from mineralwatch.codes import minerals

_EPS = 1e-9


def published_number(text: object) -> float:
    """A published score as a float; ``nan`` for blanks and for garbled cells (``"281%"``).

    A percentage where a score belongs is a transcription error: it is not guessed at.
    """
    s = "" if text is None else str(text).strip()
    if not s or s.endswith("%"):
        return math.nan
    try:
        return float(s)
    except ValueError:
        return math.nan


def agreement(computed: pd.DataFrame, published: pd.DataFrame,
              options: CriticalityOptions = DEFAULT_OPTIONS) -> dict[str, Any]:
    """Share of materials whose computed SR/EI/classification agree with the published.

    Parameters
    ----------
    computed
        an EU assessment (``material, sr, ei, classification``).
    published
        ``material, sr, ei`` (floats; ``nan`` where not published or garbled).

    Returns
    -------
    dict
        ``n`` materials compared; ``sr_0.1``, ``sr_0.3`` (fractions of materials with a
        published SR), ``ei_0.1``, ``ei_0.2``, ``ei_0.3`` (of materials with a computed EI)
        and ``ei_0.2_all`` (of all materials with a published EI), ``ei_0.2_materials`` and
        ``ei_materials`` (the same among single materials: the group rows HREE, LREE and
        PGM are means of their members, whose errors they repeat), ``ei_computed``,
        ``ei_rmse`` and
        ``ei_bias`` (root-mean-square and mean of computed minus published EI, unrounded,
        over the materials with both), ``classification``
        (among materials classifiable on both sides) and ``classified``;
        ``classification_all`` (among all materials with a published SR and EI, an
        undetermined one counted as a miss) and ``ei_coverage`` (share of the materials
        with a published EI for which one is computed); ``misses`` lists
        the materials outside the tolerances with both values.
    """
    m = published.merge(computed, on="material", suffixes=("_pub", ""))
    sr_ok = m["sr_pub"].notna()
    d_sr = (m["sr"].round(1) - m["sr_pub"]).abs()
    ei_pub = m["ei_pub"].notna()
    ei_have = ei_pub & m["ei"].notna()
    d_ei = (m["ei"].round(1) - m["ei_pub"]).abs()
    pub_crit = (m["sr_pub"] >= options.sr_threshold) & (m["ei_pub"] >= options.ei_threshold)
    classified = (m["classification"] != "undetermined") & sr_ok & ei_pub
    misses = [
        {"material": r.material, "sr": r.sr, "sr_pub": r.sr_pub, "ei": r.ei, "ei_pub": r.ei_pub}
        for r in m[(d_sr > 0.1 + _EPS) | (d_ei > 0.2 + _EPS)].itertuples()
    ]

    e_ei = (m["ei"] - m["ei_pub"])[ei_have]
    groups = {k for k, v in minerals.table().items() if v.kind == "group"}
    single = ~m["material"].isin(groups)

    def frac(mask: pd.Series, among: pd.Series) -> float:
        n = int(among.sum())
        return float((mask & among).sum()) / n if n else float("nan")

    return {
        "n": len(m),
        "sr_published": int(sr_ok.sum()),
        "sr_0.1": frac(d_sr <= 0.1 + _EPS, sr_ok),
        "sr_0.3": frac(d_sr <= 0.3 + _EPS, sr_ok),
        "ei_published": int(ei_pub.sum()),
        "ei_computed": int(ei_have.sum()),
        "ei_0.1": frac(d_ei <= 0.1 + _EPS, ei_have),
        "ei_0.2": frac(d_ei <= 0.2 + _EPS, ei_have),
        "ei_0.3": frac(d_ei <= 0.3 + _EPS, ei_have),
        "ei_0.2_all": frac(d_ei <= 0.2 + _EPS, ei_pub),
        "ei_materials": int((ei_have & single).sum()),
        "ei_0.2_materials": frac(d_ei <= 0.2 + _EPS, ei_have & single),
        "ei_rmse": float(np.sqrt((e_ei ** 2).mean())) if len(e_ei) else float("nan"),
        "ei_bias": float(e_ei.mean()) if len(e_ei) else float("nan"),
        "classified": int(classified.sum()),
        "classification": frac(pd.Series(np.asarray(m["critical"] == pub_crit)), classified),
        "classification_all": frac(pd.Series(np.asarray(
            m["classification"] == np.where(pub_crit, "critical", "not critical"))),
            sr_ok & ei_pub),
        "ei_coverage": frac(m["ei"].notna(), ei_pub),
        "misses": misses,
    }


__all__ = ["agreement", "published_number"]
