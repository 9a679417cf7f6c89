"""SQL of the trade-side concentration analytics (DuckDB dialect, ``:name`` parameters).

Both queries choose, per period and HS6 code, one reporting side so that a flow reported
by both partners is not counted twice: ``reconciled`` (BACI) first, then ``import``
(importers' declarations, usually the better recorded side), then ``export``. Aggregate
partner codes (world, other countries, EU, ...) are never counted as a partner.

Filters follow one pattern: ``(:all_x OR x IN (:x))`` where ``all_x`` is true when no
filter is wanted (an empty list then stands for ``x``).
"""

from __future__ import annotations

from mineralwatch.analytics.sql_registry import SqlAnalytic, register_sql_analytic
from mineralwatch.codes.countries import AGGREGATE_CODES

#: Reporting sides in order of preference (lower rank wins).
SIDE_RANK = "CASE reporter_side WHEN 'reconciled' THEN 0 WHEN 'import' THEN 1 ELSE 2 END"

_AGGREGATES = ", ".join(f"'{c}'" for c in sorted(AGGREGATE_CODES))

#: A sub-query over ``flows`` (period, hs6, side_rank, ...) keeping the preferred side.
_PREFERRED_SIDE = """
    SELECT * FROM (
        SELECT f.*, min(side_rank) OVER (PARTITION BY period, hs6) AS best_rank
        FROM flows AS f
    ) AS ranked_sides
    WHERE side_rank = best_rank
"""

EXPORTER_HHI = f"""
WITH flows AS (
    SELECT period, hs6, {SIDE_RANK} AS side_rank, exporter, sum(value_usd) AS value_usd
    FROM trade
    WHERE value_usd > 0
      AND exporter NOT IN ({_AGGREGATES}) AND importer NOT IN ({_AGGREGATES})
      AND (:all_hs6 OR hs6 IN (:hs6))
      AND (:all_periods OR period IN (:period))
    GROUP BY period, hs6, {SIDE_RANK}, exporter
),
chosen AS ({_PREFERRED_SIDE}),
shares AS (
    SELECT period, hs6, exporter, value_usd,
           value_usd / sum(value_usd) OVER (PARTITION BY period, hs6) AS share,
           row_number() OVER (PARTITION BY period, hs6 ORDER BY value_usd DESC, exporter)
               AS rnk
    FROM chosen
)
SELECT period, hs6,
       count(*) AS n_exporters,
       sum(value_usd) AS total_value_usd,
       10000.0 * sum(share * share) AS hhi,
       max(CASE WHEN rnk = 1 THEN exporter END) AS top1_exporter,
       sum(CASE WHEN rnk = 1 THEN share ELSE 0.0 END) AS top1_share,
       sum(CASE WHEN rnk <= 3 THEN share ELSE 0.0 END) AS top3_share,
       sum(CASE WHEN rnk <= 5 THEN share ELSE 0.0 END) AS top5_share
FROM shares
GROUP BY period, hs6
"""

IMPORT_DEPENDENCE = f"""
WITH flows AS (
    SELECT period, hs6, {SIDE_RANK} AS side_rank, exporter, sum(value_usd) AS value_usd
    FROM trade
    WHERE value_usd > 0 AND importer = :importer
      AND exporter NOT IN ({_AGGREGATES})
      AND hs6 IN (:hs6)
      AND (:all_periods OR period IN (:period))
    GROUP BY period, hs6, {SIDE_RANK}, exporter
),
chosen AS ({_PREFERRED_SIDE}),
by_partner AS (
    SELECT period, exporter, sum(value_usd) AS value_usd
    FROM chosen
    GROUP BY period, exporter
),
shares AS (
    SELECT period, exporter, value_usd,
           value_usd / sum(value_usd) OVER (PARTITION BY period) AS share,
           row_number() OVER (PARTITION BY period ORDER BY value_usd DESC, exporter) AS rnk
    FROM by_partner
)
SELECT period,
       :importer AS importer,
       count(*) AS n_partners,
       sum(value_usd) AS total_value_usd,
       max(CASE WHEN rnk = 1 THEN exporter END) AS top_partner,
       sum(CASE WHEN rnk = 1 THEN share ELSE 0.0 END) AS top_partner_share,
       :partner AS partner,
       sum(CASE WHEN exporter = :partner THEN share ELSE 0.0 END) AS partner_share,
       sum(CASE WHEN exporter = :partner THEN value_usd ELSE 0.0 END) AS partner_value_usd
FROM shares
GROUP BY period
"""

register_sql_analytic(SqlAnalytic(
    name="exporter_hhi",
    sql=EXPORTER_HHI,
    inputs=("trade",),
    key=("period", "hs6"),
    example_params={"all_hs6": True, "hs6": [], "all_periods": True, "period": []},
    description="Exporter HHI (0-10,000), exporters and top-1/3/5 shares per period and HS6.",
))

register_sql_analytic(SqlAnalytic(
    name="import_dependence",
    sql=IMPORT_DEPENDENCE,
    inputs=("trade",),
    key=("period",),
    example_params={"importer": "AAA", "hs6": ["000001", "000002", "000003"],
                    "all_periods": True, "period": [], "partner": "BBB"},
    description="Share of an importer's imports (value) from its top supplier and from a "
    "named partner, per period.",
))

__all__ = ["EXPORTER_HHI", "IMPORT_DEPENDENCE", "SIDE_RANK"]
