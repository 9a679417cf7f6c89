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
        page.click("#run-form button[type=submit]")
        page.wait_for_selector("#result .plot .main-svg", timeout=30000)
        assert "P(deficit)" in page.inner_text("#result")
        assert "scenario=" in page.url  # the result is addressable
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


PAGES = ["/", "/minerals/cobalt", "/minerals/hydrogen", "/minerals/nickel",
         "/minerals/rare_earths", "/scenarios",
         "/scenarios?scenario=cobalt_seed.yaml&scenario=cobalt_drc_quota.yaml&draws=200",
         "/screening", "/screening?tool=transshipment&restrictor=CHN&target=USA&hs=282580"
         "&since=2024-12-03", "/screening?tool=impact&actor=CHN&hs=250410&date=2023-12-01",
         "/documents", "/documents?q=cobalt+export+quota",
         "/documents?q=gallium+export&brief=1", "/events", "/events?status=all", "/login",
         "/api/docs", "/no-such-page"]


def _watch(page, outside, errors):  # type: ignore[no-untyped-def]
    def on_request(req):  # type: ignore[no-untyped-def]
        if req.url.startswith(("data:", "blob:", "about:")):
            return
        if urlparse(req.url).hostname != "127.0.0.1":
            outside.append(req.url)

    page.on("request", on_request)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
            if m.type == "error" and "404" not in m.text else None)


def test_offline_every_page_modebar_button_and_link(server):
    """No request leaves 127.0.0.1 and no console error, whatever is clicked."""
    outside: list[str] = []
    errors: list[str] = []
    links: set[str] = set()
    buttons = 0
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = ctx.new_page()
        _watch(page, outside, errors)
        for path in PAGES:
            page.goto(server + path)
            page.wait_for_load_state("networkidle")
            html = page.content()
            assert "Chart Studio" not in html and "Edit in" not in html, path
            assert page.locator("[data-title*='Cloud'], [data-title*='Chart Studio'],"
                                "[data-title*='Share']").count() == 0, path
            for i in range(page.locator(".plot .modebar").count()):
                plot = page.locator(".plot").nth(i)
                plot.hover()
                btns = plot.locator(".modebar-btn")
                for j in range(btns.count()):
                    btns.nth(j).click(force=True)
                    buttons += 1
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                links.add(href)
        internal = sorted(u for u in links if urlparse(u).hostname == "127.0.0.1")
        for url in internal:
            r = page.request.get(url)
            assert r.status < 400, (url, r.status)
        # outward links are only citations, never fetched by the page
        for url in sorted(set(links) - set(internal)):
            assert urlparse(url).scheme in ("http", "https"), url
        browser.close()
    assert buttons > 20, buttons
    assert len(internal) > 100, len(internal)
    assert outside == [], f"requests outside the server: {outside}"
    assert errors == [], f"console errors: {errors}"


def test_exports_carry_the_source_caption(server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(accept_downloads=True).new_page()
        page.goto(server + "/minerals/cobalt")
        page.wait_for_selector(".plot .main-svg", timeout=20000)
        fig = page.locator("figure.chart").first
        caption = fig.locator("figcaption").inner_text().strip()
        got = {}
        for label in ("PNG", "SVG", "Data CSV"):
            with page.expect_download() as d:
                fig.locator(f"button.export:text-is('{label}')").click()
            path = d.value.path()
            got[label] = (d.value.suggested_filename, Path(path).read_bytes())
        assert got["PNG"][1][:8] == b"\x89PNG\r\n\x1a\n"
        svg = got["SVG"][1].decode("utf-8")
        assert svg.lstrip().startswith("<svg") and "Source:" in svg
        csv_text = got["Data CSV"][1].decode("utf-8")
        assert csv_text.splitlines()[0] == "# " + caption
        assert csv_text.splitlines()[1] == "series,country,value"
        assert "COD," in csv_text
        table = page.locator("table.data").first
        with page.expect_download() as d:
            page.locator(".tools button.export:text-is('CSV')").first.click()
        rows = Path(d.value.path()).read_text("utf-8").splitlines()
        assert rows[0].startswith("# ") and "Source" in rows[0]
        assert rows[1].split(",")[:3] == ["Stage", "Year", "HHI"]
        assert len(rows) - 2 == table.locator("tbody tr").count()
        browser.close()


def test_overview_sorts_filters_and_keeps_them_in_the_url(server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(server + "/")
        total = page.locator("#overview tbody tr").count()
        page.fill("#overview-filters input[name=q]", "cobalt")
        visible = page.locator("#overview tbody tr:not([hidden])")
        assert 1 <= visible.count() < total
        assert all("cobalt" in t.lower() for t in visible.all_inner_texts())
        assert "q=cobalt" in page.url
        page.fill("#overview-filters input[name=q]", "")
        page.locator("#overview thead th", has_text="Mine HHI").click()
        page.locator("#overview thead th", has_text="Mine HHI").click()  # descending
        vals = [v for v in page.eval_on_selector_all(
            "#overview tbody tr td:nth-child(2)", "els => els.map(e => e.dataset.value)") if v]
        nums = [float(v) for v in vals]
        assert nums == sorted(nums, reverse=True) and len(nums) > 10
        url = page.url
        assert "sort=1%3Adesc" in url or "sort=1:desc" in url
        page.goto(server + "/?crit=critical")
        crit = page.locator("#overview tbody tr:not([hidden])")
        assert 0 < crit.count() < total
        assert all("critical" in t for t in crit.all_inner_texts())
        browser.close()


def test_form_errors_are_shown_not_only_logged(server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(server + "/scenarios")
        page.locator("#run-form input[name=scenario]:checked").uncheck()
        page.click("#run-form button[type=submit]")
        assert "Choose at least one scenario" in page.locator("#run-form .form-error").inner_text()
        page.set_input_files("#upload-form input[type=file]", files=[{
            "name": "big.yaml", "mimeType": "text/yaml", "buffer": b"a: 1\n" * 60000}])
        page.click("#upload-form button[type=submit]")
        assert "larger than" in page.locator("#upload-form .form-error").inner_text()
        # a server-side refusal (not valid YAML) reaches the page too
        page.set_input_files("#upload-form input[type=file]", files=[{
            "name": "bad.yaml", "mimeType": "text/yaml", "buffer": b"name: [unclosed\n"}])
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#result .error")
        assert "not valid YAML" in page.inner_text("#result")
        browser.close()


def test_no_horizontal_overflow_on_a_phone(server):
    """At 390 px (an iPhone 12-15) no page scrolls sideways: wide tables scroll inside."""
    wide: dict[str, int] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True)
        for path in PAGES:
            page.goto(server + path)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = width
        browser.close()
    assert wide == {}, f"pages wider than 390 px: {wide}"
