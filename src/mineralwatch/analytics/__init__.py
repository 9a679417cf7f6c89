"""Analytics: pure maths over arrays and frames, and SQL over the warehouse.

Each subpackage is named by its task (``concentration``, ``criticality``, ``balance``,
``network``, ``screening``, ``stockpile``). Analytics never parse files and never touch
the network. Relational analytics written as SQL register in :mod:`.sql_registry` so that
the engine parity test runs each of them on DuckDB and on Spark.
"""
