"""JSON-ready values: numpy and pandas scalars, dates and NaN converted once for every output.

The CLI's ``--format json``, the HTTP API and the reports all serialise through
:func:`to_jsonable`, so one record has one JSON shape wherever it appears.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars, dates and NaN into JSON-ready values (NaN -> null)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if obj is pd.NaT:
        return None
    if isinstance(obj, datetime):  # pd.Timestamp is a datetime
        ts = pd.Timestamp(obj)
        return ts.date().isoformat() if ts == ts.normalize() else obj.isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    try:
        if pd.isna(obj):
            return None
    except (TypeError, ValueError):
        pass
    return obj


def dumps(obj: Any) -> str:
    """Stable JSON: NaN as null, ISO dates, non-ASCII kept."""
    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2)


__all__ = ["dumps", "to_jsonable"]
