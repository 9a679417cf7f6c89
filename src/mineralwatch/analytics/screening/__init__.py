"""Screening of trade for the effects of policy events and for their circumvention.

* :mod:`.impact` — :func:`event_impact`: seasonally adjusted before/after effect and a
  structural-break (Chow) test per partner.
* :mod:`.transshipment` — :func:`screen_transshipment`: third countries ranked by evidence
  of diversion, with an evidence table each.
* :mod:`.sql` — the relational parts (one scan of ``trade``), registered SQL analytics.
* :mod:`.synthetic` — generated monthly trade with planted transit countries.
"""

from mineralwatch.analytics.screening.impact import event_impact, seasonal_break_test
from mineralwatch.analytics.screening.transshipment import screen_transshipment

__all__ = ["event_impact", "screen_transshipment", "seasonal_break_test"]
