"""End-to-end: headless Chromium (Debian's package, driven by Playwright) walks the
workbench and checks that the browser makes no request outside the server.

Skipped with the reason when Playwright or a Chromium binary is absent; `python3 dev.py test`
installs Debian's chromium when it runs as root with apt available.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = next((p for p in (os.environ.get("MINERALWATCH_CHROMIUM"), "/usr/bin/chromium",
                             shutil.which("chromium"), shutil.which("chromium-browser"))
                 if p and Path(p).exists()), None)
if CHROMIUM is None:
    pytest.skip("no Chromium binary (install Debian's `chromium` package)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    import mineralwatch as mw
    from mineralwatch.api import create_app
    from mineralwatch.api.auth import AuthStore

    wh = mw.load_example()
    if os.environ.get("MINERALWATCH_E2E_DOCS", "1") == "1":
        try:
            seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
            if seeds.is_dir():
                mw.ingest_documents(wh, [seeds])
        except AttributeError:
            pass
    app = create_app(wh, auth=AuthStore(":memory:"))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=10)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ.get("MINERALWATCH_SCREENSHOTS", tmp_path_factory.mktemp("shots")))
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_walk_overview_mineral_scenario_document(server, shots):
    outside: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def on_request(req):
            host = urlparse(req.url).hostname
            if req.url.startswith(("data:", "blob:", "about:")):
                return
            if host not in ("127.0.0.1",):
                outside.append(req.url)

        page.on("request", on_request)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server + "/")
        page.wait_for_selector("table.data")
        page.screenshot(path=str(shots / "1-overview.png"), full_page=True)
        page.click("a[href='/minerals/cobalt']")
        page.wait_for_selector(".plot .main-svg", timeout=20000)
        page.screenshot(path=str(shots / "2-mineral-cobalt.png"), full_page=True)
        assert "Cobalt" in page.title()
        page.goto(server + "/scenarios")
        page.click("form[hx-post='/scenarios/run'] button[type=submit]")
        page.wait_for_selector("#result .plot .main-svg", timeout=30000)
        assert "P(deficit)" in page.inner_text("#result")
        page.screenshot(path=str(shots / "3-scenarios.png"), full_page=True)
        page.goto(server + "/documents?q=cobalt+export+quota")
        page.screenshot(path=str(shots / "4-documents.png"), full_page=True)
        link = page.locator("a.citation").first
        if link.count():
            link.click()
            page.wait_for_selector("blockquote.passage")
            page.screenshot(path=str(shots / "5-passage.png"), full_page=True)
        browser.close()
    assert outside == [], f"requests outside the server: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"
