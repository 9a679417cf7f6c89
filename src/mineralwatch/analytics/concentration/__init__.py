"""Supply concentration: HHI, top-N shares, N-1 gap, governance-weighted HHI, bounds for
incomplete shares, exporter concentration and import dependence.

* :mod:`.indicators` — pure functions over shares and the indicator registry;
* :mod:`.api` — the same indicators over the warehouse (:func:`concentration`) and the
  trade-side SQL analytics (:func:`exporter_concentration`, :func:`import_dependence`);
* :mod:`.sql` — the SQL, registered for the engine parity test.
"""

from mineralwatch.analytics.concentration.api import (
    COLUMNS,
    SOURCE_PREFERENCE,
    UNITS,
    concentration,
    exporter_concentration,
    import_dependence,
)
from mineralwatch.analytics.concentration.indicators import (
    INDICATORS,
    Indicator,
    ShareNormalisationWarning,
    compute_indicators,
    governance_weighted_hhi,
    hhi,
    hhi_bounds,
    n1_gap,
    n_producers,
    top_n_share,
    wgi_score,
)

__all__ = [
    "COLUMNS",
    "INDICATORS",
    "SOURCE_PREFERENCE",
    "UNITS",
    "Indicator",
    "ShareNormalisationWarning",
    "compute_indicators",
    "concentration",
    "exporter_concentration",
    "governance_weighted_hhi",
    "hhi",
    "hhi_bounds",
    "import_dependence",
    "n1_gap",
    "n_producers",
    "top_n_share",
    "wgi_score",
]
