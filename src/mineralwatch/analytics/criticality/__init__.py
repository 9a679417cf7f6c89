"""Criticality: the EU CRM method (supply risk, economic importance) for any importer, and
the USGS supply risk (Nassar & Fortier 2021); every result is critical, not critical or
undetermined with its reason (:mod:`.verdict`).

>>> import mineralwatch as mw
>>> mw.criticality(wh, method="eu", importer="EU", material="gallium")   # doctest: +SKIP

Maths in :mod:`.eu` (pure formulas), inputs in :mod:`.inputs`, orchestration in
:mod:`.assess` (EU) and :mod:`.usgs`, explanations in :mod:`.explain`, the tri-state
classification in :mod:`.verdict`, the warehouse-facing entry point in :mod:`.api`.
Defaults live in :class:`.options.CriticalityOptions`.
"""

from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS, CriticalityOptions

__all__ = ["DEFAULT_OPTIONS", "CriticalityOptions"]
