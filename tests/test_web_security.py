"""Web sessions, login throttling, link schemes, hosts, paths, list caps, HEAD and Allow."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

import mineralwatch as mw
from conftest import ingest_feed
from mineralwatch.api import create_app
from mineralwatch.api.auth import AuthStore
from mineralwatch.api.ratelimit import LoginLimiter
from mineralwatch.api.security import safe_url, scrub_paths
from mineralwatch.store import SourceInfo


def _production() -> pd.DataFrame:
    # cobalt mine production 2024, USGS MCS 2025 (t): DRC 220,000 of a world 290,000
    rows = [("COD", 220000), ("IDN", 28000), ("RUS", 8700), ("AUS", 3600), ("WLD", 290000)]
    return pd.DataFrame({
        "mineral": "cobalt", "stage": "mine", "country": [c for c, _ in rows], "year": 2024,
        "quantity": [float(q) for _, q in rows], "unit": "t", "basis": "content",
        "estimated": True, "note": None})


@pytest.fixture()
def warehouse(tmp_path):
    wh = mw.open(tmp_path / "secret-folder" / "wh.duckdb")
    wh.ingest({"production": _production()}, SourceInfo("usgs-mcs:test.csv", "usgs-mcs",
                                                        "test", "c1", "1"))
    yield wh
    wh.close()


@pytest.fixture()
def auth():
    return AuthStore(":memory:")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def client(warehouse, auth, clock):
    app = create_app(warehouse, auth=auth, hosts={"testserver"})
    app.state.login_limiter = LoginLimiter(clock=clock)
    return TestClient(app)


def _login_form(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"',
                     client.get("/login").text).group(1)


def _post_login(client: TestClient, user: str, pw: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": user, "password": pw,
                                       "csrf_token": _login_form(client), "next": "/"},
                       follow_redirects=False)


def test_logout_ends_the_session_on_the_server(client, auth):
    auth.add_user("ana", "analyst-pass-1", "analyst")
    r = _post_login(client, "ana", "analyst-pass-1")
    assert r.status_code == 303
    cookie = client.cookies.get("mw_session")
    assert client.get("/api/v1/whoami").json()["name"] == "ana"
    csrf = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', client.get("/").text).group(1)
    assert client.post("/logout", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    # the old cookie, replayed, is dead
    client.cookies.set("mw_session", cookie)
    assert client.get("/api/v1/whoami").status_code == 401


def test_user_removal_and_password_change_revoke_sessions(client, auth):
    auth.add_user("ana", "analyst-pass-1", "analyst")
    _post_login(client, "ana", "analyst-pass-1")
    old = client.cookies.get("mw_session")
    auth.remove_user("ana")
    auth.add_user("ana", "another-pass-2", "admin")  # same name, new person
    client.cookies.set("mw_session", old)
    assert client.get("/api/v1/whoami").status_code == 401
    client.cookies.clear()
    _post_login(client, "ana", "another-pass-2")
    assert client.get("/api/v1/whoami").json() == {"name": "ana", "role": "admin"}
    auth.set_password("ana", "third-pass-33")
    assert client.get("/api/v1/whoami").status_code == 401


def test_session_store_keeps_only_hashes(auth):
    auth.add_user("ana", "analyst-pass-1", "analyst")
    sid = auth.make_session("ana")
    assert sid not in "\n".join(auth.db.iterdump())
    assert auth.read_session(sid)[0].name == "ana"
    assert auth.read_session(sid[:-1] + ("A" if sid[-1] != "A" else "B")) is None


def test_login_is_throttled_per_user_then_released(client, auth, clock):
    auth.add_user("ana", "analyst-pass-1", "analyst")
    for _ in range(5):
        assert _post_login(client, "ana", "wrong-password").status_code == 401
    blocked = _post_login(client, "ana", "analyst-pass-1")  # even the right password
    assert blocked.status_code == 429
    wait = int(blocked.headers["retry-after"])
    assert 1 <= wait <= 30
    assert "Too many failed logins" in blocked.text
    clock.t += wait
    assert _post_login(client, "ana", "analyst-pass-1").status_code == 303


def test_login_is_throttled_per_client_across_user_names(client, auth, clock):
    auth.add_user("ana", "analyst-pass-1", "analyst")
    for i in range(20):
        clock.t += 0.1
        assert _post_login(client, f"guess{i}", "wrong-password").status_code == 401
    r = _post_login(client, "ana", "analyst-pass-1")
    assert r.status_code == 429 and int(r.headers["retry-after"]) <= 60


def test_link_scheme_allow_list():
    assert safe_url("https://www.mofcom.gov.cn/a") == "https://www.mofcom.gov.cn/a"
    assert safe_url("http://example.org") == "http://example.org"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>",
                "vbscript:x", "file:///etc/passwd", "//evil.example/x", "", None, 3):
        assert safe_url(bad) == ""


def test_document_url_with_a_script_scheme_is_not_a_link(client, warehouse, tmp_path):
    ingest_feed(warehouse, tmp_path, [{
        "id": "bad-link", "title": "Gallium notice", "url": "javascript:alert(1)",
        "published": "2024-01-02", "language": "en",
        "text": "Gallium exports need a licence from 1 August 2023."}])
    doc = warehouse.sql('SELECT doc_id FROM "document"').iloc[0, 0]
    html = client.get(f"/documents/{doc}/0").text
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


def test_no_filesystem_path_in_pages_or_errors(client, warehouse):
    folder = str(Path(warehouse.path).parent)
    for path in ("/", "/login", "/no-such-page", "/minerals/cobalt", "/api/v1/nothing"):
        r = client.get(path)
        assert folder not in r.text and "secret-folder" not in r.text, path
    token = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', client.get("/documents").text).group(1)
    r = client.post("/documents/upload", data={"csrf_token": token},
                    files={"file": ("broken.pdf", b"%PDF-1.4 not really", "application/pdf")})
    assert r.status_code == 422
    assert "broken.pdf" in r.text
    assert "/tmp" not in r.text and folder not in r.text


def test_scrub_paths_keeps_the_file_name():
    text = "Cannot read /tmp/tmpq1w2/upload.txt (line 3); warehouse /srv/x/wh.duckdb."
    assert scrub_paths(text, ["/tmp", "/srv/x"]) == ("Cannot read upload.txt (line 3); "
                                                      "warehouse wh.duckdb.")


def test_testserver_host_only_when_asked(warehouse, auth):
    default = TestClient(create_app(warehouse, auth=auth))
    assert default.get("/api/v1/minerals").status_code == 400
    assert default.get("/api/v1/minerals", headers={"host": "127.0.0.1:8000"}).status_code \
        == 200


def test_list_parameters_are_capped(client):
    ok = client.get("/api/v1/stress", params={"cuts": ",".join(["10"] * 20)})
    assert ok.status_code == 200
    many = client.get("/api/v1/stress", params={"cuts": ",".join(["10"] * 21)})
    assert many.status_code == 422 and "at most 20" in many.json()["message"]
    huge = client.get("/api/v1/stress", params={"cuts": ",".join(["1"] * 1001)})
    assert huge.status_code == 422
    hs = client.get("/api/v1/screen/transshipment", params={
        "restrictor": "CHN", "target": "USA", "since": "2024-12-03",
        "hs": ",".join(str(280000 + i) for i in range(30))})
    assert hs.status_code == 422 and "'hs'" in hs.json()["message"]


def test_head_is_answered_like_get_without_a_body(client):
    for path in ("/", "/minerals/cobalt", "/api/v1/concentration?mineral=cobalt",
                 "/static/app.css"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]


def test_method_not_allowed_names_the_allowed_methods(client):
    api = client.delete("/api/v1/concentration")
    assert api.status_code == 405 and set(api.headers["allow"].replace(" ", "").split(
        ",")) == {"GET", "HEAD"}
    html = client.put("/minerals/cobalt", headers={"accept": "text/html"})
    assert html.status_code == 405 and "GET" in html.headers["allow"]
    assert "text/html" in html.headers["content-type"]


def test_user_events_file_is_credited_to_the_user(tmp_path):
    from mineralwatch.sources.events import register_path

    own = tmp_path / "my_events.yaml"
    own.write_text(register_path().read_text("utf-8"), "utf-8")
    wh = mw.open(":memory:")
    mw.ingest_file(wh, "events", own)
    src = wh.sources().set_index("source_id").loc["events:my_events.yaml"]
    assert "my_events.yaml" in src["publisher"] and "curated" not in src["publisher"]
    assert src["licence"] is None or pd.isna(src["licence"])
    mw.ingest_file(wh, "events", register_path())
    shipped = wh.sources().set_index("source_id").loc[f"events:{register_path().name}"]
    assert shipped["publisher"] == "mineralwatch (curated from official notices)"
    assert shipped["licence"] == "CC BY 4.0"
    wh.close()
