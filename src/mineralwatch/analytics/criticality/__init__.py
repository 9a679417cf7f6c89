"""Criticality: the EU CRM method (supply risk, economic importance) for any importer, and a
USGS-style supply risk (Nassar & Fortier 2021).

>>> import mineralwatch as mw
>>> mw.criticality(wh, method="eu", importer="EU", material="gallium")   # doctest: +SKIP

Maths in :mod:`.eu` (pure formulas), inputs in :mod:`.inputs`, orchestration in
:mod:`.assess` (EU) and :mod:`.usgs`, explanations in :mod:`.explain`, the warehouse-facing
entry point in :mod:`.api`. Defaults live in :class:`.options.CriticalityOptions`.
"""

from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS, CriticalityOptions

__all__ = ["DEFAULT_OPTIONS", "CriticalityOptions"]
