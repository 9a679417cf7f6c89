"""Trade-network shock propagation: who runs short when an exporter cuts.

* :mod:`.propagation` — the maths (proportional reallocation with reserve drawdown,
  Marchand et al. 2016 / Heslin et al. 2020; threshold cascade, Lee et al. 2011),
  conservation checks.
* :mod:`.flows` — a mineral's flow matrix, production and consumption from the warehouse
  (SQL analytic ``network_mineral_flows``).
* :mod:`.api` — :func:`shock` and :func:`monte_carlo`.
"""

from mineralwatch.analytics.network.api import monte_carlo, shock
from mineralwatch.analytics.network.flows import load_trade_system
from mineralwatch.analytics.network.propagation import (
    MODELS,
    Propagation,
    Shock,
    TradeSystem,
    check_conservation,
    propagate,
)

__all__ = ["MODELS", "Propagation", "Shock", "TradeSystem", "check_conservation",
           "load_trade_system", "monte_carlo", "propagate", "shock"]
