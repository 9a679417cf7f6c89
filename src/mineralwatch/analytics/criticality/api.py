"""``criticality(wh, ...)``: the warehouse-facing entry point of both methods.

>>> import mineralwatch as mw
>>> wh = mw.open()
>>> mw.criticality(wh, method="eu", importer="JPN", material="gallium")  # doctest: +SKIP

Inputs come from the warehouse (``supply_share``, ``governance``, ``end_use``,
``import_reliance``, ``production``, ``trade`` and the parameter table
``crm_parameters``, which ``mineralwatch init`` ingests from the package). Sourcing of a non-EU
importer is, in order of preference: the ``sourcing`` frame passed in (a user CSV read
with :func:`mineralwatch.sources.import_shares.read_import_shares`), the importer's
``supply_share`` rows in the warehouse (e.g. the US import-shares cache), shares derived
from the importer's imports in the ``trade`` table; else global supply, stated in each
record's ``notes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pandas as pd

from mineralwatch.analytics.criticality.assess import assess_eu
from mineralwatch.analytics.criticality.inputs import CriticalityInputs, sourcing_from_trade
from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS, CriticalityOptions
from mineralwatch.analytics.criticality.parameters import coerce_parameters
from mineralwatch.analytics.criticality.usgs import assess_usgs
from mineralwatch.codes import countries
from mineralwatch.errors import Failure, InputError, NotFoundError
from mineralwatch.store import Warehouse
from mineralwatch.store import open as open_warehouse
from mineralwatch.store.cache import cached

Method = Literal["eu", "usgs"]


def _table(wh: Warehouse, name: str, **filters: object) -> pd.DataFrame:
    if name not in wh.tables():
        return pd.DataFrame()
    return wh.load(name, **filters)


def check_sourcing(sourcing: pd.DataFrame, importer: str, *,
                   tolerance: float = DEFAULT_OPTIONS.share_tolerance) -> pd.DataFrame:
    """Validate a user sourcing frame for ``importer``; return it with ``scope = importer``.

    Raises
    ------
    InputError
        when the frame is empty, describes another importer, or a material's shares at
        a stage sum to more than ``1 + tolerance`` (listing every such material).
    """
    if sourcing.empty:
        raise InputError(f"The sourcing data for {importer} has no rows.",
                         hint="Give rows of mineral, country, share (and stage).")
    scopes = set(sourcing["scope"].dropna()) if "scope" in sourcing else set()
    others = scopes - {importer}
    if others:
        raise InputError(
            f"The sourcing data describe {sorted(others)}, not the importer {importer}.",
            hint=f"Pass --importer {sorted(others)[0]} or a sourcing file for {importer}.")
    sums = sourcing.groupby(["mineral", "stage"])["share"].sum()
    over = sums[sums > 1 + tolerance]
    if not over.empty:
        raise InputError(
            f"Sourcing shares of {len(over)} material(s) sum to more than 100%:",
            [Failure(f"shares sum to {v:.1%}", value=k) for k, v in over.items()],
            hint="Shares are fractions of the importer's total imports of one material "
            "and stage; check for duplicated countries or a total row.")
    return sourcing.assign(scope=importer)


def warehouse_parameters(wh: Warehouse) -> pd.DataFrame:
    """The EU CRM 2023 parameter table from the warehouse (``crm_parameters``, ingested by
    ``mineralwatch init`` from the packaged file, or ``mineralwatch ingest
    eu-crm-parameters FILE`` for another table).

    Where several sources give a material's row, one other than the packaged file wins.

    Raises
    ------
    NotFoundError
        when the warehouse has none (one built before the table became a source).
    """
    df = _table(wh, "crm_parameters")
    if df.empty:
        raise NotFoundError(
            "No EU CRM 2023 parameters (crm_parameters) in the warehouse.",
            hint="Run mineralwatch init (adds the packaged table), or mineralwatch ingest "
            "eu-crm-parameters src/mineralwatch/data/eu_crm2023_parameters.csv")
    if "source_id" in df.columns and df["mineral"].duplicated().any():
        # a table the user ingested overrides the packaged one, material by material
        packaged = df["source_id"].astype(str).str.endswith(":eu_crm2023_parameters.csv")
        df = df.assign(_p=packaged).sort_values("_p", kind="stable") \
            .drop_duplicates("mineral").drop(columns="_p")
    return coerce_parameters(df)


def load_inputs(wh: Warehouse, importer: str,
                sourcing: pd.DataFrame | None = None) -> CriticalityInputs:
    """Gather the inputs of an assessment from the warehouse.

    Raises
    ------
    NotFoundError
        when the warehouse has no global supply shares or no governance scores, naming
        the ``mineralwatch ingest`` commands that add them.
    """
    supply = _table(wh, "supply_share")
    if supply.empty or not (supply["scope"] == "WLD").any():
        raise NotFoundError(
            "No global supply shares in the warehouse.",
            hint="Ingest the EU CRM study tables: mineralwatch ingest eu-crm-shares "
            "'../shared/data/eu_crm2023/fact_GlobalSupplyShares&t.csv' (and "
            "fact_EUSupplyShares&t.csv; eu-crm-end-use fact_MaterialUseShares.csv; wgi).")
    governance = _table(wh, "governance")
    if governance.empty:
        raise NotFoundError(
            "No governance (WGI) scores in the warehouse.",
            hint="mineralwatch ingest wgi ../shared/data/governance/wgidataset.csv")
    if sourcing is not None:
        user = check_sourcing(sourcing, importer)
        supply = pd.concat([supply[supply["scope"] != importer], user], ignore_index=True)
    elif importer not in ("EUU", "WLD") and not (supply["scope"] == importer).any():
        trade = _table(wh, "trade", importer=importer)
        if not trade.empty:
            derived = sourcing_from_trade(trade, importer)
            supply = pd.concat([supply, derived], ignore_index=True)
    return CriticalityInputs(
        supply=supply, governance=governance, parameters=warehouse_parameters(wh),
        end_use=_table(wh, "end_use"), import_reliance=_table(wh, "import_reliance"),
        production=_table(wh, "production"))


@cached
def criticality(wh: Warehouse | None = None, *, method: Method = "eu",
                importer: str | None = None, material: str | list[str] | None = None,
                explain: bool = False, sourcing: pd.DataFrame | None = None,
                options: CriticalityOptions | None = None,
                vulnerability: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Assess the criticality of materials for an importer by the EU or USGS method.

    Parameters
    ----------
    wh
        the warehouse (default: the user's warehouse, opened read-only).
    method
        ``"eu"`` (EU CRM 2023: SR and EI) or ``"usgs"`` (Nassar & Fortier 2021:
        (DP x TE x EV)^(1/3), critical from 0.40).
    importer
        a country or region name or code (``EU``, ``USA``, ``Japan``...); default ``EU``
        for the EU method and ``USA`` for the USGS one.
    material
        one material, a list, or ``None`` for all; EU study names are accepted.
    explain
        add an ``explain`` column (contributions, what-ifs).
    sourcing
        the importer's sourcing shares (``supply_share`` rows, e.g. from
        :func:`mineralwatch.sources.import_shares.read_import_shares`).
    options
        :class:`~mineralwatch.analytics.criticality.options.CriticalityOptions`.
    vulnerability
        USGS method: economic vulnerability per material (0–1).

    Returns
    -------
    pandas.DataFrame
        one record per material: ``material, importer, method, sr, ei, stage,
        sr_extraction, sr_processing, critical`` and the decomposition columns.
    """
    opts = options or DEFAULT_OPTIONS
    if method not in ("eu", "usgs"):
        raise InputError(f"Unknown method {method!r}.", hint="Use 'eu' or 'usgs'.")
    imp = countries.to_iso3(importer or ("EU" if method == "eu" else "USA"))
    own = wh is None
    warehouse = open_warehouse(None, read_only=True) if wh is None else wh
    try:
        inputs = load_inputs(warehouse, imp, sourcing)
    finally:
        if own:
            warehouse.close()
    if method == "eu":
        return assess_eu(inputs, importer=imp, materials=material, options=opts,
                         explain=explain)
    return assess_usgs(inputs, importer=imp, materials=material, options=opts,
                       vulnerability=vulnerability, explain=explain)


__all__ = ["check_sourcing", "criticality", "load_inputs", "warehouse_parameters"]
