"""Report section: the latest cited briefing from the ingested documents.

``render(wh)`` briefs on the mineral the most recent documents name most often (every
bullet cited ``[doc:passage]``, key figures, policy events) and lists contradictions
between documents. Every text is escaped.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from mineralwatch.reports.svg import esc as _e

if TYPE_CHECKING:
    from mineralwatch.store import Warehouse

TITLE = "Documents: latest briefing"
#: Documents read to choose the topic (the most recently published or ingested).
RECENT = 50


def topic(wh: Warehouse) -> str | None:
    """The mineral named most often in the most recent documents (its English name)."""
    from mineralwatch.codes import minerals
    from mineralwatch.documents import lexicon

    recent = wh.sql(
        'SELECT p.text FROM "passage" p JOIN (SELECT doc_id FROM "document" ORDER BY '
        "published DESC NULLS LAST, ingested_at DESC LIMIT ?) d USING (doc_id)", [RECENT])
    counts: Counter[str] = Counter()
    for text in recent["text"]:
        counts.update(lexicon.ids(text, "mineral"))
    if not counts:
        return None
    return minerals.table()[counts.most_common(1)[0][0]].name


def render(wh: Warehouse) -> str:
    """The documents section as an HTML fragment."""
    from mineralwatch.documents.brief import brief
    from mineralwatch.documents.claims import claims

    head = f'<section id="documents"><h2>{_e(TITLE)}</h2>'
    if "document" not in wh.tables() or wh.count("document") == 0:
        return (head + "<p>No documents ingested. Add research, notices and news with "
                "<code>mineralwatch docs ingest PATH</code>.</p></section>")
    subject = topic(wh) or "export controls"
    b = brief(wh, subject)
    parts = [head, f"<p>{wh.count('document'):,} documents, {wh.count('passage'):,} "
             f"passages. Topic: {_e(subject)}; citations are [document:passage].</p>",
             b.to_html()]
    conflicts = claims(wh)["conflicts"]
    if conflicts:
        rows = "".join(
            f"<tr><td>{_e(c['fact'])}</td><td>{_e(v['value'])} {_e(v['unit'])}</td>"
            f"<td><cite>[{_e(v['doc_id'])}:{_e(v['passage'])}]</cite></td></tr>"
            for c in conflicts[:10] for v in c["values"])
        parts.append("<h3>Figures the documents disagree on</h3><table class=\"data\">"
                     "<thead><tr><th>fact</th><th>value</th><th>source</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    return "".join(parts) + "</section>"


__all__ = ["RECENT", "TITLE", "render", "topic"]
