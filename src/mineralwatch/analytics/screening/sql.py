"""SQL of the screening analytics (DuckDB dialect, ``:name`` parameters, run on any engine).

The relational parts run in two steps. ``screen_extract`` is the only pass over the
trade table (DuckDB warehouse or Spark): the restriction's HS codes, monthly periods
(``:period_length`` 7), flows with the restrictor as exporter or the target as importer,
summed over HS codes by month, flow and reporting side, quantities converted to tonnes
(unit factors from ``codes/data/units.tsv``; rows in other units keep their unit so that
the caller can name it). The result is small; the other analytics run over it, bound
as ``trade`` (on a local DuckDB), and drop aggregate partner codes (WLD, XOT, ...):

``screen_coverage``
    months, units and presence of restrictor and target (data-sufficiency checks).
``screen_series``
    one reporting side per flow (``reconciled`` > ``import`` > ``export``), monthly series
    of the two legs ``rk`` (restrictor -> third country K) and ``kt`` (K -> target),
    zero-filled except in months in which the leg's reporter reported nothing at all
    (``NULL``: missing).
``screen_features``
    per country and leg: seasonal baseline (mean of the same calendar month before the
    date), residual standard deviation, observed vs expected after the date, onset month,
    unit values, and mirror statistics of ``rk`` (the restrictor's declared exports vs
    K's declared imports, before and after).

Event impact uses them with the actor as restrictor and a target code that matches
nothing: leg ``rk`` is then the actor's exports to each partner.
"""

from __future__ import annotations

from mineralwatch.analytics.sql_registry import SqlAnalytic, register_sql_analytic
from mineralwatch.codes import units as _units
from mineralwatch.store.trade import AGGREGATES_SQL, SIDE_RANK, best_side_sum


def _tonnes_case(column: str = "quantity_unit") -> str:
    """``CASE`` giving the factor to tonnes of every mass unit of ``codes/data/units.tsv``."""
    pairs = sorted({(u, f) for u, (f, dim) in _units.table().items() if dim == "mass"})
    whens = " ".join(f"WHEN '{u.replace(chr(39), chr(39) * 2)}' THEN {f!r}" for u, f in pairs)
    return f"CASE {column} {whens} ELSE NULL END"


TONNES_CASE = _tonnes_case()

def _extract_branch(flows: str) -> str:
    """One branch of ``screen_extract``: the restriction's rows of ``flows``, summed."""
    return f"""
SELECT period, exporter, importer, reporter_side,
       CASE WHEN factor IS NULL THEN quantity_unit ELSE 't' END AS quantity_unit,
       sum(value_usd) AS value_usd,
       sum(quantity * coalesce(factor, 1.0)) AS quantity,
       count(*) AS n_rows
FROM (
    SELECT period, exporter, importer, reporter_side, quantity_unit, value_usd, quantity,
           {TONNES_CASE} AS factor
    FROM trade
    WHERE {flows} AND hs6 IN (:hs6) AND length(period) = :period_length
) AS rows_
GROUP BY period, exporter, importer, reporter_side,
         CASE WHEN factor IS NULL THEN quantity_unit ELSE 't' END"""


#: The one scan of ``trade``: a restriction's flows, monthly, quantities in tonnes. Two
#: disjoint branches (restrictor's exports; target's imports from anyone else) rather
#: than ``exporter = R OR importer = T``: each branch's equality is pushed into the scan
#: (zone maps, filters on compressed columns), where the ``OR`` of two columns is not.
SCREEN_EXTRACT = (
    _extract_branch("exporter = :restrictor AND importer <> :restrictor")
    + "\nUNION ALL"
    + _extract_branch("importer = :target AND exporter <> :restrictor AND exporter <> :target")
    + "\n"
)

#: Quantity in tonnes of an extract row (``NULL`` for a unit that is not a mass unit).
_T = "CASE WHEN quantity_unit = 't' THEN quantity END"

_MONTHLY = f"""screen_monthly AS (
    SELECT period, exporter, importer, reporter_side, quantity_unit,
           sum(value_usd) AS value_usd, sum({_T}) AS quantity_t, count(*) AS n_rows
    FROM trade
    WHERE (exporter = :restrictor OR importer = :target) AND exporter <> importer
      AND exporter NOT IN ({AGGREGATES_SQL}) AND importer NOT IN ({AGGREGATES_SQL})
    GROUP BY period, exporter, importer, reporter_side, quantity_unit
)"""

_CALENDAR = """screen_calendar AS (
    SELECT period,
           12 * CAST(substr(period, 1, 4) AS INTEGER)
               + coalesce(TRY_CAST(substr(period, 6, 2) AS INTEGER), 1) - 1 AS month_index,
           substr(period, 6, 2) AS cal_month,
           CASE WHEN period >= :since THEN 1 ELSE 0 END AS post
    FROM (SELECT DISTINCT period FROM screen_monthly) AS p
)"""

_SERIES = f"""m AS (
    SELECT period, exporter, importer, reporter_side, value_usd,
           quantity_t AS qt,
           {SIDE_RANK} AS side_rank
    FROM screen_monthly
),
best AS (
    SELECT period, exporter, importer, {best_side_sum("qt")} AS qt,
           {best_side_sum("value_usd")} AS value_usd
    FROM m
    GROUP BY period, exporter, importer
),
legs AS (
    SELECT 'rk' AS leg, importer AS country, period, qt, value_usd FROM best
    WHERE exporter = :restrictor AND importer <> :target
    UNION ALL
    SELECT 'kt' AS leg, exporter AS country, period, qt, value_usd FROM best
    WHERE importer = :target AND exporter <> :restrictor
),
reported AS (
    SELECT DISTINCT 'rk' AS leg, period FROM m WHERE exporter = :restrictor
    UNION ALL
    SELECT DISTINCT 'kt' AS leg, period FROM m WHERE importer = :target
),
grid AS (
    SELECT k.country, l.leg, c.period, c.month_index, c.cal_month, c.post
    FROM (SELECT DISTINCT country FROM legs) AS k
    CROSS JOIN (SELECT 'rk' AS leg UNION ALL SELECT 'kt' AS leg) AS l
    CROSS JOIN screen_calendar AS c
),
screen_series AS (
    SELECT g.country, g.leg, g.period, g.month_index, g.cal_month, g.post,
           CASE WHEN r.period IS NULL THEN NULL ELSE coalesce(lg.qt, 0.0) END AS qt,
           lg.value_usd
    FROM grid AS g
    LEFT JOIN legs AS lg ON lg.leg = g.leg AND lg.country = g.country AND lg.period = g.period
    LEFT JOIN reported AS r ON r.leg = g.leg AND r.period = g.period
)"""

_FEATURES = """seasonal AS (
    SELECT country, leg, cal_month, avg(qt) AS base_m
    FROM screen_series WHERE post = 0 AND qt IS NOT NULL
    GROUP BY country, leg, cal_month
),
before_ AS (
    SELECT country, leg, avg(qt) AS pre_mean, count(qt) AS n_pre,
           sum(CASE WHEN qt > 0 THEN value_usd END) / sum(CASE WHEN qt > 0 THEN qt END)
               AS uv_pre
    FROM screen_series WHERE post = 0
    GROUP BY country, leg
),
scored AS (
    SELECT s.country, s.leg, s.month_index, s.post, s.qt, s.value_usd,
           coalesce(se.base_m, b.pre_mean, 0.0) AS expected
    FROM screen_series AS s
    LEFT JOIN before_ AS b ON b.country = s.country AND b.leg = s.leg
    LEFT JOIN seasonal AS se
      ON se.country = s.country AND se.leg = s.leg AND se.cal_month = s.cal_month
    WHERE s.qt IS NOT NULL
),
resid AS (
    SELECT country, leg, stddev_samp(qt - expected) AS resid_sd
    FROM scored WHERE post = 0
    GROUP BY country, leg
),
after_ AS (
    SELECT sc.country, sc.leg, sum(sc.qt) AS post_t, sum(sc.expected) AS expected_t,
           count(*) AS n_post,
           sum(CASE WHEN sc.qt > 0 THEN sc.value_usd END)
               / sum(CASE WHEN sc.qt > 0 THEN sc.qt END) AS uv_post,
           min(CASE WHEN sc.qt > sc.expected + 3.0 * coalesce(r.resid_sd, 0.0)
                         AND sc.qt > 1.5 * sc.expected
                    THEN sc.month_index END) AS onset_index
    FROM scored AS sc
    LEFT JOIN resid AS r ON r.country = sc.country AND r.leg = sc.leg
    WHERE sc.post = 1
    GROUP BY sc.country, sc.leg
),
mirror AS (
    SELECT mo.importer AS country,
           sum(CASE WHEN c.post = 0 AND mo.reporter_side = 'export'
                    THEN mo.quantity_t END) AS declared_exports_pre,
           sum(CASE WHEN c.post = 0 AND mo.reporter_side = 'import'
                    THEN mo.quantity_t END) AS declared_imports_pre,
           sum(CASE WHEN c.post = 1 AND mo.reporter_side = 'export'
                    THEN mo.quantity_t END) AS declared_exports_post,
           sum(CASE WHEN c.post = 1 AND mo.reporter_side = 'import'
                    THEN mo.quantity_t END) AS declared_imports_post
    FROM screen_monthly AS mo
    JOIN screen_calendar AS c ON c.period = mo.period
    WHERE mo.exporter = :restrictor
    GROUP BY mo.importer
)"""

#: Monthly series of both legs per third country (over a ``screen_extract``).
SCREEN_SERIES = "WITH " + ",\n".join([_MONTHLY, _CALENDAR, _SERIES]) + """
SELECT country, leg, period, month_index, cal_month, post, qt, value_usd FROM screen_series
"""

#: Baselines, excess, onset, unit values and mirror statistics per third country and leg.
SCREEN_FEATURES = "WITH " + ",\n".join([_MONTHLY, _CALENDAR, _SERIES, _FEATURES]) + """
SELECT b.country, b.leg, b.pre_mean, b.n_pre, b.uv_pre, r.resid_sd,
       a.post_t, a.expected_t, a.n_post, a.uv_post, a.onset_index,
       mi.declared_exports_pre, mi.declared_imports_pre,
       mi.declared_exports_post, mi.declared_imports_post
FROM before_ AS b
LEFT JOIN resid AS r ON r.country = b.country AND r.leg = b.leg
LEFT JOIN after_ AS a ON a.country = b.country AND a.leg = b.leg
LEFT JOIN mirror AS mi ON mi.country = b.country AND b.leg = 'rk'
"""

#: Months, units and presence of restrictor and target in an extract.
SCREEN_COVERAGE = f"""
SELECT period, quantity_unit,
       max(CASE WHEN exporter = :restrictor THEN 1 ELSE 0 END) AS has_restrictor,
       max(CASE WHEN importer = :target THEN 1 ELSE 0 END) AS has_target,
       count(*) AS n_rows
FROM trade
WHERE (exporter = :restrictor OR importer = :target)
  AND exporter NOT IN ({AGGREGATES_SQL}) AND importer NOT IN ({AGGREGATES_SQL})
GROUP BY period, quantity_unit
"""

_PARTIES = {"restrictor": "AAA", "target": "BBB"}

register_sql_analytic(SqlAnalytic(
    name="screen_extract",
    sql=SCREEN_EXTRACT,
    inputs=("trade",),
    key=("period", "exporter", "importer", "reporter_side", "quantity_unit"),
    example_params={"hs6": ["000001", "000002", "000003"], "period_length": 4, **_PARTIES},
    description="The screening's one scan of trade: a restriction's flows (from the "
    "restrictor or to the target) by period, flow and reporting side, in tonnes.",
))
register_sql_analytic(SqlAnalytic(
    name="screen_series",
    sql=SCREEN_SERIES,
    inputs=("trade",),
    key=("country", "leg", "period"),
    example_params={**_PARTIES, "since": "2022"},
    description="Over a screen_extract: monthly series (t) of restrictor -> K and K -> "
    "target per third country K, zero-filled, NULL where the leg's reporter is missing.",
))
register_sql_analytic(SqlAnalytic(
    name="screen_features",
    sql=SCREEN_FEATURES,
    inputs=("trade",),
    key=("country", "leg"),
    example_params={**_PARTIES, "since": "2022"},
    description="Over a screen_extract: seasonal baselines, post-date excess, onset, unit "
    "values and mirror gaps per third country and leg.",
))
register_sql_analytic(SqlAnalytic(
    name="screen_coverage",
    sql=SCREEN_COVERAGE,
    inputs=("trade",),
    key=("period", "quantity_unit"),
    example_params=_PARTIES,
    description="Over a screen_extract: months, units and presence of restrictor and "
    "target (data sufficiency).",
))

__all__ = ["SCREEN_COVERAGE", "SCREEN_EXTRACT", "SCREEN_FEATURES", "SCREEN_SERIES",
           "TONNES_CASE"]
