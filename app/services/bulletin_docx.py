"""Bulletins and the award notice as Word documents in the 公文 layout (app/services/official_doc.py).

A bulletin's document holds the tables of its workbook (app/services/bulletin_export.py) with the same
labels, its figures formatted as the page shows them (app/templating.py: money with thousands separators
and its unit in the header, counts whole, percentages one decimal), and closes with the issuing body
(the coordinating bureau: the unit of the one who published it, else of the bureau's first coordinator)
and the publication date written out in Chinese (二〇二六年十二月七日). The 版记 under it carries the
SHA-256 digest of the frozen bulletin. A period not yet published is exported as the workbook exports
it, marked: 草稿 at the top, "草稿（未发布，数字随记录变化）" and the export date in the 版记.

The award notice (公示) lists every award on notice today, each with its project and recipient as the
reader may see them (awards.in_notice: a confidential project by its code name), the amount in 元.

Pages and the API call `bulletin` and `award_notice`; each checks who may read and records the export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.models.performance import Bulletin
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import audit, awards, bulletin_export, bulletins, metrics, official_doc, workdays
from app.services.official_doc import Column
from app.templating import LOCAL_TZ, count, figure, money, pct, score

DOCX_TYPE = official_doc.DOCX_TYPE
DRAFT = "草稿（未发布，数字随记录变化）"
BUREAU = "招商局"  # when no coordinator has a unit to name

# the tables' columns: the workbook's headers; widths in parts of the text area (156 mm)
TOTALS = [
    Column("指标（单位）", 52),
    Column("本期", 26, True),
    Column("本年累计", 26, True),
    Column("去年同期", 26, True),
    Column("同比增长", 20, True),
]
STRUCTURE = [
    Column("分类", 44),
    Column("项目数（个）", 24, True),
    Column("项目数占比", 22, True),
    Column("合同投资（万元）", 40, True),
    Column("合同投资占比", 26, True),
]
QUARTERS = [
    Column("期间", 50),
    Column("引进项目（个）", 30, True),
    Column("合同投资（万元）", 38, True),
    Column("内资到位（万元）", 38, True),
]
RATES = [
    Column("指标", 36),
    Column("比率", 24, True),
    Column("分子", 36, True),
    Column("分母", 36, True),
    Column("计量单位", 24),
]
UNITS = [
    Column("单位", 26),
    Column("指标（单位）", 40),
    Column("实际完成", 24, True),
    Column("年度目标", 24, True),
    Column("占年计划", 17, True),
    Column("占时序进度", 17, True),
    Column("警示", 12),
]
OVERDUE = [Column("问题", 80), Column("承办单位", 46), Column("办理期限", 30)]
RANKING = [
    Column("名次", 14, True),
    Column("单位", 40),
    Column("得分", 22, True),
    Column("扣分", 20, True),
    Column("内资到位（万元）", 36, True),
    Column("引进项目（个）", 24, True),
]
YEAR_TARGETS = [
    Column("单位", 36),
    Column("目标项数", 20, True),
    Column("已完成全年目标", 28, True),
    Column("达到时序进度", 26, True),
    Column("未完成的目标", 46),
]
STALLED = [Column("项目", 80), Column("责任单位", 46), Column("最近进度日期", 30)]
NOTICE = [
    Column("序号", 9),
    Column("获奖对象", 26),
    Column("项目", 28),
    Column("奖励依据", 22),
    Column("计算", 30),
    Column("金额（元）", 22, True),
    Column("公示期", 21),
]


@dataclass(frozen=True)
class Download:
    filename: str
    body: bytes
    media_type: str = DOCX_TYPE


@dataclass(frozen=True)
class Issuer:
    name: str  # 青山县投资促进局（招商局）
    place: str  # the jurisdiction it belongs to (青山县), "" when the unit tree does not say
    phone: str


def issuer(db: Session, frozen: Bulletin | None = None) -> Issuer:
    """The coordinating bureau: the unit of the coordinator who published the bulletin, else the unit of
    the first active coordinator."""
    unit = None
    if frozen is not None and frozen.published_by_id is not None:
        unit = db.execute(
            select(Unit).join(User, User.unit_id == Unit.id).where(User.id == frozen.published_by_id)
        ).scalar_one_or_none()
    if unit is None:
        unit = db.execute(
            select(Unit)
            .join(User, User.unit_id == Unit.id)
            .where(User.role == Role.coordinator, User.is_active.is_(True))
            .order_by(User.id)
            .limit(1)
        ).scalar_one_or_none()
    if unit is None:
        return Issuer(BUREAU, "", "")
    place, parent_id, seen = "", unit.parent_id, {unit.id}
    while parent_id is not None and parent_id not in seen and len(seen) < 10:  # a tree is shallow
        parent = db.get(Unit, parent_id)
        if parent is None:
            break
        if parent.kind is UnitKind.jurisdiction:
            place = parent.short_name or parent.name
            break
        seen.add(parent.id)
        parent_id = parent.parent_id
    return Issuer(unit.name, place, unit.phone)


def _percent(value: Any) -> str:
    shown = pct(value)
    return shown if shown == "—" else f"{shown}%"


# --- the bulletin ---------------------------------------------------------------------------


def bulletin(db: Session, principal: Principal, kind: str, year: int, number: int) -> Download:
    """A period's bulletin as a Word document: as frozen when published, else the draft as of today."""
    if not principal.reads_everything:
        raise policy.DeniedForbidden("通报由招商局发布，领导和督查室查阅")
    start, _end = bulletins.check_period(kind, year, number)
    frozen = bulletins.published(db, kind, start)
    content = frozen.content if frozen is not None else bulletins.build(db, kind, year, number)
    body = document(content, frozen, issuer(db, frozen))
    audit.append(
        db, "export", entity="bulletin", changes={"kind": kind, "year": year, "number": number, "format": "docx"}
    )
    return Download(f"{content['title']}.docx", body)


def _published_day(frozen: Bulletin) -> date:
    moment: datetime = frozen.published_at
    return (moment.astimezone(LOCAL_TZ) if moment.tzinfo else moment).date()


def document(content: dict[str, Any], frozen: Bulletin | None, by: Issuer) -> bytes:
    """The bulletin's content (frozen or built) as a 公文 (see the module's note)."""
    day = _published_day(frozen) if frozen is not None else workdays.today()
    doc = official_doc.document(content["title"], by.name, frozen.published_at if frozen is not None else None)
    if frozen is None:
        official_doc.mark(doc, "草稿")
    official_doc.title(doc, content["title"])
    start, as_of = date.fromisoformat(content["start"]), date.fromisoformat(content["as_of"])
    official_doc.body(
        doc,
        f"现将{by.place}{start.year}年{start.month}月{start.day}日至{as_of.year}年{as_of.month}月{as_of.day}日"
        "招商引资工作情况通报如下。",
    )

    official_doc.heading(doc, "一、总体情况")
    official_doc.table(
        doc,
        TOTALS,
        [
            [
                f"{t['label']}（{t['unit']}）",
                figure(t["period"], t["unit"]),
                figure(t["ytd"], t["unit"]),
                figure(t["last_year_ytd"], t["unit"]),
                _percent(t["growth"]),
            ]
            for t in content["totals"]
        ],
    )

    official_doc.heading(doc, "二、项目结构（本期签约）")
    for index, (key, title) in enumerate(bulletin_export.BREAKDOWNS):
        official_doc.heading(doc, f"（{'一二三四'[index]}）{title}", 2)
        shares = content["shares"].get(key, [])
        if not shares:
            official_doc.body(doc, "本期无签约项目。")
            continue
        official_doc.table(
            doc,
            STRUCTURE,
            [
                [s["label"], count(s["count"]), _percent(s["count_pct"]), money(s["amount"]), _percent(s["amount_pct"])]
                for s in shares
            ],
        )

    official_doc.heading(doc, "三、分季度比较")
    official_doc.table(
        doc,
        QUARTERS,
        [[q["label"], count(q["projects"]), money(q["contract"]), money(q["funds"])] for q in content["quarters"]],
    )

    official_doc.heading(doc, "四、三率")
    rates = []
    for key, rate in content["rates"].items():
        unit = bulletin_export.RATE_UNITS.get(key, "个")
        shown = [figure(rate["numerator"], unit), figure(rate["denominator"], unit)]
        rates.append([rate["name"], _percent(rate["value"]), *shown, unit])
    official_doc.table(
        doc,
        RATES,
        rates,
    )

    official_doc.heading(doc, "五、各单位目标完成情况")
    units = []
    for row in content["units"]:
        for code, cell in row["metrics"].items():
            metric = metrics.METRICS.get(code)
            label = content["metric_labels"].get(code) or (metric.label if metric else "其他指标")
            measure = metric.unit if metric else ""
            units.append(
                [
                    row["name"],
                    f"{label}（{measure}）" if measure else label,
                    figure(cell["actual"], measure),
                    figure(cell["target"], measure),
                    _percent(cell["share"]),
                    _percent(cell["of_expected"]),
                    bulletin_export.CARD_LABELS.get(cell["card"] or "", ""),
                ]
            )
    if units:
        official_doc.table(
            doc,
            UNITS,
            units,
            small=True,
        )
    else:
        official_doc.body(doc, "本期无单位目标。")

    official_doc.heading(doc, "六、需要关注的问题")
    overdue = content["overdue_tickets"]
    official_doc.heading(doc, f"（一）逾期未办结的服务问题（{len(overdue)}个）", 2)
    if overdue:
        official_doc.table(
            doc,
            OVERDUE,
            [[t["title"], t["unit"], t["due_on"]] for t in overdue],
        )
    else:
        official_doc.body(doc, "无。")
    stalled = content["stalled"]
    official_doc.heading(doc, f"（二）长期无进度的项目（{len(stalled)}个）", 2)
    if stalled:
        official_doc.table(
            doc,
            STALLED,
            [[p["name"], p["unit"], p["since"]] for p in stalled],
        )
    else:
        official_doc.body(doc, "无。")

    if content.get("year_review"):
        _year_review(doc, content["year_review"])

    official_doc.signature(doc, by.name, official_doc.chinese_date(day))
    if frozen is not None:
        notes = [f"摘要（SHA-256）：{frozen.digest}", f"发布日期：{day:%Y-%m-%d}"]
    else:
        notes = [DRAFT, f"导出日期：{day:%Y-%m-%d}"]
    official_doc.imprint(doc, notes, by.name, f"{day.year}年{day.month}月{day.day}日")
    if frozen is not None:
        doc.core_properties.identifier = frozen.digest
    else:
        doc.core_properties.keywords = DRAFT
    return official_doc.save(doc)


def _ranking_row(r: dict[str, Any]) -> list[str]:
    return [
        str(r["rank"]),
        r["name"],
        score(r["score"]),
        score(r["deductions"]),
        money(r["funds"]),
        count(r["introduced"]),
    ]


def _year_review(doc: Any, year: dict[str, Any]) -> None:
    """七: the half-year's or the year's assessment (or ranking), targets met and red cards."""
    official_doc.heading(doc, f"七、{'全年' if year['kind'] == 'yearly' else '上半年'}考核情况")
    assessment = year.get("assessment")
    if assessment:
        official_doc.heading(doc, "（一）年度综合考核", 2)
        width = max(1, len(assessment["columns"]))
        columns = [Column(str(c), 156 // width) for c in assessment["columns"]]
        official_doc.table(doc, columns, assessment["rows"], small=True)
        if assessment.get("note"):
            official_doc.body(doc, assessment["note"])
    else:
        official_doc.heading(doc, "（一）定量排名", 2)
        official_doc.body(doc, year["ranking_note"])
        if year["ranking"]:
            official_doc.table(
                doc,
                RANKING,
                [_ranking_row(r) for r in year["ranking"]],
                small=True,
            )
        else:
            official_doc.body(doc, "无。")
    official_doc.heading(doc, "（二）年度目标完成情况", 2)
    if year["targets"]:
        official_doc.table(
            doc,
            YEAR_TARGETS,
            [
                [t["name"], count(t["targets"]), count(t["met"]), count(t["on_pace"]), "、".join(t["missed"]) or "—"]
                for t in year["targets"]
            ],
            small=True,
        )
    else:
        official_doc.body(doc, "本年未下达单位目标。")
    red = year["red_cards"]
    official_doc.heading(doc, f"（三）红牌单位（无招商引资实绩，{len(red)}个）", 2)
    official_doc.body(doc, f"{year['red_card_rule']}：{'、'.join(r['name'] for r in red) if red else '无'}。")


# --- the award notice -----------------------------------------------------------------------


def award_notice(db: Session, principal: Principal, today: date | None = None) -> Download:
    """The public notice (公示) as a Word document: every award whose notice period includes today."""
    today = today or workdays.today()
    rows = awards.in_notice(db, principal, today)
    by = issuer(db)
    title = f"{by.place}招商引资奖励公示"
    doc = official_doc.document(title, by.name)
    official_doc.title(doc, title)
    official_doc.body(
        doc,
        f"根据{by.place}招商引资奖励政策，经申报、核查，拟对以下单位和个人给予奖励，现予公示。"
        f"公示期间，对公示内容有异议的，请以书面或电话形式向{by.name}反映。",
    )
    if rows:
        official_doc.table(
            doc,
            NOTICE,
            [
                [
                    str(index),
                    f"{r['recipient']}（{r['award'].recipient_type.label}）",
                    r["project"] or "—",
                    r["policy"].name,
                    r["award"].calculation,
                    money(r["award"].amount),
                    f"{r['award'].notice_from} 至 {r['award'].notice_to}",
                ]
                for index, r in enumerate(rows, start=1)
            ],
            small=True,
        )
    else:
        official_doc.body(doc, "当前没有公示中的奖励。")
    if by.phone:
        official_doc.body(doc, f"联系电话：{by.phone}")
    official_doc.signature(doc, by.name, official_doc.chinese_date(today))
    audit.append(db, "export", entity="award", changes={"notice": today.isoformat(), "rows": len(rows)})
    return Download(f"{title}（{today:%Y-%m-%d}）.docx", official_doc.save(doc))
