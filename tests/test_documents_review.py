"""Review that teaches: a confirm or reject (CLI and web) is kept with the passage it
judged, and `docs reviews` exports the reviewed events as training examples."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

import mineralwatch as mw
from mineralwatch.api.app import create_app
from mineralwatch.api.auth import AuthStore
from mineralwatch.cli import main

# crestafrica.com/congo-to-lift-cobalt-export-ban-and-introduce-quotas-starting-october-16
TEXT = ("The Democratic Republic of Congo will end its ban on cobalt exports on October 16 "
        "and instead regulate global supply through annual export quotas, the country's "
        "strategic minerals regulator announced on Sunday.")


def _ingested(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "wh.duckdb"
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "crest", "published": "2025-09-22", "text": TEXT}),
                    "utf-8")
    assert main(["docs", "ingest", str(feed), "--warehouse", str(path)]) == 0
    with mw.open(path) as wh:
        ids = dict(wh.sql("SELECT measure, id FROM policy_event WHERE status='extracted'"
                          ).itertuples(index=False))
    return path, ids


def test_cli_review_is_kept_with_its_passage_and_exported(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path, ids = _ingested(tmp_path)
    assert {"suspension_of_measure", "export_quota"} <= set(ids)
    for measure, decision in (("suspension_of_measure", "confirm"), ("export_quota", "reject")):
        assert main(["events", decision, ids[measure], "--warehouse", str(path)]) == 0
    with mw.open(path) as wh:
        rows = wh.sql("SELECT event_id, decision, doc_id, passage, text, passage_text "
                      "FROM event_review ORDER BY reviewed_at").to_dict(orient="records")
    assert [(r["event_id"], r["decision"]) for r in rows] == [
        (ids["suspension_of_measure"], "confirmed"), (ids["export_quota"], "rejected")]
    assert all(r["doc_id"] == "crest" and r["passage"] == 0 and r["text"] == TEXT
               and r["passage_text"] == TEXT for r in rows)

    out = tmp_path / "reviews.jsonl"
    assert main(["docs", "reviews", "--out", str(out), "--warehouse", str(path)]) == 0
    examples = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(e["measure"], e["stated"], e["text"]) for e in examples] == [
        ("suspension_of_measure", True, TEXT), ("export_quota", False, TEXT)]
    assert examples[0]["actor"] == "COD" and examples[0]["minerals"] == ["cobalt"]
    assert examples[0]["effective"] == "2025-10-16" and examples[0]["lang"] == "en"


def test_a_second_review_replaces_the_first_in_the_export(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mineralwatch.documents.review import export_reviews

    path, ids = _ingested(tmp_path)
    for decision in ("reject", "confirm"):
        assert main(["events", decision, ids["export_quota"], "--warehouse", str(path)]) == 0
    with mw.open(path) as wh:
        assert wh.count("event_review") == 2  # both decisions kept
        assert [e["stated"] for e in export_reviews(wh)] == [True]


def test_web_review_stores_the_decision_the_reviewer_and_the_passage(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path, ids = _ingested(tmp_path)
    auth = AuthStore(":memory:")
    auth.add_user("ana", "analyst-pass-1", "analyst")
    with mw.open(path) as wh:
        client = TestClient(create_app(wh, auth=auth, hosts={"testserver"}))
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"username": "ana", "password": "analyst-pass-1",
                                    "csrf_token": token, "next": "/"}, follow_redirects=False)
        page = client.get("/events?status=extracted").text
        token = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
        r = client.post("/events/review", data={"id": ids["export_quota"],
                                                "decision": "confirm", "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303
        row = wh.sql("SELECT decision, reviewer, text FROM event_review").iloc[0]
    assert (row["decision"], row["reviewer"], row["text"]) == ("confirmed", "ana", TEXT)
