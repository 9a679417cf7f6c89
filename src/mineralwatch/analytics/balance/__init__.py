"""Supply–demand balances, policy scenarios, Monte Carlo and stress screening.

>>> import mineralwatch as mw
>>> res = mw.balance(scenario="cobalt_seed")
>>> res.frame()[["year", "supply", "demand", "balance"]].to_dict("records")[0]
{'year': 2025, 'supply': 135000.0, 'demand': 257000.0, 'balance': -122000.0}

Modules: :mod:`.scenario` (typed schema), :mod:`.distributions` (uncertain numbers),
:mod:`.files` (reading YAML, readable errors), :mod:`.events` (event references),
:mod:`.inputs` (scenario -> arrays, constraint checks), :mod:`.model` (the pure maths),
:mod:`.runner` (deterministic and Monte Carlo runs, comparison), :mod:`.stress`
(largest-supplier screening across minerals).
"""

from mineralwatch.analytics.balance.distributions import (
    LogNormal,
    Normal,
    Sampler,
    Triangular,
    Uniform,
)
from mineralwatch.analytics.balance.files import (
    catalogue,
    example_names,
    example_path,
    load_scenario,
    read_scenario,
    scenario_from_dict,
    shipped_path,
)
from mineralwatch.analytics.balance.inputs import ModelArrays, compile_scenario
from mineralwatch.analytics.balance.model import ModelOutput, evaluate
from mineralwatch.analytics.balance.runner import (
    MONTE_CARLO_DRAWS,
    MONTE_CARLO_SEED,
    BalanceResult,
    balance,
    baseline_scenario,
    compare_scenarios,
    comparison_table,
    run_scenario,
)
from mineralwatch.analytics.balance.scenario import Scenario
from mineralwatch.analytics.balance.stress import stress, stress_summary

__all__ = [
    "MONTE_CARLO_DRAWS", "MONTE_CARLO_SEED", "BalanceResult", "LogNormal", "ModelArrays",
    "ModelOutput", "Normal", "Sampler", "Scenario", "Triangular", "Uniform", "balance",
    "baseline_scenario", "catalogue", "compare_scenarios", "comparison_table",
    "compile_scenario", "evaluate", "example_names", "example_path", "load_scenario",
    "read_scenario", "run_scenario", "scenario_from_dict", "shipped_path", "stress",
    "stress_summary",
]
