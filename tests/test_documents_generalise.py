"""Extraction on real sentences from pages the rules were not written for (issue 13).

Every text below is quoted (lightly trimmed) from the public page named beside it; the
expected values are read off the sentence by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from mineralwatch.documents.extract import extract
from mineralwatch.documents.language import chinese_script, detect_language, to_simplified


def _events(text: str, **kw: object) -> list[tuple[str, str, list[str], list[str]]]:
    return [(e.actor, e.measure, e.minerals, e.target)
            for e in extract(text, **kw).events]  # type: ignore[arg-type]


# --- language ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "lang"), [
    # francais.news-pravda.com/world/2023/08/02/13789.html
    ("La Chine a restreint les exportations de gallium et de germanium, ce qui pourrait "
     "faire perdre au marché mondial jusqu'à 56 tonnes de ces métaux.", "fr"),
    # gallium.de/2025/06/23/china-gallium-exporte-im-mai-auf-null-gesunken-...
    ("Die Germanium-Exporte sanken im Vergleich zum Vorjahr um mehr als 60 Prozent auf "
     "675 Kilogramm, gegenüber 1.822 Kilogramm im Mai 2024.", "de"),
    # news.livedoor.com/topics/detail/29748365/
    ("中国商務省は9日、レアアース（希土類）の輸出管理を厳格化すると発表した。", "ja"),
    # poliklitik.com/hilirisasi-nikel
    ("Sejak 2020, Indonesia melarang ekspor bijih nikel.", "id"),
    # www.0379.com.ar/contenido/38848-china-restringira-las-exportaciones-de-galio-...
    ("El gobierno de China decidió restringir desde el mes próximo la exportación de galio "
     "y germanio, dos metales clave en la fabricación de semiconductores.", "es"),
    # hkcd.com/hkcdweb/content/2023/07/04/content_8588718.html (traditional script)
    ("中國商務部及海關總署發昨日公告指,為維護國家安全和利益,"
     "決定對鎵、鍺相關物項實施出口管制", "zh"),
    # swissinfo.ch/chi/... 中国放宽镓锗等两用物项对美出口 (simplified script)
    ("中国去年底公布暂停镓、锗等两用物项对美国出口。", "zh"),
    # www.metallerochgruvor.se/en/node/11485 (Swedish: not a language we extract from)
    ("Demokratiska republiken Kongo (DRK) kommer att häva sitt åtta månader långa "
     "exportförbud mot kobolt den 16 oktober och ersätta det med årliga kvoter.", "sv"),
    # nasdaq.com/articles/indonesia-to-ban-exports-of-bauxite-from-june-2023-president
    ("Indonesia will ban exports of bauxite, the main source of aluminum, starting June "
     "2023, President Joko Widodo said on Wednesday.", "en"),
])
def test_language_of_real_sentences(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_traditional_script_is_read_through_simplified_form() -> None:
    trad = "中國商務部對鎵、鍺實施出口管制"
    assert chinese_script(trad) == "Hant"
    assert chinese_script("中国商务部对镓、锗实施出口管制") == "Hans"
    assert to_simplified(trad) == "中国商务部对镓、锗实施出口管制"
    assert len(to_simplified(trad)) == len(trad)


# --- policy events -------------------------------------------------------------------

def test_traditional_script_notice_is_an_event() -> None:
    # hkcd.com/hkcdweb/content/2023/07/04/content_8588718.html
    text = ("中國商務部及海關總署發昨日公告指,為維護國家安全和利益,"
            "決定對鎵、鍺相關物項實施出口管制,出口前需要取得相關許可,下月(8月1日)起實施。")
    [e] = extract(text, default_year=2023).events
    assert (e.actor, e.measure, e.minerals) == ("CHN", "export_licence_dual_use",
                                                 ["gallium", "germanium"])
    assert e.effective == date(2023, 8, 1)
    assert e.text == text  # quoted as written, not in its simplified form


def test_mineral_between_verb_and_exports() -> None:
    # sputniknews.com/20221221/aluminum-cost-rising-as-indonesia-decides-to-halt-bauxite-...
    text = "The price of aluminum is rising on Wednesday following the announcement that " \
           "Indonesia will halt bauxite ore exports from June 2023, trading data shows."
    [e] = extract(text).events
    assert (e.actor, e.measure, e.minerals, e.period) == (
        "IDN", "export_prohibition", ["bauxite"], "2023-06")


def test_temporary_suspension_of_exports_is_a_ban() -> None:
    # www.timeslive.co.za/news/africa/2025-02-25-drc-bans-cobalt-exports-for-four-months-...
    text = ("The Democratic Republic of Congo (DRC), the world's top producer of cobalt, said "
            "on Monday it has temporarily halted the metal's exports amid a production glut. "
            "The export ban of cobalt is effective from February 22 and could either be "
            "adjusted or terminated after three months, he said.")
    evs = extract(text, default_year=2025).events
    assert [(e.actor, e.measure, e.minerals) for e in evs][:1] == [
        ("COD", "export_prohibition", ["cobalt"])]


def test_extended_ban_is_not_a_suspension() -> None:
    # www.worldenergynews.com/news/congo-extends-its-cobalt-export-prohibition-three-762613
    text = ("A regulatory agency announced on Saturday that the Democratic Republic of Congo "
            "had extended its ban on cobalt exports by another three months to reduce "
            "oversupply of this material for electric vehicle batteries.")
    assert _events(text) == [("COD", "export_prohibition", ["cobalt"], ["ALL"])]


def test_ending_a_ban_is_a_suspension_and_the_quota_its_own_event() -> None:
    # crestafrica.com/congo-to-lift-cobalt-export-ban-and-introduce-quotas-starting-october-16
    text = ("The Democratic Republic of Congo will end its ban on cobalt exports on October "
            "16 and instead regulate global supply through annual export quotas, the "
            "country's strategic minerals regulator announced on Sunday.")
    evs = extract(text, default_year=2025).events
    got = {(e.measure, e.effective) for e in evs}
    assert ("suspension_of_measure", date(2025, 10, 16)) in got
    assert "export_prohibition" not in {e.measure for e in evs}
    assert "export_quota" in {e.measure for e in evs}


def test_refused_in_principle_is_a_ban_and_the_target_is_not_the_actor() -> None:
    # www.swissinfo.ch/chi/中国放宽镓锗等两用物项对美出口/90303422
    text = ("2024年12月3日，中国商务部发布2024年第46号公告，决定加强相关两用物项对美国出口管制。"
            "公告中的第一款是禁止两用物项对美国军事用户或军事用途出口。"
            "第二款是原则上不予许可镓、锗、锑、超硬材料相关两用物项对美国出口；"
            "对石墨两用物项对美国出口，实施更严格的最终用户和最终用途审查。")
    evs = _events(text, default_year=2024)
    assert ("CHN", "export_prohibition", ["gallium", "germanium", "antimony"], ["USA"]) in evs
    assert all(actor == "CHN" for actor, *_ in evs)


def test_suspending_exports_to_the_us_has_china_as_actor() -> None:
    # www.swissinfo.ch/chi/中国放宽镓锗等两用物项对美出口/90303422
    text = "中国去年底公布暂停镓、锗等两用物项对美国出口。"
    evs = _events(text)
    assert evs and all(a == "CHN" and t == ["USA"] for a, _, _, t in evs)
    assert evs[0][1] == "export_prohibition"


def test_traditional_headline_ban_to_the_us() -> None:
    # 湖南礦業網, 2024-12-09: 商務部禁止鎵、鍺、銻、超硬材料等對美出口
    assert _events("商務部禁止鎵、鍺、銻、超硬材料等對美出口") == [
        ("CHN", "export_prohibition", ["gallium", "germanium", "antimony"], ["USA"])]


def test_list_in_the_next_sentence() -> None:
    # www.malaymail.com/news/money/2025/02/04/china-expands-critical-mineral-export-...
    text = ("China announced sweeping export restrictions today on five metals used across "
            "defence, clean energy and other industries, minutes after an additional 10% "
            "tariff on Chinese goods imposed by US President Donald Trump came into effect. "
            "The controls, which come into effect immediately, cover the metals tungsten, "
            "tellurium, bismuth, indium and molybdenum and their related products.")
    [e] = extract(text).events
    assert (e.actor, e.measure) == ("CHN", "export_licence_dual_use")
    assert e.minerals == ["tungsten", "tellurium", "bismuth", "indium", "molybdenum"]


def test_member_list_kept_not_collapsed_to_hree() -> None:
    # instituteforenergyresearch.org/international-issues/china-imposes-export-controls-...
    text = ("China has imposed new export controls on seven additional medium and heavy rare "
            "earth elements, temporarily suspending their export. The newly affected "
            "elements, namely samarium, gadolinium, terbium, dysprosium, lutetium, scandium, "
            "and yttrium, are critical components of a wide range of products.")
    evs = extract(text).events
    assert evs and all(e.minerals == ["samarium", "gadolinium", "terbium", "dysprosium",
                                      "lutetium", "scandium", "yttrium"] for e in evs)


def test_ban_and_its_lifting_years_apart_are_two_events() -> None:
    # www.elledframework.org/topics/refining-and-further-processing-of-extractives/...
    text = ("A similar scenario played out in Zimbabwe which banned the export of chrome ore "
            "in 2011, only to lift it again in 2015 after admitting the ban had failed to "
            "stimulate refining of chrome.")
    got = {(a, m, tuple(ms)) for a, m, ms, _ in _events(text)}
    assert got == {("ZWE", "export_prohibition", ("chromium",)),
                   ("ZWE", "suspension_of_measure", ("chromium",))}


# --- ingest: a language we do not extract from --------------------------------------

def test_unsupported_language_is_stored_flagged_and_not_mined(wh, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from mineralwatch.documents.ingest import ingest_documents
    from mineralwatch.documents.search import search

    # www.metallerochgruvor.se/en/node/11485 (Swedish)
    sv = ("Demokratiska republiken Kongo (DRK) kommer att häva sitt åtta månader långa "
          "exportförbud mot kobolt den 16 oktober och ersätta det med årliga kvoter. "
          "Landets myndigheter kommer att tillåta gruvbolag att exportera 18 125 ton kobolt "
          "under resten av 2025. Därefter har ett produktionstak på 96 000 ton fastställts "
          "för både 2026 och 2027.")
    feed = tmp_path / "sv.jsonl"
    feed.write_text(json.dumps({"id": "sv1", "text": sv}, ensure_ascii=False), "utf-8")
    report = ingest_documents(wh, [feed])
    assert report.added == ["sv1"] and report.unsupported == {"sv1": "sv"}
    assert "language not extracted (sv)" in report.summary()
    con = wh.con
    assert con.execute("select language from document").fetchall() == [("sv",)]
    assert con.execute("select count(*) from policy_event where status = 'extracted'"
                       ).fetchone() == (0,)
    assert con.execute("select count(*) from claim").fetchone() == (0,)
    assert [h.doc_id for h in search(wh, "exportförbud kobolt")][:1] == ["sv1"]


# --- dates: the document's own date resolves relative ones ---------------------------

def _dated(text: str, published: str | None) -> list[tuple[str, date | None, date | None]]:
    from mineralwatch.documents.extract.dating import document_date

    d = document_date(text, published)
    return [(e.measure, e.announced, e.effective)
            for e in extract(text, default_year=d.year if d else None, doc_date=d).events]


def test_dateline_and_weekday_resolve_the_dates() -> None:
    # bignewsnetwork.com/news/275019500/1st-ld-writethru-china-announces-export-controls-...
    # (page dated "4th February 2025, 20:45 GMT+11"; the Xinhua dateline is the date)
    text = ("BEIJING, Feb. 4 (Xinhua) -- China on Tuesday announced export controls on items "
            "related to tungsten, tellurium, bismuth, molybdenum and indium, according to a "
            "statement jointly issued by the Ministry of Commerce (MOC) and the General "
            "Administration of Customs. The policy comes into effect on Tuesday, according "
            "to the statement.")
    assert _dated(text, "2025-02-05") == [
        ("export_licence_dual_use", date(2025, 2, 4), date(2025, 2, 4))]


def test_effective_immediately_in_the_list_sentence() -> None:
    # www.malaymail.com/news/money/2025/02/04/china-expands-critical-mineral-export-...
    text = ("HONG KONG, Feb 4 — China announced sweeping export restrictions today on five "
            "metals used across defence, clean energy and other industries. The controls, "
            "which come into effect immediately, cover the metals tungsten, tellurium, "
            "bismuth, indium and molybdenum and their related products.")
    assert _dated(text, "2025-02-04") == [
        ("export_licence_dual_use", date(2025, 2, 4), date(2025, 2, 4))]


def test_jiriqi_is_the_document_date_and_zhi_the_end() -> None:
    # www.swissinfo.ch/chi/中国放宽镓锗等两用物项对美出口/90303422 (dated 2025-11-09)
    text = ("（法新社北京9日电） 中国去年底公布暂停镓、锗等两用物项对美国出口。"
            "中国商务部今天公布，相关措施自即日起至2026年11月27日暂停实施。")
    from mineralwatch.documents.extract.dating import document_date

    d = document_date(text, "2025-11-09")
    evs = extract(text, default_year=2025, doc_date=d).events
    [s] = [e for e in evs if e.measure == "suspension_of_measure"]
    assert (s.minerals, s.effective, s.ends) == (["gallium", "germanium"],
                                                 date(2025, 11, 9), date(2026, 11, 27))
    assert all(e.effective is None for e in evs if e is not s)


def test_posting_time_of_a_mirror_is_no_announcement_date() -> None:
    # 湖南礦業網 mirror of the MOFCOM notice of 2024-12-03, posted 2024-12-09
    text = ("發表時間 :2024-12-09 10:36:58\n商務部發布公告稱,決定加強相關兩用物項對美國出口管制。"
            "二是原則上不予許可鎵、鍺、銻、超硬材料相關兩用物項對美國出口。")
    assert all(a is None for _, a, _ in _dated(text, None))


def test_publication_date_resolves_fabushiri_qi() -> None:
    # 湖南礦業網, as above: "公告自公布之日起正式實施" is effective on the notice's date
    text = ("商務部發布公告稱,決定加強相關兩用物項對美國出口管制。"
            "二是原則上不予許可鎵、鍺、銻、超硬材料相關兩用物項對美國出口。公告自公布之日起正式實施。")
    got = _dated(text, "2024-12-03")
    assert ("export_prohibition", None, date(2024, 12, 3)) in got


# --- figures: numbers as each language writes them -----------------------------------

def _figures(text: str) -> list[tuple[float, str, str | None]]:
    return [(round(q.value, 6), q.unit, q.measure) for q in extract(text).quantities]


def test_french_thousands_spaces_and_decimal_commas() -> None:
    # finances-entreprises.com/la-rdc-realise-une-production-record-de-198-844-tonnes-...
    text = ("En 2024, la production du cobalt de l’industrie minière de la République "
            "démocratique du Congo est évaluée à 198 844 tonnes contre 152 798 tonnes en "
            "2023, selon les données du ministère des Mines.")
    got = extract(text).quantities
    assert [(q.value, q.unit, q.country) for q in got] == [(198844.0, "t", "COD"),
                                                           (152798.0, "t", "COD")]
    # francais.news-pravda.com/world/2023/08/02/13789.html
    text = ("De janvier à juin, la Chine a fourni 67 tonnes de métaux rares, les principaux "
            "acheteurs étant l'Allemagne (11,4 tonnes), le Japon (11,1 tonnes) et les "
            "Pays-Bas (7,9 tonnes).")
    assert [v for v, _, _ in _figures(text)] == [67.0, 11.4, 11.1, 7.9]


def test_french_pour_cent_and_points_as_thousands() -> None:
    # metaux-industriels.net/gallium-et-germanium-les-exportations-reprennent-...
    text = ("Comme le montrent les données des autorités douanières chinoises, 1.530 "
            "kilogrammes de gallium et 721 kilogrammes de germanium ont été exportés en "
            "novembre. Cela représente même 512 pour cent de plus de gallium qu’au mois "
            "d’octobre précédent.")
    assert _figures(text)[:2] == [(1.53, "t", None), (0.721, "t", "exports")]
    assert _figures(text)[2][:2] == (512.0, "%")


def test_german_points_kilogramm_and_prozent() -> None:
    # gallium.de/2025/06/23/china-gallium-exporte-im-mai-auf-null-gesunken-...
    text = ("Die Germanium-Exporte sanken im Vergleich zum Vorjahr um mehr als 60 Prozent "
            "auf 675 Kilogramm, gegenüber 1.822 Kilogramm im Mai 2024.")
    assert _figures(text) == [(-60.0, "%", "growth"), (0.675, "t", "exports"),
                              (1.822, "t", None)]
    # de.marketscreener.com/.../Kongos-Kupfer-und-Kobaltproduktion-steigt-in-Q1-an--41282648/
    text = ("Das zentralafrikanische Land produzierte in den ersten drei Monaten des Jahres "
            "572.983 Tonnen Kupfer und 28.990 Tonnen Kobalt, wie aus den Statistiken "
            "hervorgeht. Die Goldproduktion stieg im gleichen Zeitraum um 4,4% auf 7.797 kg.")
    assert _figures(text) == [(572983.0, "t", "production"), (28990.0, "t", "production"),
                              (4.4, "%", "growth"), (7.797, "t", "production")]


def test_english_points_stay_decimal() -> None:
    assert _figures("Germanium exports fell to 1.822 tonnes.") == [(1.822, "t", "exports")]


def test_ore_grade_is_not_a_growth_rate() -> None:
    # www.chaxiaohao.com/read-1752167511l6466305.html
    text = "当前市场主流品位的黑钨精矿(≥65%)价格已达17.3万元/吨,白钨精矿(≥65%)为17.2万元/吨。"
    assert _figures(text) == [(65.0, "%", "grade"), (173000.0, "CNY/t", "price"),
                              (65.0, "%", "grade"), (172000.0, "CNY/t", "price")]
    # metal-mineral.cn/info-detail/从矿山到尖端科技黑钨精矿的产业链之旅
    assert _figures("原矿被富集成WO₃含量≥65%的精矿。") == [(65.0, "%", "grade")]


def test_written_minus_is_a_decline() -> None:
    assert _figures("2024年1-9月稀土出口量同比-3.2%。")[-1] == (-3.2, "%", "growth")


def test_caps_and_permitted_shipments_are_quota_figures() -> None:
    # crestafrica.com/congo-to-lift-cobalt-export-ban-and-introduce-quotas-starting-october-16
    text = ("Miners will be permitted to ship up to 18,125 tons of cobalt for the remainder "
            "of 2025, while exports in 2026 and 2027 will be capped at 96,600 tonnes each "
            "year, according to the Authority for the Regulation and Control of Strategic "
            "Mineral Substances' Markets, Reuters reported.")
    assert _figures(text) == [(18125.0, "t", "export_quota"), (96600.0, "t", "export_quota")]


# --- policy events in French, German, Spanish, Indonesian and Japanese ---------------

@pytest.mark.parametrize(("text", "expected"), [
    # gallium.de/2025/06/23/china-gallium-exporte-im-mai-auf-null-gesunken-...
    ("Im Dezember 2024 verschärfte China die Kontrollen und untersagte sämtliche Exporte "
     "von Gallium, Germanium und Antimon in die Vereinigten Staaten.",
     ("CHN", "export_prohibition", ["gallium", "germanium", "antimony"], ["USA"], None)),
    # handelszeitung.ch/newsticker/china-stoppt-export-von-chip-metallen-vollstandig-638938
    ("Die Regierung in Peking hatte als Reaktion auf westliche Sanktionen im Juli eine "
     "Lizenzpflicht für Gallium- und Germanium-Exporte zum 1. August angekündigt.",
     ("CHN", "export_licence_dual_use", ["gallium", "germanium"], ["ALL"], date(2023, 8, 1))),
    # ch.zonebourse.com/actualite-bourse/Volkswagen-pret-a-agir-face-aux-restrictions-...
    ("Le ministère chinois du commerce a déclaré au début du mois qu'il exigerait des "
     "permis d'exportation pour huit produits à base de gallium et six produits à base de "
     "germanium à partir du 1er août afin de protéger la sécurité nationale.",
     ("CHN", "export_licence_dual_use", ["gallium", "germanium"], ["ALL"], date(2023, 8, 1))),
    # www.0379.com.ar/contenido/38848-china-restringira-las-exportaciones-de-galio-...
    ("El gobierno de China decidió restringir desde el mes próximo la exportación de galio "
     "y germanio, dos metales clave en la fabricación de semiconductores.",
     ("CHN", "export_licence_dual_use", ["gallium", "germanium"], ["ALL"], None)),
    # jabar.antaranews.com/berita/347333/keberanian-hentikan-ekspor-bahan-mentah-...
    ("Pemerintah memberlakukan larangan ekspor bijih nikel sejak 1 Januari 2020, "
     "sebagaimana tertuang dalam Peraturan Menteri ESDM Nomor 11 Tahun 2019.",
     ("IDN", "export_prohibition", ["nickel"], ["ALL"], date(2020, 1, 1))),
    # news.livedoor.com/topics/detail/29748365/
    ("中国商務省は9日、レアアース（希土類）の輸出管理を厳格化すると発表した。",
     ("CHN", "export_licence_dual_use", ["rare_earths"], ["ALL"], None)),
])
def test_events_in_other_languages(text: str, expected: tuple[object, ...]) -> None:
    evs = extract(text, default_year=2023).events
    assert [(e.actor, e.measure, e.minerals, e.target, e.effective) for e in evs] == [
        expected]


def test_proposals_in_other_languages_are_no_events() -> None:
    # jabar.antaranews.com/berita/347333/keberanian-hentikan-ekspor-bahan-mentah-...
    text = ("Pemerintah Indonesia memberlakukan larangan ekspor bijih nikel sejak 1 Januari "
            "2020. Pemerintah berencana melanjutkan kebijakan penghentian ekspor bahan mentah "
            "tambang untuk bauksit pada tahun 2022, dan selanjutnya tembaga, dan lainnya.")
    assert [(e.actor, e.minerals) for e in extract(text).events] == [("IDN", ["nickel"])]


def test_wan_compound_numbers_in_traditional_script() -> None:
    # udn.com/news/story/7333/9265203 (traditional script)
    text = ("根據中國海關總署今天公布，中國2025年共出口6萬2585噸稀土元素，年增12.9%，"
            "達到2014年以來最高水準。")
    got = extract(text).quantities
    assert [(q.value, q.unit, q.measure, q.mineral, q.country) for q in got] == [
        (62585.0, "t", "exports", "rare_earths", "CHN"),
        (12.9, "%", "growth", "rare_earths", "CHN")]
    assert got[0].text == "6萬2585噸"  # quoted as written
