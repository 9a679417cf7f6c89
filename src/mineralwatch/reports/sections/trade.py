"""Report section: trade screening — transshipment candidates with evidence and charts.

``render(wh)`` screens the restrictions of :data:`RESTRICTIONS` that the warehouse has
monthly data for; :func:`transshipment_fragment` and :func:`impact_fragment` render any
result of :func:`~mineralwatch.analytics.screening.screen_transshipment` or
:func:`~mineralwatch.analytics.screening.event_impact`. Every text is escaped; charts are
inline SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mineralwatch.errors import NotFoundError
from mineralwatch.reports import svg
from mineralwatch.reports.svg import esc as _e

if TYPE_CHECKING:
    from mineralwatch.store import Warehouse

TITLE = "Trade screening"

#: Restrictions screened by default: (restrictor, target, HS codes, effective date).
RESTRICTIONS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("CHN", "USA", ("282580", "811010"), "2024-12-03"),  # antimony export ban to the US
)


def series_chart(series: Sequence[dict[str, Any]], *, title: str, since: str,
                 width: int = 620, height: int = 260) -> str:
    """Inline SVG of the two legs (restrictor -> K, K -> target) by month, with the date.

    Parameters
    ----------
    series
        Monthly rows with ``period`` (``YYYY-MM``), ``rk_t`` and ``kt_t`` (tonnes, or
        ``None`` where a leg has no data that month).
    title
        The chart's title.
    since
        The restriction's effective date (ISO); drawn as a dashed line at its month.
    """
    periods = [str(s["period"]) for s in series]
    legs = []
    for (name, key), color in zip((("from restrictor", "rk_t"), ("to target", "kt_t")),
                                  svg.PALETTE[:2], strict=False):
        pts = [(float(i), float(s[key])) for i, s in enumerate(series)
               if s.get(key) is not None]
        legs.append(svg.Series(name, [x for x, _ in pts], [y for _, y in pts], color=color))
    if not periods:
        return svg.lines([], title=title)
    cut = next((i for i, p in enumerate(periods) if p >= since[:7]), None)
    return svg.lines(
        legs, title=title, y_label="t/month", width=width, height=height, dots=False,
        x_range=(0.0, float(max(len(periods) - 1, 1))),
        x_ticks=[(float(i), p[:4]) for i, p in enumerate(periods) if p.endswith("-01")],
        markers=[] if cut is None else [(float(cut), since)])


def _evidence_table(evidence: Sequence[dict[str, Any]]) -> str:
    def num(v: Any) -> str:
        return "" if v is None else _e(svg.fmt_number(float(v)))

    rows = "".join(
        f"<tr><td>{_e(e['indicator'])}</td><td>{num(e['value'])}</td>"
        f"<td>{num(e['baseline'])}</td><td>{_e(format(e['evidence'], '.2f'))}</td>"
        f"<td>{_e(e['weight'])}</td><td>{_e(e['note'])}</td></tr>" for e in evidence)
    return ("<table><thead><tr><th>indicator</th><th>value</th><th>baseline</th>"
            "<th>evidence</th><th>weight</th><th>what</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def transshipment_fragment(report: dict[str, Any]) -> str:
    """HTML fragment of one transshipment screen: ranking, evidence and charts."""
    head = (f"<h3>{_e(report['restrictor'])} &rarr; ? &rarr; {_e(report['target'])}, HS "
            f"{_e(', '.join(report['hs']))}, since {_e(report['since'])}: "
            f"{_e(report['status'])}</h3>")
    if report["status"] == "insufficient data":
        return head + "<p>Insufficient data: " + _e("; ".join(report["missing"])) + "</p>"
    rank = "".join(f"<tr><td>{_e(c['country'])}</td><td>{_e(format(c['score'], '.2f'))}</td>"
                   f"<td>{'flagged' if c['flagged'] else ''}</td></tr>"
                   for c in report["candidates"][:10])
    parts = [head, "<table><thead><tr><th>country</th><th>score</th><th></th></tr></thead>"
             f"<tbody>{rank}</tbody></table>"]
    for c in report["candidates"]:
        if not c["flagged"]:
            continue
        parts.append(f"<h4>{_e(c['country'])} (score {_e(format(c['score'], '.2f'))})</h4>")
        parts.append(_evidence_table(c["evidence"]))
        if c.get("series"):
            parts.append(series_chart(c["series"], since=report["since"],
                                      title=f"{report['restrictor']} -> {c['country']} -> "
                                      f"{report['target']}"))
    if report["notes"]:
        parts.append('<p class="muted">' + _e(" ".join(report["notes"])) + "</p>")
    return "".join(parts)


def impact_fragment(report: dict[str, Any]) -> str:
    """HTML fragment of an event-impact result: per-partner effects with p-values."""
    def num(v: Any, f: str) -> str:
        return "" if v is None else _e(format(v, f))

    ev = report["event"]
    rows = "".join(
        f"<tr><td>{_e(e['partner'])}</td><td>{num(e['before'], ',.0f')}</td>"
        f"<td>{num(e['after'], ',.0f')}</td><td>{num(e['change_pct'], '+.1f')}</td>"
        f"<td>{num(e['p_value'], '.3g')}</td><td>{'yes' if e['significant'] else ''}</td></tr>"
        for e in [*report["effects"], report["total"]])
    return (f"<h3>{_e(ev['actor'])} HS {_e(', '.join(ev['hs']))} from {_e(ev['date'])}</h3>"
            "<table><thead><tr><th>partner</th><th>before t/mo</th><th>after t/mo</th>"
            "<th>change %</th><th>p</th><th>significant</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p class=\"muted\">{_e(report['method'])}</p>")


def render(wh: Warehouse, restrictions: Sequence[tuple[str, str, Sequence[str], str]]
           = RESTRICTIONS) -> str:
    """Screens of ``restrictions`` the warehouse has monthly data for, as HTML."""
    from mineralwatch.analytics.screening import screen_transshipment

    parts = []
    for r, t, hs, since in restrictions:
        try:
            parts.append(transshipment_fragment(screen_transshipment(wh, r, t, hs, since)))
        except NotFoundError as exc:
            parts.append(f'<p class="muted">{_e(r)} &rarr; {_e(t)}: '
                         f"{_e(str(exc).splitlines()[0])}</p>")
    return "".join(parts)


__all__ = ["RESTRICTIONS", "TITLE", "impact_fragment", "render", "series_chart",
           "transshipment_fragment"]
