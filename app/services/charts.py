"""Charts drawn on the server as SVG: no script, a few kilobytes, printable, allowed by the CSP.

Each chart says what it shows (a title, the unit, the period), has a text alternative (an aria-label
summarising the values, and the values as a table beside it), and lays its labels out so that they cannot
overlap: the funnel is drawn as horizontal bars, one stage a row, its name on the row's left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from html import escape
from typing import Any

from markupsafe import Markup

from app.services import months

ZERO = Decimal(0)


@dataclass(frozen=True)
class Chart:
    """A chart and what it shows: `rows` are the (label, value as shown) pairs of its table."""

    key: str
    title: str
    unit: str
    period: str
    svg: Markup
    rows: list[tuple[str, str]]


def shown(value: Decimal | int, places: int = 0) -> str:
    """A figure on a chart: thousands separators, no decimals for counts."""
    return f"{Decimal(value):,.{places}f}"


def _nice_step(peak: Decimal, ticks: int = 4) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) so that `ticks` steps cover the peak."""
    if peak <= 0:
        return Decimal(1)
    rough = peak / ticks
    power = Decimal(10) ** (len(str(int(rough))) - 1) if rough >= 1 else Decimal(1)
    for factor in (1, 2, 5, 10):
        if power * factor >= rough:
            return power * factor
    return power * 10  # pragma: no cover - the loop ends at 10


def _summary(title: str, unit: str, period: str, rows: list[tuple[str, str]]) -> str:
    values = "，".join(f"{label} {value}" for label, value in rows)
    return f"{title}（{unit}，{period}）：{values}"


def month_bars(
    key: str, title: str, unit: str, period: str, months: list[tuple[str, str, Decimal]], *, color: str = "#b3261e"
) -> Chart:
    """Vertical bars, one a month: `months` are (axis label, year mark shown under January or the first
    month, value). A y axis of round steps carries the scale; the values are in the table."""
    width, left, right, top, plot = 360, 46, 6, 10, 150
    height = top + plot + 34
    peak = max((v for _a, _y, v in months), default=ZERO)
    step = _nice_step(peak)
    top_value = step * max(1, int((peak / step).to_integral_value(rounding=ROUND_CEILING))) if peak > 0 else step * 4
    n = max(1, len(months))
    slot = (width - left - right) / n
    rows = [(f"{label}" if not year else f"{year}{label}", shown(v)) for label, year, v in months]
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg" class="chart" '
        f'aria-label="{escape(_summary(title, unit, period, rows))}">'
    ]
    tick = ZERO
    while tick <= top_value:
        y = top + plot - float(tick / top_value) * plot
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde1e6"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end" fill="#555">{shown(tick)}</text>'
        )
        tick += step
    for i, (label, year, value) in enumerate(months):
        h = float(value / top_value) * plot if top_value else 0.0
        x = left + i * slot
        parts.append(
            f'<rect x="{x + 3:.1f}" y="{top + plot - h:.1f}" width="{slot - 6:.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{escape(rows[i][0])}：{rows[i][1]} {escape(unit)}</title></rect>"
        )
        parts.append(
            f'<text class="axis-label" x="{x + slot / 2:.1f}" y="{top + plot + 14}" font-size="10" '
            f'text-anchor="middle" fill="#333">{escape(label)}</text>'
        )
        if year:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{top + plot + 28}" font-size="9" text-anchor="middle" '
                f'fill="#666">{escape(year)}</text>'
            )
    parts.append("</svg>")
    return Chart(key, title, unit, period, Markup("".join(parts)), rows)


def funnel(key: str, title: str, unit: str, period: str, stages: list[tuple[str, int]]) -> Chart:
    """Horizontal bars, one stage a row: the stage's name on the left, the bar, its count after the bar.
    Labels sit in their own row and column, so none can overlap another at any width."""
    width, label_w, row, gap = 360, 100, 28, 6
    value_w = 56
    height = len(stages) * row + gap
    peak = max((c for _l, c in stages), default=0) or 1
    first = stages[0][1] if stages else 0
    rows = [(label, shown(count)) for label, count in stages]
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg" class="chart funnel" '
        f'aria-label="{escape(_summary(title, unit, period, rows))}">'
    ]
    span = width - label_w - value_w
    for i, (label, count) in enumerate(stages):
        y = gap + i * row
        w = max(1.0, count / peak * span) if count else 0.0
        share = f"（{count * 100 / first:.1f}%）" if first and i else ""
        parts.append(
            f'<text class="axis-label" x="{label_w - 6}" y="{y + 15}" font-size="13" text-anchor="end" '
            f'fill="#333">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row - 8}" fill="#b3261e">'
            f"<title>{escape(label)}：{count:,} {escape(unit)}{share}</title></rect>"
        )
        parts.append(
            f'<text class="value-label" x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="13" fill="#111">'
            f"{count:,}</text>"
        )
    parts.append("</svg>")
    return Chart(key, title, unit, period, Markup("".join(parts)), rows)


def dashboard_charts(data: dict[str, Any]) -> dict[str, Chart]:
    """The leaders' dashboard's charts, from `bulletins.dashboard`'s figures."""
    trend = data["trend"]
    as_of: date = data["as_of"]
    period = months.span_label(trend[0]["first"], trend[-1]["first"]) + f"（截至 {as_of.month}月{as_of.day}日）"

    def axis(t: dict[str, Any], i: int) -> tuple[str, str]:
        first: date = t["first"]
        return t["label"], (f"{first.year}年" if i == 0 or first.month == 1 else "")

    return {
        "funnel": funnel(
            "funnel",
            "项目漏斗：达到各阶段的项目数",
            "个",
            f"截至 {as_of.year}年{as_of.month}月{as_of.day}日，不含已终止项目",
            [(f["label"], int(f["count"])) for f in data["funnel"]],
        ),
        "funds": month_bars(
            "funds",
            "每月内资到位资金（已确认）",
            "万元",
            period,
            [(*axis(t, i), t["funds"]) for i, t in enumerate(trend)],
        ),
        "signed": month_bars(
            "signed",
            "每月签约引进项目",
            "个",
            period,
            [(*axis(t, i), Decimal(t["signed"])) for i, t in enumerate(trend)],
            color="#1f5fa8",
        ),
    }
