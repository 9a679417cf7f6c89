"""SQL fragments over the canonical ``trade`` table, shared by every trade analytic.

A flow may be reported by both partners (and reconciled by BACI); the analytics keep one
reporting side per flow, ranked by :data:`SIDE_RANK`: ``reconciled`` first, then
``import`` (importers' declarations, usually the better recorded side), then ``export``.
Aggregate partner codes (world, other countries, EU, ...) are never a partner; SQL
excludes them with ``NOT IN ({AGGREGATES_SQL})``.
"""

from __future__ import annotations

from mineralwatch.codes.countries import AGGREGATE_CODES

#: Reporting sides in order of preference (lower rank wins), as a SQL expression.
SIDE_RANK = "CASE reporter_side WHEN 'reconciled' THEN 0 WHEN 'import' THEN 1 ELSE 2 END"

#: Number of ranks of :data:`SIDE_RANK` (0 .. N_SIDE_RANKS - 1).
N_SIDE_RANKS = 3


def best_side_sum(column: str, rank: str = "side_rank") -> str:
    """Aggregate: ``sum(column)`` over the rows of the best-ranked reporting side present.

    Used in a ``GROUP BY`` of one flow (e.g. period, exporter, importer) over rows that
    carry ``rank`` (:data:`SIDE_RANK`): one pass, no window or self-join.
    """
    whens = " ".join(f"WHEN {r} THEN sum(CASE WHEN {rank} = {r} THEN {column} END)"
                     for r in range(N_SIDE_RANKS))
    return f"CASE min({rank}) {whens} END"


#: The aggregate partner codes as a SQL list of string literals (for ``NOT IN (...)``).
AGGREGATES_SQL = ", ".join(f"'{c}'" for c in sorted(AGGREGATE_CODES))

__all__ = ["AGGREGATES_SQL", "N_SIDE_RANKS", "SIDE_RANK", "best_side_sum"]
