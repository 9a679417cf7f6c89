"""Set-up and the two everyday jobs, with nothing but Python 3.11+ and pip.

    python3 dev.py run     # venv + runtime install + warehouse from the built-in data + report
    python3 dev.py test    # venv + test install + the test suite (what CI runs)

Other jobs: ``install`` (the venv with the test extras, nothing run), ``lint`` (ruff and
mypy), ``bench`` (the benchmark overview), ``clean``.
The virtual environment is ``.venv`` beside this file (``MINERALWATCH_VENV`` to change
it); each install is redone only when ``pyproject.toml`` changes. Extra arguments after
``test`` go to pytest (``python3 dev.py test -m slow``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("MINERALWATCH_VENV", ROOT / ".venv"))
OUT = ROOT / "out"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

#: what each job installs: runtime only for ``run``, the test and dev extras otherwise
EXTRAS = {"run": "", "test": "[test]", "install": "[test]", "lint": "[dev]", "bench": "[test]"}


def _say(msg: str) -> None:
    print(f"dev.py: {msg}", flush=True)


def _call(*cmd: object, env: dict[str, str] | None = None) -> None:
    """Run ``cmd``; exit with its status if it fails."""
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)
    if code:
        sys.exit(code)


def install(job: str) -> None:
    """Create the venv and install the package with the extras ``job`` needs (once per
    version of pyproject.toml)."""
    extra = EXTRAS[job]
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit("mineralwatch needs Python 3.11 or newer; run this with python3.11+.")
    if not PY.exists():
        _say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed{extra or '-runtime'}-{digest}"
    if stamp.exists():
        return
    _say(f"installing mineralwatch{extra} into {VENV}")
    _call(PY, "-m", "pip", "install", "-q", "--upgrade", "pip")
    _call(PY, "-m", "pip", "install", "-q", "-e", f".{extra}")
    stamp.touch()


def _browser() -> None:
    """Debian's chromium for the end-to-end browser tests (they skip, saying so, without
    it); installed only where we are root on a Debian-like system."""
    root = getattr(os, "geteuid", lambda: 1)() == 0
    if shutil.which("chromium") or not shutil.which("apt-get") or not root:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    ok = (subprocess.call(["apt-get", "update", "-qq"], env=env) == 0
          and subprocess.call(["apt-get", "install", "-y", "-qq", "chromium"], env=env,
                              stdout=subprocess.DEVNULL) == 0)
    if not ok:
        _say("chromium could not be installed: browser tests will be skipped")


def run() -> None:
    install("run")
    OUT.mkdir(exist_ok=True)
    env = {**os.environ,
           "MINERALWATCH_WAREHOUSE": os.environ.get("MINERALWATCH_WAREHOUSE",
                                                    str(OUT / "warehouse.duckdb"))}
    _call(BIN / "mineralwatch", "init", env=env)
    _call(BIN / "mineralwatch", "report", "--out", OUT / "report", env=env)
    _say(f"report: {OUT / 'report' / 'index.html'}; warehouse: {env['MINERALWATCH_WAREHOUSE']}")


def test(args: list[str]) -> None:
    install("test")
    _browser()
    _call(PY, "-m", "pytest", "-q", *args)


def lint() -> None:
    install("lint")
    _call(BIN / "ruff", "check", "src", "tests", "benchmarks", "scripts", "dev.py")
    _call(BIN / "mypy")


def bench() -> None:
    install("bench")
    _call(PY, "-m", "benchmarks.run")


def clean() -> None:
    for p in (OUT, ROOT / ".pytest_cache", ROOT / ".mypy_cache", ROOT / ".ruff_cache"):
        shutil.rmtree(p, ignore_errors=True)


def main(argv: list[str]) -> None:
    job, rest = (argv[0], argv[1:]) if argv else ("", [])
    jobs = {"run": run, "install": lambda: install("install"), "lint": lint, "bench": bench,
            "clean": clean}
    if job == "test":
        test(rest)
    elif job in jobs and not rest:
        jobs[job]()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
