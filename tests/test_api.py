"""Web workbench and JSON API: access control, CSRF, escaping, headers, local assets."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

import mineralwatch as mw
from mineralwatch.api import create_app
from mineralwatch.api.auth import AuthStore
from mineralwatch.store import SourceInfo

XSS = '<script>alert("x")</script>'
ATTR = '" onmouseover="alert(1)" x="'


def _production() -> pd.DataFrame:
    # cobalt mine production 2024, USGS MCS 2025 figures (t, contained cobalt)
    rows = [("COD", 220000), ("IDN", 28000), ("RUS", 8700), ("AUS", 3600), ("WLD", 290000)]
    return pd.DataFrame({
        "mineral": "cobalt", "stage": "mine", "country": [c for c, _ in rows], "year": 2024,
        "quantity": [float(q) for _, q in rows], "unit": "t", "basis": "content",
        "estimated": True, "note": None})


def _events() -> pd.DataFrame:
    base = {"authority": "Ministry", "hs_codes": "[]", "target": '["ALL"]',
            "announced": None, "ends": None, "quantity": None, "quantity_unit": None,
            "suspends": None, "note": None}
    return pd.DataFrame([
        {**base, "id": "cod-cobalt-ban-2025", "actor": "COD", "measure": "export_prohibition",
         "minerals": '["cobalt"]', "effective": "2025-02-22", "status": "confirmed",
         "instrument": "ARECOMS decision", "title": "Cobalt export suspension",
         "citations": '[{"url": "https://example.org/arecoms", "title": "ARECOMS"}]'},
        {**base, "id": "xss-1", "actor": "CHN", "measure": "export_licence",
         "minerals": '["cobalt"]', "effective": "2025-03-01", "status": "extracted",
         "instrument": XSS, "title": ATTR,
         "citations": json.dumps([{"doc_id": XSS, "passage": 1, "title": ATTR}])},
    ])


@pytest.fixture()
def warehouse():
    wh = mw.open(":memory:")
    wh.ingest({"production": _production()}, SourceInfo("usgs-mcs:test.csv", "usgs-mcs",
                                                        "test", "c1", "1"))
    wh.ingest({"policy_event": _events()}, SourceInfo("events:test.yaml", "events", "test",
                                                      "c2", "1"))
    yield wh
    wh.close()


@pytest.fixture()
def auth():
    return AuthStore(":memory:")


@pytest.fixture()
def client(warehouse, auth):
    return TestClient(create_app(warehouse, auth=auth, hosts={"testserver"}))


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.urls.append(a["src"] or "")
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"] or "")


def _login(client: TestClient, user: str, pw: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    r = client.post("/login", data={"username": user, "password": pw, "csrf_token": token,
                                    "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _csrf(html: str) -> str:
    return re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', html).group(1)


def test_overview_and_mineral_pages_render_with_security_headers(client):
    for path in ("/", "/minerals/cobalt", "/events", "/api/docs"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    assert "DR Congo" in client.get("/").text


def test_pages_load_only_local_assets(client):
    for path in ("/", "/minerals/cobalt", "/events", "/api/docs", "/login"):
        p = _Assets()
        p.feed(client.get(path).text)
        assert p.urls, path
        for url in p.urls:
            assert url.startswith("/") and not url.startswith("//"), (path, url)
            assert client.get(url).status_code == 200, url
    assert client.get("/static/topojson/world_110m.json").json()["type"] == "Topology"


def test_untrusted_text_is_escaped_everywhere(client):
    html = client.get("/events?status=all").text
    assert XSS not in html and ATTR not in html
    assert "&lt;script&gt;" in html
    page = client.get("/minerals/cobalt").text
    assert "<script>alert" not in page and 'onmouseover="alert' not in page


def test_unknown_host_is_rejected(client):
    r = client.get("/", headers={"host": "evil.example"})
    assert r.status_code == 400


def test_json_api_concentration_shape(client):
    r = client.get("/api/v1/concentration", params={"mineral": "cobalt", "stage": "mine"})
    assert r.status_code == 200
    rec = r.json()[0]
    assert rec["top1_country"] == "COD"
    assert rec["top1_share"] == pytest.approx(220000 / 290000)
    assert {"country": "COD", "share": pytest.approx(220000 / 290000)} in rec["shares"]
    bad = client.get("/api/v1/concentration", params={"mineral": "unobtainium"})
    assert bad.status_code == 422 and "unobtainium" in bad.json()["message"] + str(
        bad.json().get("failures"))


def test_openapi_spec_lists_the_api(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/concentration" in spec["paths"]
    assert "/api/v1/events" in spec["paths"]


def test_access_control_tokens_and_roles(client, auth):
    auth.add_user("ria", "reader-pass-1", "reader")
    auth.add_user("ana", "analyst-pass-1", "analyst")
    # once users exist, anonymous requests are refused
    assert client.get("/api/v1/minerals").status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303
    tid, token = auth.create_token("ria")
    hdr = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/whoami", headers=hdr).json() == {"name": "ria",
                                                                "role": "reader"}
    auth.revoke_token(tid)
    assert client.get("/api/v1/whoami", headers=hdr).status_code == 401
    assert client.get("/api/v1/whoami",
                      headers={"Authorization": "Bearer mw_forged"}).status_code == 401


def test_tokens_are_stored_hashed(auth):
    auth.add_user("ana", "analyst-pass-1", "analyst")
    _, token = auth.create_token("ana")
    dump = "\n".join(auth.db.iterdump())
    assert token not in dump and "analyst-pass-1" not in dump


def test_session_login_csrf_and_review(client, auth, warehouse):
    auth.add_user("ria", "reader-pass-1", "reader")
    auth.add_user("ana", "analyst-pass-1", "analyst")
    _login(client, "ria", "reader-pass-1")
    page = client.get("/events?status=extracted").text
    r = client.post("/events/review", data={"id": "xss-1", "decision": "confirm",
                                            "csrf_token": _csrf(page)})
    assert r.status_code == 403  # a reader may not review
    client.cookies.clear()
    _login(client, "ana", "analyst-pass-1")
    page = client.get("/events?status=extracted").text
    no_csrf = client.post("/events/review", data={"id": "xss-1", "decision": "confirm"})
    assert no_csrf.status_code == 403
    ok = client.post("/events/review", data={"id": "xss-1", "decision": "confirm",
                                             "csrf_token": _csrf(page)},
                     follow_redirects=False)
    assert ok.status_code == 303
    status = warehouse.sql("SELECT status FROM policy_event WHERE id='xss-1'").iloc[0, 0]
    assert status == "confirmed"


def test_login_rejects_bad_password_and_open_redirect(client, auth):
    auth.add_user("ana", "analyst-pass-1", "analyst")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    bad = client.post("/login", data={"username": "ana", "password": "nope-nope",
                                      "csrf_token": token})
    assert bad.status_code == 401
    r = client.post("/login", data={"username": "ana", "password": "analyst-pass-1",
                                    "csrf_token": token, "next": "https://evil.example/"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_watchlist_alerts_new_events_since_last_visit(client, auth, warehouse):
    auth.add_user("ana", "analyst-pass-1", "analyst")
    _login(client, "ana", "analyst-pass-1")
    page = client.get("/minerals/cobalt").text
    client.post("/watch", data={"kind": "mineral", "value": "cobalt", "action": "add",
                                "csrf_token": _csrf(page)})
    assert ("mineral", "cobalt") in auth.watchlist("ana")
    client.get("/")  # first visit: snapshot
    new = _events().iloc[[0]].assign(id="cod-quota-2026", measure="export_quota",
                                     effective="2026-01-01")
    warehouse.ingest({"policy_event": new}, SourceInfo("events:new.yaml", "events", "n",
                                                       "c3", "1"))
    html = client.get("/").text
    assert "new event" in html and "export_quota" in html


DOC = ('Gallium export control <script>alert("doc")</script> and '
       '<img src=x onerror="alert(2)"> " onfocus="alert(3)" autofocus=" '
       "China's MOFCOM announced licensing of gallium exports effective 1 August 2023.")


def test_ingested_document_payloads_are_inert_in_search_and_passage_pages(client, warehouse,
                                                                         tmp_path):
    mw.ingest_documents(warehouse, [_write(tmp_path / "evil.txt", DOC)])
    html = client.get("/documents", params={"q": "gallium"}).text
    assert "evil.txt" in html
    for payload in ('<script>alert("doc")', '<img src=x onerror', 'onfocus="alert(3)"'):
        assert payload not in html
    assert "&lt;script&gt;" in html
    assert " nan " not in html  # a document without a date shows none, not "nan"
    link = re.search(r'href="(/documents/evil.txt/\d+)"', html).group(1)
    page = client.get(link).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror" in page


def _write(path, text):
    path.write_text(text, "utf-8")
    return path


def test_scenario_upload_is_size_and_type_checked(client):
    page = client.get("/scenarios").text
    token = _csrf(page)
    too_big = client.post("/scenarios/upload", data={"csrf_token": token, "draws": "0"},
                          files={"file": ("big.yaml", b"a: 1\n" * 60000, "text/yaml")})
    assert too_big.status_code == 422 and "larger than" in too_big.text
    wrong = client.post("/scenarios/upload", data={"csrf_token": token},
                        files={"file": ("x.exe", b"MZ\x00\x00", "application/octet-stream")})
    assert wrong.status_code == 422 and "Unsupported file type" in wrong.text
    no_csrf = client.post("/scenarios/upload",
                          files={"file": ("s.yaml", b"name: x\n", "text/yaml")})
    assert no_csrf.status_code == 403


def test_shipped_scenario_runs_from_the_page(client):
    page = client.get("/scenarios").text
    assert "cobalt_seed.yaml" in page
    r = client.post("/scenarios/run", data={"csrf_token": _csrf(page),
                                            "scenario": "cobalt_seed.yaml", "draws": "0"})
    assert r.status_code == 200
    assert "-122,000" in r.text and "data-spec" in r.text


def test_path_traversal_in_document_routes_is_harmless(client):
    r = client.get("/documents/..%2F..%2Fetc%2Fpasswd/1")
    assert r.status_code == 404
    assert "root:" not in r.text


def test_uploaded_scenario_shows_applied_suspensions(client, warehouse):
    susp = {**_events().iloc[0].to_dict(), "id": "cod-susp", "measure": "suspension_of_measure",
            "suspends": "cod-cobalt-ban-2025", "effective": "2026-01-01", "ends": "2026-12-31",
            "title": "Suspension <b>of</b> the ban"}
    warehouse.ingest({"policy_event": pd.DataFrame([susp])},
                     SourceInfo("events:susp.yaml", "events", "susp", "c3", "1"))
    yaml_text = ("name: Cobalt ban\nmineral: cobalt\nyears: 2025-2026\nsupply:\n"
                 "  - {country: COD, production: 1000, destinations: {CHN: 0.8}}\n"
                 "demand:\n  - {sector: all, quantity: 900}\npolicies:\n"
                 "  - {event: cod-cobalt-ban-2025}\n")
    page = client.get("/scenarios").text
    r = client.post("/scenarios/upload", data={"csrf_token": _csrf(page), "draws": "0"},
                    files={"file": ("ban.yaml", yaml_text.encode(), "text/yaml")})
    assert r.status_code == 200, r.text
    assert "suspension cod-susp" in r.text and 'class="notes"' in r.text
