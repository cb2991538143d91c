"""A bulletin as a workbook people can work with: one sheet per table of the bulletin.

Each sheet has a bold header row (frozen), Chinese labels only (the labels the page shows, never
the keys the content stores: `fulfilment`, `red`), numbers as numbers with number formats (money
`#,##0.00` with its unit in the header or the row's label, counts `0`, percentages `0.0%` stored
as fractions), column widths fitted to the text, and in a footer row and the printed page's
footer the digest of the frozen bulletin and its publication date (or "草稿" before it is
published). Text goes through `export.safe_text`: nothing a user typed is read as a formula.

A bulletin has some hundreds of cells, so openpyxl writes it (the list exports write their XML
directly because they hold hundreds of thousands).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from app import policy
from app.models.performance import Bulletin
from app.principal import Principal
from app.services import audit, bulletins, metrics, workdays
from app.services.export import safe_text
from app.templating import LOCAL_TZ

MONEY = "#,##0.00"
COUNT = "0"
PERCENT = "0.0%"
DAY = "yyyy-mm-dd"
MONEY_UNITS = frozenset({"万元", "亿元", "万美元", "元"})
CARD_LABELS = {"red": "红牌", "yellow": "黄牌"}
BREAKDOWNS = [("category", "按类别"), ("sector", "按产业"), ("size_band", "按规模"), ("chain", "按产业链")]
RATE_UNITS = {"funds": "万元"}  # the funds rate divides money; the others count projects
_BOLD = Font(bold=True)

Cell = tuple[Any, str | None]  # a value and its number format


def _number(text: Any) -> Decimal | None:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None  # "—": nothing to divide by
    return value if value.is_finite() else None


def _percent(text: Any) -> Cell:
    value = _number(text)
    return (None if value is None else value / 100, PERCENT)


def _amount(text: Any, unit: str) -> Cell:
    return (_number(text), MONEY if unit in MONEY_UNITS else COUNT)


def _day(text: str) -> Cell:
    try:
        return (date.fromisoformat(text), DAY)
    except ValueError:
        return (text, None)


def _width(value: Any) -> int:
    if isinstance(value, Decimal | int | float):
        return len(f"{value:,.2f}")
    if isinstance(value, date):
        return 10
    text = str(value or "")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet(
    book: Workbook, name: str, headers: Sequence[str], rows: Sequence[Sequence[Cell | Any]], footer: list[str]
) -> Worksheet:
    sheet = book.create_sheet(name[:31])
    sheet.append([safe_text(h) for h in headers])
    for cell in sheet[1]:
        cell.font = _BOLD
    widths = [_width(h) for h in headers]
    for row in rows:
        values: list[Any] = []
        formats: list[str | None] = []
        for item in row:
            value, fmt = item if isinstance(item, tuple) else (item, None)
            values.append(safe_text(value) if isinstance(value, str) else value)
            formats.append(fmt)
        sheet.append(values)
        for index, (cell, fmt) in enumerate(zip(sheet[sheet.max_row], formats, strict=False)):
            if fmt and cell.value is not None:
                cell.number_format = fmt
            widths[index] = max(widths[index], _width(cell.value))
    if not rows:
        sheet.append(["无"])
    sheet.append([])
    for line in footer:
        sheet.append([safe_text(line)])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, width + 2))
    sheet.print_title_rows = "1:1"
    sheet.oddFooter.left.text = " ".join(footer).replace("&", "&&")
    sheet.oddFooter.right.text = "第 &P 页，共 &N 页"
    return sheet


def bulletin(db: Session, principal: Principal, kind: str, year: int, number: int) -> tuple[str, bytes]:
    """A period's bulletin as a workbook (its file name and bytes): as frozen when published, else the
    draft as of today. Those who read everything only; the export is recorded in the audit trail."""
    if not principal.reads_everything:
        raise policy.DeniedForbidden("通报由招商局发布，领导和督查室查阅")
    start, _end = bulletins.check_period(kind, year, number)
    frozen = bulletins.published(db, kind, start)
    content = frozen.content if frozen is not None else bulletins.build(db, kind, year, number)
    body = workbook(content, frozen)
    audit.append(
        db, "export", entity="bulletin", changes={"kind": kind, "year": year, "number": number, "format": "xlsx"}
    )
    return f"{content['title']}.xlsx", body


def footer_lines(frozen: Bulletin | None) -> list[str]:
    if frozen is None:
        return ["草稿（未发布，数字随记录变化）", f"导出日期：{workdays.today():%Y-%m-%d}"]
    published = frozen.published_at.astimezone(LOCAL_TZ) if frozen.published_at.tzinfo else frozen.published_at
    return [f"摘要（SHA-256）：{frozen.digest}", f"发布日期：{published:%Y-%m-%d}"]


def workbook(content: dict[str, Any], frozen: Bulletin | None) -> bytes:
    """The bulletin's tables as an XLSX workbook (see the module's note)."""
    footer = [content["title"], *footer_lines(frozen)]
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    book.properties.title = content["title"]
    period = f"统计期 {content['start']} 至 {content['as_of']}"

    totals = [
        [
            f"{t['label']}（{t['unit']}）",
            _amount(t["period"], t["unit"]),
            _amount(t["ytd"], t["unit"]),
            _amount(t["last_year_ytd"], t["unit"]),
            _percent(t["growth"]),
        ]
        for t in content["totals"]
    ]
    _sheet(book, "总体情况", ["指标（单位）", "本期", "本年累计", "去年同期", "同比增长"], totals, [period, *footer])

    shares = [
        [
            title,
            s["label"],
            (_number(s["count"]), COUNT),
            _percent(s["count_pct"]),
            (_number(s["amount"]), MONEY),
            _percent(s["amount_pct"]),
        ]
        for key, title in BREAKDOWNS
        for s in content["shares"].get(key, [])
    ]
    _sheet(
        book,
        "项目结构",
        ["分组", "分类", "项目数（个）", "项目数占比", "合同投资（万元）", "合同投资占比"],
        shares,
        ["本期签约项目", *footer],
    )

    quarters = [
        [q["label"], (_number(q["projects"]), COUNT), (_number(q["contract"]), MONEY), (_number(q["funds"]), MONEY)]
        for q in content["quarters"]
    ]
    _sheet(book, "分季度比较", ["期间", "引进项目（个）", "合同投资（万元）", "内资到位（万元）"], quarters, footer)

    rates = []
    for key, rate in content["rates"].items():
        unit = RATE_UNITS.get(key, "个")
        rates.append(
            [
                rate["name"],
                _percent(rate["value"]),
                _amount(rate["numerator"], unit),
                _amount(rate["denominator"], unit),
                unit,
            ]
        )
    _sheet(book, "三率", ["指标", "比率", "分子", "分母", "计量单位"], rates, footer)

    units = []
    for unit in content["units"]:
        for code, cell in unit["metrics"].items():
            metric = metrics.METRICS.get(code)
            label = content["metric_labels"].get(code) or (metric.label if metric else "其他指标")
            measure = metric.unit if metric else ""
            units.append(
                [
                    unit["name"],
                    f"{label}（{measure}）" if measure else label,
                    _amount(cell["actual"], measure),
                    _amount(cell["target"], measure) if cell["target"] is not None else (None, None),
                    _percent(cell["share"]),
                    _percent(cell["of_expected"]),
                    CARD_LABELS.get(cell["card"] or "", ""),
                ]
            )
    _sheet(
        book,
        "各单位目标完成情况",
        ["单位", "指标（单位）", "实际完成", "年度目标", "占年计划", "占时序进度", "警示"],
        units,
        footer,
    )

    overdue = [[t["title"], t["unit"], _day(t["due_on"])] for t in content["overdue_tickets"]]
    _sheet(book, "逾期服务问题", ["问题", "承办单位", "办理期限"], overdue, footer)
    stalled = [[p["name"], p["unit"], _day(p["since"])] for p in content["stalled"]]
    _sheet(book, "长期无进度项目", ["项目", "责任单位", "最近进度日期"], stalled, footer)

    if content.get("year_review"):
        _year_sheets(book, content["year_review"], footer)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _year_sheets(book: Workbook, year: dict[str, Any], footer: list[str]) -> None:
    """The half-year's and the year's own tables (app/services/bulletin_year.py)."""
    assessment = year.get("assessment")
    if assessment:
        notes = [assessment["note"]] if assessment.get("note") else []
        _sheet(book, "年度综合考核", assessment["columns"], assessment["rows"], [*notes, *footer])
    else:
        ranking = [
            [
                (r["rank"], COUNT),
                r["name"],
                (_number(r["score"]), MONEY),
                (_number(r["deductions"]), MONEY),
                (_number(r["funds"]), MONEY),
                (_number(r["introduced"]), COUNT),
            ]
            for r in year["ranking"]
        ]
        _sheet(
            book,
            "定量排名",
            ["名次", "单位", "得分", "扣分", "内资到位（万元）", "引进项目（个）"],
            ranking,
            [year["ranking_note"], *footer],
        )
    targets = [
        [t["name"], (t["targets"], COUNT), (t["met"], COUNT), (t["on_pace"], COUNT), "、".join(t["missed"])]
        for t in year["targets"]
    ]
    _sheet(
        book,
        "年度目标完成情况",
        ["单位", "目标项数", "已完成全年目标", "达到时序进度", "未完成的目标"],
        targets,
        footer,
    )
    red = [[r["name"]] for r in year["red_cards"]]
    _sheet(book, "红牌单位", ["单位（无招商引资实绩）"], red, [year["red_card_rule"], *footer])
