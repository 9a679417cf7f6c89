"""The learned verifier: features, fitting (scikit-learn), plain-array round trip, and
its use on candidates (real sentences, cited by page)."""

from __future__ import annotations

import pytest

from mineralwatch.documents.extract.verifier import NONE, Model, features, verify

pytest.importorskip("sklearn", reason="training needs scikit-learn (the dev extra)")

from mineralwatch.documents.learn import Example, fit, label_candidates

# Stated measures (label = measure) and candidates that state none, quoted from pages.
STATED = [
    # nasdaq.com/articles/indonesia-to-ban-exports-of-bauxite-from-june-2023-president
    ("Indonesia will ban exports of bauxite, the main source of aluminum, starting June "
     "2023, President Joko Widodo said on Wednesday.", "export_prohibition"),
    # timeslive.co.za/news/africa/2025-02-25-drc-bans-cobalt-exports-for-four-months-...
    ("The Democratic Republic of Congo said on Monday it has temporarily halted the "
     "metal's exports amid a production glut.", "export_prohibition"),
    # bignewsnetwork.com/news/275019500/1st-ld-writethru-china-announces-export-controls
    ("China on Tuesday announced export controls on items related to tungsten, tellurium, "
     "bismuth, molybdenum and indium.", "export_licence_dual_use"),
    # crestafrica.com/congo-to-lift-cobalt-export-ban-and-introduce-quotas-...
    ("The Democratic Republic of Congo will end its ban on cobalt exports on October 16.",
     "suspension_of_measure"),
]
NOT_STATED = [
    # bnnbloomberg.ca/jokowi-gathers-input-on-indonesia-s-planned-nickel-export-ban-1.1299450
    ("Indonesia is weighing whether to bring forward a planned ban on exports of mineral "
     "ores, the country's trade minister said.", "export_prohibition"),
    # indoasiancommodities.com/2019/08/15/nickels-fate-hangs-in-balance-...
    ("Nickel prices exploded past $16,000 a tonne, as speculation swirled that Indonesia "
     "may soon ban ore exports.", "export_prohibition"),
    # roskill.com/news/cobalt-drc-delays-ban-exportsagain/
    ("A proposed ban on copper and cobalt exports from the DRC has again been put on hold "
     "and no date for its implementation has been set out.", "export_prohibition"),
    # mic-cust.com/insights/posts/detail/ad/indonesia-says-it-may-halt-more-metal-ore-...
    ("Indonesia may ban exports of bauxite, copper ore and tin in a bid to reduce the "
     "nation's dependence on raw commodities, it has been revealed.", "export_prohibition"),
]


def _examples() -> list[Example]:
    return ([Example(t, m, m) for t, m in STATED] * 3
            + [Example(t, m, NONE) for t, m in NOT_STATED] * 3)


def test_features_read_both_scripts_and_the_rule_measure() -> None:
    fs = features("中國暫停鎵出口", "export_prohibition")
    assert "c:暂停" in fs and "m:export_prohibition" in fs  # traditional read as simplified
    assert "w:ban" in features("China may ban exports") and "cue:may" in features(
        "China may ban exports")


def test_fit_learns_hedges_and_round_trips_as_plain_arrays(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = fit(_examples(), c=3.0, threshold=0.5)
    assert set(model.labels) == {NONE, "export_prohibition", "export_licence_dual_use",
                                 "suspension_of_measure"}
    for text, measure in STATED:
        assert verify(text, measure, model) == measure
    for text, measure in NOT_STATED:
        assert verify(text, measure, model) is None
    path = tmp_path / "m.npz"
    model.save(path)
    back = Model.load(path)
    for text, measure in STATED + NOT_STATED:
        a, b = model.proba(text, measure), back.proba(text, measure)
        assert max(abs(a[k] - b[k]) for k in a) < 1e-3  # weights stored as float16


def test_candidates_are_labelled_by_the_gold_event_they_match() -> None:
    from mineralwatch.documents.extract import extract

    text = STATED[0][0] + " " + NOT_STATED[0][0]
    cands = extract(text, check=False).events
    gold = [{"actor": "IDN", "measure": "export_prohibition", "minerals": ["bauxite"]}]
    labelled = label_candidates(cands, gold)
    assert [(x.measure, x.label) for x in labelled][:1] == [
        ("export_prohibition", "export_prohibition")]
    assert all(x.label == NONE for x in labelled[1:])


def test_train_and_score_commands_end_to_end(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`learn train` on a corpus folder writes a model tuned on dev; `score` reports
    per language. The documents are the quoted sentences above, split by source."""
    import json

    from mineralwatch.documents.learn import main

    def doc(i: int, text: str, split: str, events: list[dict[str, object]]) -> str:
        return json.dumps({"id": f"d{i}", "lang": "en", "split": split, "text": text,
                           "published": "2025-01-01", "events": events})

    gold = {0: [{"actor": "IDN", "measure": "export_prohibition", "minerals": ["bauxite"]}],
            1: [{"actor": "COD", "measure": "export_prohibition", "minerals": ["cobalt"]}],
            2: [{"actor": "CHN", "measure": "export_licence_dual_use",
                 "minerals": ["tungsten", "tellurium", "bismuth", "molybdenum", "indium"]}],
            3: [{"actor": "COD", "measure": "suspension_of_measure", "minerals": ["cobalt"]}]}
    lines = [doc(i, t, "train" if i % 2 == 0 else "dev", gold[i])
             for i, (t, _) in enumerate(STATED)]
    lines += [doc(10 + i, t, "train" if i % 2 == 0 else "dev", [])
              for i, (t, _) in enumerate(NOT_STATED)]
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "docs.jsonl").write_text("\n".join(lines), "utf-8")
    out = tmp_path / "verifier.npz"
    assert main(["train", "--corpus", str(folder), "--out", str(out)]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["train_docs"] == 4 and meta["dev_docs"] == 4 and out.exists()
    assert Model.load(out).meta["dev_events_f1"] == meta["dev_events_f1"]
    assert main(["score", "--corpus", str(folder), "--split", "dev"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["en"]["documents"] == 4 and scores["all"]["events"]["gold"] == 2
