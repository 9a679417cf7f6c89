"""Web benchmark: concurrent readers against a running ``mineralwatch serve``.

    python -m benchmarks.web                          # 50 readers, 30 s
    python -m benchmarks.web --readers 10 --duration 10
    python -m benchmarks.web --profile                # also py-spy the server (if installed)

Builds a warehouse from the starter data (``mineralwatch init``) in a temporary folder,
starts the server (uvicorn, 127.0.0.1, an ephemeral port) in a subprocess, warms it up
(one request per URL, timed separately as ``cold_ms``), then runs ``--readers`` concurrent
readers on loopback for ``--duration`` seconds. Each reader is an ``httpx.AsyncClient``
with its own cookies that requests mineral pages and API endpoints in turn, without
pause. The run stops by itself; the server is stopped at the end.

Reports throughput, p50/p95/p99/max latency and errors (a status other than 200, or a
transport error or timeout) per endpoint and overall, the machine load (``uptime``)
before and after, and whether the target (p95 < 300 ms, zero errors) is met. Results go
to ``benchmarks/results/web.json``. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "web.json"
TARGET_P95_MS = 300.0

PAGE_MINERALS = ("cobalt", "rare_earths", "lithium", "graphite", "nickel", "gallium",
                 "germanium", "tungsten")
API_MINERALS = ("cobalt", "rare_earths", "lithium", "graphite", "nickel", "tungsten")
CRIT_MATERIALS = ("cobalt", "lithium", "gallium", "graphite", "nickel", "germanium")


def workload() -> list[tuple[str, str]]:
    """(endpoint label, URL path) pairs; readers cycle through them from different offsets."""
    urls: list[tuple[str, str]] = []
    for i in range(max(len(PAGE_MINERALS), len(API_MINERALS), len(CRIT_MATERIALS))):
        m = PAGE_MINERALS[i % len(PAGE_MINERALS)]
        urls.append(("page /minerals/{id}", f"/minerals/{m}"))
        urls.append(("GET /api/v1/concentration",
                     f"/api/v1/concentration?mineral={API_MINERALS[i % len(API_MINERALS)]}"))
        urls.append(("GET /api/v1/events", "/api/v1/events" if i % 2 == 0
                     else f"/api/v1/events?mineral={API_MINERALS[i % len(API_MINERALS)]}"))
        urls.append(("GET /api/v1/criticality",
                     f"/api/v1/criticality?material={CRIT_MATERIALS[i % len(CRIT_MATERIALS)]}"))
    return urls


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return ""


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mineralwatch_cmd(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; sys.argv[0] = 'mineralwatch'; "
            "from mineralwatch.cli import run; run()", *args]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(base + "/api/v1/whoami", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout:.0f} s")


def stats(lat_ms: list[float], errors: int, seconds: float) -> dict[str, Any]:
    a = np.asarray(lat_ms, dtype="float64")
    out: dict[str, Any] = {"requests": int(a.size) + errors, "ok": int(a.size),
                           "errors": errors,
                           "throughput_rps": round((a.size + errors) / seconds, 1)}
    if a.size:
        p50, p95, p99 = np.percentile(a, [50, 95, 99])
        out.update(p50_ms=round(float(p50), 1), p95_ms=round(float(p95), 1),
                   p99_ms=round(float(p99), 1), max_ms=round(float(a.max()), 1),
                   mean_ms=round(float(a.mean()), 1))
    return out


async def reader(idx: int, base: str, urls: list[tuple[str, str]], stop_at: float,
                 samples: list[tuple[str, float, int | str]], timeout: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
        i = idx * 7
        while time.monotonic() < stop_at:
            label, url = urls[i % len(urls)]
            i += 1
            t0 = time.perf_counter()
            try:
                r = await client.get(url)
                await r.aread()
                outcome: int | str = r.status_code
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            samples.append((label, (time.perf_counter() - t0) * 1000.0, outcome))


async def run_load(base: str, readers: int, duration: float, timeout: float
                   ) -> tuple[list[tuple[str, float, int | str]], float]:
    urls = workload()
    samples: list[tuple[str, float, int | str]] = []
    start = time.monotonic()
    await asyncio.gather(*(reader(i, base, urls, start + duration, samples, timeout)
                           for i in range(readers)))
    return samples, time.monotonic() - start


def summarise(samples: list[tuple[str, float, int | str]], seconds: float
              ) -> dict[str, Any]:
    by: dict[str, tuple[list[float], list[int | str]]] = {}
    for label, ms, outcome in samples:
        lat, errs = by.setdefault(label, ([], []))
        if outcome == 200:
            lat.append(ms)
        else:
            errs.append(outcome)
    endpoints = {}
    for label, (lat, errs) in sorted(by.items()):
        endpoints[label] = stats(lat, len(errs), seconds)
        if errs:
            kinds: dict[str, int] = {}
            for e in errs:
                kinds[str(e)] = kinds.get(str(e), 0) + 1
            endpoints[label]["error_kinds"] = kinds
    overall = stats([ms for _, ms, o in samples if o == 200],
                    sum(1 for *_, o in samples if o != 200), seconds)
    return {"overall": overall, "endpoints": endpoints}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--readers", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout (s)")
    ap.add_argument("--profile", action="store_true",
                    help="record the server with py-spy during the load (flame graph: "
                    "benchmarks/data/web-profile.svg)")
    ap.add_argument("--py-spy-args", nargs="*", default=[],
                    help="extra py-spy arguments, e.g. --format raw")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="mw-web-bench-"))
    wh = tmp / "warehouse.duckdb"
    env = {**os.environ, "MINERALWATCH_WAREHOUSE": str(wh), "PYTHONWARNINGS": "ignore"}
    proc: subprocess.Popen[bytes] | None = None
    spy: subprocess.Popen[bytes] | None = None
    try:
        t0 = time.perf_counter()
        subprocess.run(mineralwatch_cmd("init", "--warehouse", str(wh)), check=True,
                       env=env, cwd=ROOT, capture_output=True)
        init_s = time.perf_counter() - t0
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (tmp / "server.log").open("wb")
        proc = subprocess.Popen(mineralwatch_cmd("serve", "--host", "127.0.0.1", "--port",
                                                 str(port), "--warehouse", str(wh)),
                                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        t0 = time.perf_counter()
        wait_ready(base, proc)
        startup_s = time.perf_counter() - t0
        cold: dict[str, float] = {}
        with httpx.Client(base_url=base, timeout=120.0) as client:
            for _, url in workload():
                if url not in cold:
                    t1 = time.perf_counter()
                    client.get(url).raise_for_status()
                    cold[url] = round((time.perf_counter() - t1) * 1000.0, 1)
        svg = ROOT / "benchmarks" / "data" / "web-profile.svg"
        pyspy = shutil.which("py-spy") or shutil.which("py-spy", path=str(
            Path(sys.executable).parent))
        if args.profile and pyspy:
            svg.parent.mkdir(parents=True, exist_ok=True)
            spy = subprocess.Popen([pyspy, "record", "--pid", str(proc.pid), "--threads",
                                    "--duration", str(int(args.duration)), "--rate", "50",
                                    "--output", str(svg), *args.py_spy_args],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load_before, uptime_before = load_average(), uptime()
        cpu0 = cpu_seconds(proc.pid)
        samples, seconds = asyncio.run(run_load(base, args.readers, args.duration,
                                                args.timeout))
        cpu1 = cpu_seconds(proc.pid)
        load_after, uptime_after = load_average(), uptime()
        if spy is not None:
            spy.wait(timeout=120)
        summary = summarise(samples, seconds)
        overall = summary["overall"]
        result: dict[str, Any] = {
            "benchmark": "web",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python -m benchmarks.web " + " ".join(argv or sys.argv[1:]),
            "readers": args.readers,
            "duration_s": round(seconds, 2),
            "server": "mineralwatch serve (uvicorn, 1 process) on 127.0.0.1, starter "
                      "warehouse (mineralwatch init), anonymous readers (no users)",
            "client": "httpx.AsyncClient per reader, in one process on the same machine",
            "init_s": round(init_s, 2),
            "startup_s": round(startup_s, 2),
            "cold_ms": cold,
            **summary,
            "server_cpu_s": (round(cpu1 - cpu0, 1) if cpu0 is not None and cpu1 is not None
                             else None),
            "target": {"p95_ms_below": TARGET_P95_MS, "errors": 0,
                       "met": bool(overall.get("p95_ms", 1e9) < TARGET_P95_MS
                                   and overall["errors"] == 0
                                   and all(e.get("p95_ms", 1e9) < TARGET_P95_MS
                                           for e in summary["endpoints"].values()))},
            "machine": {"cores": len(os.sched_getaffinity(0)), "python": platform.python_version(),
                        "platform": platform.platform(),
                        "uptime_before": uptime_before, "uptime_after": uptime_after,
                        "load_average_1_5_15_before": load_before,
                        "load_average_1_5_15_after": load_after,
                        "note": "shared machine: other jobs' load is included"},
        }
        if spy is not None and svg.exists():
            result["profile_svg"] = str(svg.relative_to(ROOT)) if svg.is_relative_to(
                ROOT) else str(svg)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps({k: result[k] for k in ("overall", "endpoints", "target")},
                         indent=2))
        print(f"load: {uptime_before}  ->  {uptime_after}")
        print(f"written to {args.out}")
        return 0 if result["target"]["met"] else 1
    finally:
        for p in (spy, proc):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
