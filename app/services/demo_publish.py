"""Demo of the public catalogue (对外发布, issue 23): the county's profile, three 策划包装 projects and two
sites (a plot and a building) published in Chinese and English, one more project left as a draft."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.investor import Investor
from app.models.land import Building, LandPlot, PlotStatus
from app.models.project import Project, Stage
from app.models.publish import PublicProfile, PublicProject, PublicSite, PublishState, SiteKind
from app.models.unit import Unit
from app.services import workdays

PROFILE = {
    "title_zh": "投资青山",
    "title_en": "Invest in Qingshan",
    "intro_zh": "青山县地处省际交界，高速公路和铁路穿境而过，距省会 1 小时车程。\n"
    "县内有经济开发区和现代农业产业园两个省级园区。",
    "intro_en": "Qingshan County lies where two provinces meet, on an expressway and a railway, an hour's drive from "
    "the provincial capital.\nIt has two provincial-level parks: the Economic Development Zone and the Modern "
    "Agriculture Park.",
    "industries_zh": "新材料：工业硅、硅基新材料、复合材料制品。\n绿色食品：果蔬精深加工、冷链物流。",
    "industries_en": "New materials: industrial silicon, silicon-based materials, composites.\nGreen food: fruit "
    "and vegetable processing, cold-chain logistics.",
    "figures_zh": "地区生产总值：312 亿元\n常住人口：56 万\n省级园区：2 个\n可供工业用地：1,200 亩",
    "figures_en": "GDP: RMB 31.2 billion\nPopulation: 560,000\nProvincial parks: 2\nIndustrial land available: "
    "1,200 mu (80 ha)",
    "policies_zh": "固定资产投资奖励：竣工投产后按核定固定资产投资给予奖励。\n"
    "土地：工业用地按基准地价供应，可分期缴纳。\n"
    "代办服务：审批事项由专人全程代办。",
    "policies_en": "Award on fixed-asset investment, paid on the audited investment once production starts.\n"
    "Land: industrial land at the benchmark price, payable in instalments.\nOne officer handles every approval "
    "for the investor, free of charge.",
}

PROJECTS = [
    ("年产 5 万吨高性能复合材料项目", "High-performance composites, 50,000 t a year", "secondary",
     "新材料 › 复合材料制品", "New materials › Composites", Decimal(12000), Decimal(80),
     "达产后年产值约 3 亿元，税收约 1,500 万元。",
     "About RMB 300 million output and RMB 15 million tax a year at capacity."),
    ("有机硅下游深加工项目", "Silicone downstream processing", "secondary",
     "新材料 › 硅基新材料", "New materials › Silicon-based materials", Decimal(35000), Decimal(150),
     "达产后年产值约 8 亿元。", "About RMB 800 million output a year at capacity."),
    ("果蔬冷链物流中心", "Fruit and vegetable cold-chain centre", "tertiary",
     "绿色食品 › 冷链物流", "Green food › Cold chain", Decimal(6800), Decimal(45),
     "年周转果蔬 20 万吨。", "200,000 t of fruit and vegetables handled a year."),
]  # fmt: skip


PACKAGED = [  # the 策划包装 projects behind the catalogue: their internal names differ from the published titles
    ("复合材料产业园一期（内部测算版）", "新材料", Decimal(12000), Decimal(80)),
    ("有机硅深加工（储备）", "新材料", Decimal(35000), Decimal(150)),
    ("冷链物流中心（储备）", "绿色食品", Decimal(6800), Decimal(45)),
    ("县城综合体改造（草拟）", "", Decimal(20000), None),
]


def _packaged_projects(db: Session, bureau: Unit | None) -> list[Project]:
    if bureau is None:
        return []
    investor = db.execute(select(Investor).order_by(Investor.id).limit(1)).scalar_one_or_none()
    if investor is None:
        return []
    today = workdays.today()
    rows = [
        Project(
            name=name, investor_id=investor.id, stage=Stage.packaged, stage_since=today, packaged_on=today,
            introducing_unit_id=bureau.id, responsible_unit_id=bureau.id, planned_investment=wan,
            industry_chain=chain, land_area_mu=mu, content="内部测算：意向投资方尚在接触，勿对外。",
        )
        for name, chain, wan, mu in PACKAGED
    ]  # fmt: skip
    db.add_all(rows)
    db.flush()
    return rows


def load(db: Session) -> bool:
    if db.get(PublicProfile, 1) is not None:
        return False
    now = utcnow()
    db.add(PublicProfile(id=1, **PROFILE, state=PublishState.published, published_at=now))
    bureau = db.execute(select(Unit).where(Unit.short_name == "县招商局")).scalar_one_or_none()
    candidates = _packaged_projects(db, bureau)
    for i, project in enumerate(candidates):
        if i < len(PROJECTS):
            title_zh, title_en, sector, chain_zh, chain_en, wan, mu, returns_zh, returns_en = PROJECTS[i]
            state = PublishState.published
        else:  # one more, a draft
            title_zh, title_en, sector, chain_zh, chain_en = project.name, "", project.sector.value, "", ""
            wan, mu, returns_zh, returns_en, state = project.planned_investment, None, "", "", PublishState.draft
        db.add(
            PublicProject(
                project_id=project.id, title_zh=title_zh, title_en=title_en, sector=sector, chain_zh=chain_zh,
                chain_en=chain_en, investment_wan=wan, land_mu=mu, returns_zh=returns_zh, returns_en=returns_en,
                summary_zh=f"{title_zh}，寻求投资合作。",
                summary_en=f"{title_en}: seeking an investor." if title_en else "",
                policies_zh="固定资产投资奖励；工业用地分期缴纳。",
                policies_en="Award on fixed-asset investment; land paid in instalments.",
                contact_zh=bureau.name if bureau else "县投资促进局", contact_en="County Investment Promotion Bureau",
                contact_phone=(bureau.phone if bureau and bureau.phone else "0931-8123456"), sort_order=i,
                state=state, published_at=now if state is PublishState.published else None,
            )
        )  # fmt: skip
    plot = db.execute(
        select(LandPlot).where(LandPlot.status == PlotStatus.available).order_by(LandPlot.id).limit(1)
    ).scalar_one_or_none()
    if plot is not None:
        db.add(
            PublicSite(
                kind=SiteKind.plot, plot_id=plot.id, name_zh=plot.name, name_en=f"Plot {plot.code}",
                park_zh="经济开发区", park_en="Economic Development Zone", area=plot.area_mu,
                use_zh=plot.land_use.label,
                use_en="Industrial land", price_zh="18 万元/亩", price_en="RMB 180,000 per mu",
                description_zh="七通一平，紧邻高速出口。",
                description_en="Fully serviced, next to the expressway exit.",
                state=PublishState.published, published_at=now,
            )
        )  # fmt: skip
    building = db.execute(select(Building).order_by(Building.id).limit(1)).scalar_one_or_none()
    if building is not None:
        db.add(
            PublicSite(
                kind=SiteKind.building, building_id=building.id, name_zh=building.name,
                name_en=f"Standard factory {building.code}", park_zh="经济开发区", park_en="Economic Development Zone",
                area=building.floor_area_m2, use_zh=building.kind.label, use_en="Standard factory building",
                price_zh="每月 12 元/平方米", price_en="RMB 12 per m² a month", sort_order=1,
                state=PublishState.published, published_at=now,
            )
        )  # fmt: skip
    db.flush()
    return True
