"""CLI output as people read it: numbers never split, empty results said plainly with a
non-zero exit, ``--version``, and a ``--help`` that imports no heavy library."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from mineralwatch import __version__
from mineralwatch.cli import _common, main

NUMBER = re.compile(r"\d[\d,.]*%?")


@pytest.fixture()
def narrow(monkeypatch: pytest.MonkeyPatch) -> Console:
    con = Console(width=80, record=True, force_terminal=False, color_system=None)
    monkeypatch.setattr(_common, "console", con)
    return con


def _cells() -> tuple[list[str], list[list[str]]]:
    headers = ["mineral", "year", "HHI", "HHI range", "top 1", "largest producers"]
    cells = [["rare_earths_heavy", "2024", "132,000", "5,867-5,875", "CHN 98.9%",
              "CHN 98.9%, MMR 0.6%, LAO 0.3%"],
             ["cobalt", "2024", "5,867", "5,867-5,875", "COD 75.9%",
              "COD 75.9%, IDN 9.7%, RUS 3.0%"]]
    return headers, cells


def test_no_number_is_split_in_80_columns(narrow: Console) -> None:
    headers, cells = _cells()
    _common.print_table(headers, cells, title="Supply concentration")
    text = narrow.export_text()
    found = set(NUMBER.findall(text))
    for row in cells:
        for cell in row:
            for number in NUMBER.findall(cell):
                assert number.rstrip(",") in found, (number, text)
    assert "132,00\n" not in text and "5,86\n" not in text


def test_a_table_that_fits_stays_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    con = Console(width=160, record=True, color_system=None)
    monkeypatch.setattr(_common, "console", con)
    headers, cells = _cells()
    _common.print_table(headers, cells)
    lines = con.export_text().splitlines()
    assert any("132,000" in ln and "rare_earths_heavy" in ln for ln in lines)  # one row


def test_text_columns_wrap_between_words(narrow: Console) -> None:
    _common.print_table(["country", "note"], [["USA", "shares of world supply " * 6]])
    text = narrow.export_text()
    assert "USA" in text and "supply" in text and "suppl\n" not in text


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mineralwatch {__version__}"


def test_search_without_documents_says_so_and_fails(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    wh = str(tmp_path / "wh.duckdb")
    assert main(["init", "-w", wh]) == 0
    capsys.readouterr()
    assert main(["docs", "search", "gallium export", "-w", wh]) == 1
    err = capsys.readouterr().err
    assert "No passage matches 'gallium export'" in err and "no documents" in err


def test_help_imports_no_heavy_library() -> None:
    code = ("import sys\nfrom mineralwatch.cli import main\nmain(['--help'])\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'duckdb', 'pyarrow') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
