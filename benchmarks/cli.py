"""CLI start-up benchmark: ``mineralwatch --help`` and one ``concentration`` query.

    python -m benchmarks.cli                 # 7 runs of each (about 10 s)
    python -m benchmarks.cli --runs 15

Builds the starter warehouse (``mineralwatch init``) in a temporary folder, then times
each command as a fresh process (the way a user runs it), ``--runs`` times after one
untimed warm-up run (so the file cache is warm). Reports the median and the best wall
time of each (labelled as such), the modules ``--help`` imports (it must not import
pandas, numpy or duckdb: lazy imports), the load average before and after, and whether
the targets (``--help`` < 0.3 s, the query < 0.5 s, medians on a quiet machine) are met.
Results go to ``benchmarks/results/cli.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "cli.json"
TARGETS = {"help": 0.3, "concentration": 0.5}
HEAVY = ("pandas", "numpy", "duckdb", "pyarrow", "sqlglot")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from mineralwatch.cli import run; "
            "sys.argv[0] = 'mineralwatch'; run()", *args]


def timed(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    subprocess.run(cmd, capture_output=True, env=env, check=True)  # warm-up, untimed
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=True)
        out.append(time.perf_counter() - t0)
    return out


def help_imports(env: dict[str, str]) -> list[str]:
    code = ("import sys; from mineralwatch.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       check=True)
    last = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    return [m for m in last.split(",") if m]


def main() -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        wh = str(Path(tmp) / "wh.duckdb")
        env = {**os.environ, "MINERALWATCH_WAREHOUSE": wh, "COLUMNS": "120"}
        subprocess.run(cli("init"), capture_output=True, env=env, check=True)
        cases = {"help": cli("--help"),
                 "concentration": cli("concentration", "--mineral", "cobalt")}
        times = {k: timed(c, args.runs, env) for k, c in cases.items()}
        heavy = help_imports(env)
    load_after = [round(x, 2) for x in os.getloadavg()]
    result: dict[str, Any] = {
        "benchmark": "cli", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "load_average_before": load_before, "load_average_after": load_after,
        "runs": args.runs, "help_imports_heavy_modules": heavy, "cases": {}}
    for k, ts in times.items():
        med = statistics.median(ts)
        result["cases"][k] = {"command": " ".join(cases[k][3:]) or "--help",
                              "median_s": round(med, 3), "best_s": round(min(ts), 3),
                              "all_s": [round(t, 3) for t in ts], "target_s": TARGETS[k],
                              "target_met_median": med < TARGETS[k]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    for k, c in result["cases"].items():
        print(f"{k}: median {c['median_s']:.3f} s, best {c['best_s']:.3f} s "
              f"(target < {c['target_s']} s: {'met' if c['target_met_median'] else 'NOT met'})")
    print(f"--help imports heavy modules: {heavy or 'none'}; load average {load_before} -> "
          f"{load_after}")
    return result


if __name__ == "__main__":
    main()
