"""Demo target companies (目标企业, 敲门招商, issue 21): one list of 30 firms for the two demo chains, two of
them already in the investor catalogue (linked), most on a chain link, some assigned to the 新材料 team, the
Shenzhen office and 城关镇 with approaches logged, and one visit that showed interest converted into a lead."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.chain import ChainLink, IndustryChain
from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.lead import Channel, Lead, LeadStatus
from app.models.target_company import (
    ApproachKind,
    TargetApproach,
    TargetCompany,
    TargetList,
    TargetListKind,
    TargetStatus,
)
from app.models.unit import Unit
from app.models.user import Role, User
from app.services import workdays
from app.services.credit_code import check_character
from app.services.names import name_key

LIST_NAME = "2026 年产业链目标企业（新材料、绿色食品）"
# (name, industry, headquarters, size, "chain/link" or "")
COMPANIES = [
    ("合盛硅业股份有限公司", "工业硅", "嘉兴", "营收 200 亿元以上", "新材料/工业硅"),
    ("东方希望集团有限公司", "工业硅", "上海", "营收 500 亿元以上", "新材料/工业硅"),
    ("江苏恒远新材料股份有限公司", "新材料", "苏州", "上市公司", "新材料/硅基新材料"),
    ("宁德星辰锂电材料有限公司", "新能源材料", "宁德", "营收 50 亿元以上", "新材料/硅基新材料"),
    ("浙江中硅新材料科技有限公司", "有机硅", "杭州", "营收 30 亿元以上", "新材料/硅基新材料"),
    ("山东泰和复合材料股份有限公司", "碳纤维复合材料", "威海", "专精特新小巨人", "新材料/复合材料制品"),
    ("江西华骏玻纤制品有限公司", "玻璃纤维", "九江", "专精特新小巨人", "新材料/复合材料制品"),
    ("常州天润高分子材料有限公司", "高分子材料", "常州", "营收 10 亿元以上", "新材料/复合材料制品"),
    ("广东华测检测认证股份有限公司", "检测认证", "深圳", "上市公司", "新材料/检测认证"),
    ("深圳市恒泰新材料应用有限公司", "光伏组件", "深圳", "营收 20 亿元以上", "新材料/终端应用"),
    ("苏州晶科光伏材料有限公司", "光伏材料", "苏州", "营收 80 亿元以上", "新材料/终端应用"),
    ("陕西秦岭硅材料有限公司", "多晶硅", "西安", "营收 40 亿元以上", "新材料/原材料"),
    ("内蒙古青山硅业有限公司", "金属硅", "包头", "营收 15 亿元以上", "新材料/原材料"),
    ("新疆天山新材料集团有限公司", "硅基材料", "乌鲁木齐", "营收 60 亿元以上", "新材料/硅基新材料"),
    ("浙江绿源食品集团有限公司", "绿色食品", "杭州", "营收 30 亿元以上", "绿色食品/精深加工"),
    ("内蒙古伊禾乳业股份有限公司", "乳制品", "呼和浩特", "营收 100 亿元以上", "绿色食品/精深加工"),
    ("甘肃陇原高原夏菜有限公司", "蔬菜种植", "兰州", "农业产业化龙头企业", "绿色食品/种养基地"),
    ("宁夏塞上牛羊肉食品有限公司", "肉类加工", "银川", "营收 12 亿元以上", "绿色食品/初加工"),
    ("青海雪域中药材开发有限公司", "中药材", "西宁", "专精特新小巨人", "绿色食品/初加工"),
    ("青岛海川冷链物流有限公司", "冷链物流", "青岛", "营收 25 亿元以上", "绿色食品/冷链物流"),
    ("顺丰冷运供应链有限公司", "冷链物流", "深圳", "500强子公司", "绿色食品/冷链物流"),
    ("厦门合兴包装印刷股份有限公司", "包装材料", "厦门", "上市公司", "绿色食品/包装材料"),
    ("上海紫江食品包装有限公司", "食品包装", "上海", "营收 20 亿元以上", "绿色食品/包装材料"),
    ("北京三元品牌运营有限公司", "品牌营销", "北京", "营收 5 亿元以上", "绿色食品/品牌营销"),
    ("四川天府粮仓食品有限公司", "粮油加工", "成都", "营收 18 亿元以上", "绿色食品/精深加工"),
    ("河南双汇冷鲜肉有限公司", "肉制品", "漯河", "500强子公司", "绿色食品/精深加工"),
    ("云南高原果蔬科技有限公司", "果蔬加工", "昆明", "专精特新小巨人", "绿色食品/初加工"),
    ("湖南湘粮智能装备有限公司", "食品机械", "长沙", "营收 8 亿元以上", ""),
    ("安徽徽研生物科技有限公司", "生物发酵", "合肥", "专精特新小巨人", ""),
    ("广州汇达智能装备有限公司", "智能装备", "广州", "营收 15 亿元以上", ""),
]
# (company index, unit short name, approaches: [(kind, days ago, outcome, interested)], status)
ASSIGNED = [
    (0, "新材料组", [(ApproachKind.call, 40, "联系投资发展部，对方要求先寄送园区资料", False)], TargetStatus.contacted),
    (
        2,
        "新材料组",
        [
            (ApproachKind.call, 30, "电话沟通，对方正在西北选址建设有机硅单体项目", False),
            (ApproachKind.visit, 12, "县领导带队登门拜访，对方有意来县考察经开区", True),
        ],
        TargetStatus.lead,
    ),
    (5, "新材料组", [(ApproachKind.meeting, 20, "在上海会谈，对方暂无扩产计划", False)], TargetStatus.declined),
    (
        9,
        "驻深分队",
        [(ApproachKind.visit, 15, "驻深分队拜访，对方对光伏组件配套有兴趣", True)],
        TargetStatus.interested,
    ),
    (20, "驻深分队", [], TargetStatus.new),
    (
        16,
        "城关镇",
        [(ApproachKind.delegation, 8, "组团赴兰州考察，对方愿意在城关镇建设分拣中心", True)],
        TargetStatus.interested,
    ),
    (17, "城关镇", [], TargetStatus.new),
    (14, "绿色食品组", [(ApproachKind.call, 25, "电话联系，对方答应年后回访", False)], TargetStatus.contacted),
]


def _code(n: int) -> str:
    first17 = f"91620000MA7{n:06d}"
    return first17 + check_character(first17)


def load(db: Session) -> bool:
    if db.execute(select(TargetList.id).limit(1)).first() is not None:
        return False
    coordinator = db.execute(select(User).where(User.role == Role.coordinator).order_by(User.id)).scalars().first()
    if coordinator is None:
        return False
    links = {
        f"{chain}/{link}": link_id
        for link_id, link, chain in db.execute(
            select(ChainLink.id, ChainLink.name, IndustryChain.name).join(
                IndustryChain, IndustryChain.id == ChainLink.chain_id
            )
        )
    }
    catalogue = {
        key: inv_id
        for inv_id, key in db.execute(
            select(Investor.id, Investor.name_key).where(Investor.name_key.in_([name_key(c[0]) for c in COMPANIES]))
        )
    }
    target_list = TargetList(
        name=LIST_NAME,
        kind=TargetListKind.chain_leader,
        source_note="县招商局据工信部专精特新名单、上市公司年报和外地链主企业整理",
        imported_by_id=coordinator.id,
    )
    db.add(target_list)
    db.flush()
    targets = []
    for n, (name, industry, city, size, link) in enumerate(COMPANIES, start=1):
        key = name_key(name)
        target = TargetCompany(
            list_id=target_list.id,
            name=name,
            name_key=key,
            credit_code=None if key in catalogue else _code(n),
            industry=industry,
            hq_city=city,
            size=size,
            chain_link_id=links.get(link),
            investor_id=catalogue.get(key),
            status=TargetStatus.new,
        )
        targets.append(target)
    db.add_all(targets)
    db.flush()
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    staff = {
        u.unit_id: u for u in db.execute(select(User).where(User.role == Role.unit_staff).order_by(User.id)).scalars()
    }
    today = workdays.today()
    for index, unit_short, approaches, status in ASSIGNED:
        target, unit = targets[index], units[unit_short]
        person = staff.get(unit.id)
        target.assigned_unit_id = unit.id
        target.assigned_user_id = person.id if person else None
        target.status = status
        for kind, days_ago, outcome, interested in approaches:
            day = today - timedelta(days=days_ago)
            by = person.id if person else None
            db.add(TargetApproach(target_id=target.id, kind=kind, happened_on=day, outcome=outcome,
                                  interested=interested, by_user_id=by))  # fmt: skip
        if status is TargetStatus.lead:
            target.lead_id = _lead(db, target, unit, person, approaches).id
    db.flush()
    return True


def _lead(
    db: Session,
    target: TargetCompany,
    unit: Unit,
    person: User | None,
    approaches: list[tuple[ApproachKind, int, str, bool]],
) -> Lead:
    """The lead the interested visit became (as app.services.target_companies.convert_to_lead makes it)."""
    investor_id = target.investor_id
    if investor_id is None:
        investor = Investor(
            kind=InvestorKind.company,
            name=target.name,
            name_key=target.name_key,
            credit_code=target.credit_code,
            investor_type=InvestorType.listed,
            origin_city=target.hq_city,
            industry=target.industry,
            created_by_unit_id=unit.id,
        )
        db.add(investor)
        db.flush()
        investor_id = investor.id
        target.investor_id = investor.id
    history = "\n".join(
        f"{(workdays.today() - timedelta(days=d)).isoformat()} {k.label}：{o}" for k, d, o, _i in approaches
    )
    lead = Lead(
        unit_id=unit.id,
        brought_by_id=person.id if person else None,
        brought_by_name=person.display_name if person else "",
        channel=Channel.industry_chain,
        investor_id=investor_id,
        project_name="有机硅单体及下游深加工项目",
        industry="新材料",
        intended_investment=Decimal(80000),
        content="目标企业敲门招商转入。\n" + history,
        lead_date=workdays.today() - timedelta(days=12),
        status=LeadStatus.pending,
    )
    db.add(lead)
    db.flush()
    return lead
