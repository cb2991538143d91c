"""A year of the demo county's leads: every channel, duplicates across units, a registry dispute."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.investor import Investor, InvestorKind, InvestorType, Native
from app.models.lead import Channel, DuplicatePair, DuplicateStatus, Lead, LeadCredit, LeadStatus
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import months, registry, workdays
from app.services.credit_code import CHARSET, check_character
from app.services.names import name_key, phone_key

# (name, type, province, city, industry)
INVESTORS = [
    ("深圳市华芯微电子有限公司", InvestorType.private, "广东", "深圳", "电子信息"),
    ("江苏恒远新材料股份有限公司", InvestorType.listed, "江苏", "苏州", "新材料"),
    ("中建材新能源科技有限公司", InvestorType.central_soe, "北京", "北京", "清洁能源"),
    ("浙江绿源食品集团有限公司", InvestorType.private, "浙江", "杭州", "绿色食品"),
    ("湖南湘江文旅投资有限公司", InvestorType.private, "湖南", "长沙", "文化旅游"),
    ("广州汇达智能装备有限公司", InvestorType.private, "广东", "广州", "智能装备"),
    ("上海博康生物医药有限公司", InvestorType.listed, "上海", "上海", "生物医药"),
    ("宁德星辰锂电材料有限公司", InvestorType.private, "福建", "宁德", "新能源材料"),
    ("华润雪花啤酒（湖南）有限公司", InvestorType.central_soe, "湖南", "长沙", "食品饮料"),
    ("香港永丰国际贸易有限公司", InvestorType.hmt, "香港", "香港", "商贸物流"),
    ("台商鼎盛精密机械股份有限公司", InvestorType.hmt, "台湾", "台中", "精密制造"),
    ("德国克劳斯工业技术有限公司", InvestorType.foreign, "", "", "高端装备"),
    ("苏州纳维光电科技有限公司", InvestorType.private, "江苏", "苏州", "光电子"),
    ("东莞科瑞塑胶制品有限公司", InvestorType.private, "广东", "东莞", "塑料制品"),
    ("长沙中联农机有限公司", InvestorType.listed, "湖南", "长沙", "农机装备"),
    ("青岛海川冷链物流有限公司", InvestorType.private, "山东", "青岛", "冷链物流"),
    ("成都天府康养产业发展有限公司", InvestorType.private, "四川", "成都", "康养"),
    ("中国能建湖南电力工程有限公司", InvestorType.central_soe, "湖南", "长沙", "电力工程"),
    ("武汉光谷芯源半导体有限公司", InvestorType.private, "湖北", "武汉", "半导体"),
    ("温州正泰电气股份有限公司", InvestorType.top500, "浙江", "温州", "电气设备"),
    ("厦门鹭岛茶业有限公司", InvestorType.private, "福建", "厦门", "茶叶"),
    ("佛山美家家居有限公司", InvestorType.private, "广东", "佛山", "家居建材"),
    ("北京云图数据科技有限公司", InvestorType.private, "北京", "北京", "大数据"),
    ("南京金陵新型建材有限公司", InvestorType.private, "江苏", "南京", "新型建材"),
    ("郑州中原粮油有限公司", InvestorType.private, "河南", "郑州", "粮油加工"),
    ("重庆山城摩托车配件有限公司", InvestorType.private, "重庆", "重庆", "汽摩配件"),
    ("新加坡亚太农业投资有限公司", InvestorType.foreign, "", "", "现代农业"),
    ("杭州数智电商产业园有限公司", InvestorType.private, "浙江", "杭州", "电子商务"),
    ("益阳竹韵竹木制品有限公司", InvestorType.private, "湖南", "益阳", "竹木加工"),
    ("广西桂美果业有限公司", InvestorType.private, "广西", "南宁", "果蔬加工"),
]
PERSONS = [("刘德厚", "农业种植"), ("陈海生", "餐饮连锁"), ("黄金凤", "民宿旅游")]
CONTENTS = [
    "有意在我县投资建设生产基地，已初步了解园区土地和电价政策。",
    "计划扩大产能，考察中部地区建厂，希望了解标准厂房租赁条件。",
    "乡贤牵线，企业负责人春节返乡时与镇主要领导见面洽谈。",
    "在推介会上交换名片，企业对我县物流条件较感兴趣。",
    "以商招商：已落户企业介绍其上游供应商来县考察。",
    "驻点分队上门拜访，企业正在中西部选址，已列入候选名单。",
    "网络招商平台留言咨询，希望获得招商引资优惠政策。",
    "产业链招商：补齐本地新材料产业链上游环节。",
]
INVALID_REASONS = [
    "客商无实际投资意向，仅为咨询",
    "同一项目已由企业自行报送，信息不实",
    "投资内容不符合产业政策（高耗能）",
    "联系人无法联系，信息无法核实",
]


def _credit_code(rng: random.Random) -> str:
    body = (
        "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(rng.choice(CHARSET[:-5]) for _ in range(9))
    )
    return body + check_character(body)


def load(db: Session, today: date | None = None) -> bool:
    if db.execute(select(Lead.id).limit(1)).first():
        return False
    rng = random.Random(2026)
    today = today or workdays.today()
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    staff = {u.unit_id: u for u in db.execute(select(User).where(User.role == Role.unit_staff)).scalars()}
    coordinator = db.execute(select(User).where(User.role == Role.coordinator).order_by(User.id)).scalars().first()
    reporting = [u for u in units.values() if u.id in staff]

    investors: list[Investor] = []
    for name, kind, province, city, industry in INVESTORS:
        inv = Investor(
            kind=InvestorKind.company,
            name=name,
            name_key=name_key(name),
            investor_type=kind,
            credit_code=_credit_code(rng) if kind is not InvestorType.foreign else None,
            origin_province=province,
            origin_city=city,
            origin_country="德国" if name.startswith("德国") else ("新加坡" if name.startswith("新加坡") else "中国"),
            industry=industry,
            contact_name=rng.choice(["王总", "李总", "张经理", "陈董", "周总"]),
            contact_phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        )
        inv.phone_key = phone_key(inv.contact_phone)
        investors.append(inv)
    for person, industry in PERSONS:
        investors.append(
            Investor(
                kind=InvestorKind.person,
                name=person,
                name_key=name_key(person),
                investor_type=InvestorType.individual,
                origin_province="广东",
                origin_city="深圳",
                industry=industry,
                contact_name=person,
                contact_phone=f"139{rng.randint(10000000, 99999999)}",
            )
        )
    db.add_all(investors)
    db.flush()

    channels = list(Channel)
    leads: list[Lead] = []
    # each unit brings leads most months; a few units miss some months
    for first in months.last_months(today, 12):
        for unit in reporting:
            if rng.random() < (0.25 if unit.kind in (UnitKind.department,) else 0.15):
                continue
            for _ in range(1 if rng.random() < 0.8 else 2):
                inv = investors[rng.randrange(len(investors))]
                day = first + timedelta(days=rng.randrange(0, 27))
                if day > today:
                    day = today
                channel = Channel.resident_office if unit.kind is UnitKind.resident_office else rng.choice(channels)
                amount = Decimal(rng.choice([300, 500, 800, 1200, 2000, 3000, 5000, 8000, 12000, 20000, 50000]))
                lead = Lead(
                    unit_id=unit.id,
                    brought_by_id=staff[unit.id].id,
                    brought_by_name=staff[unit.id].display_name,
                    channel=channel,
                    investor_id=inv.id,
                    project_name=f"{inv.industry}项目",
                    industry=inv.industry,
                    intended_investment=amount,
                    content=rng.choice(CONTENTS),
                    contact_name=inv.contact_name,
                    contact_phone=inv.contact_phone,
                    contact_phone_key=inv.phone_key,
                    lead_date=day,
                    status=LeadStatus.pending,
                )
                if channel is Channel.intermediary:
                    lead.introducer_name = rng.choice(["长沙信达招商咨询有限公司", "深圳市投促顾问有限公司"])
                if (today - day).days > 20:
                    if rng.random() < 0.82:
                        lead.status = LeadStatus.valid
                        lead.status_reason = "经核实，客商有明确投资意向"
                    else:
                        lead.status = LeadStatus.invalid
                        lead.status_reason = rng.choice(INVALID_REASONS)
                    lead.judged_by_id = coordinator.id if coordinator else None
                leads.append(lead)
    db.add_all(leads)
    db.flush()

    # the same investor reported by two units: pairs open, settled with shares, dismissed
    by_investor: dict[int, list[Lead]] = {}
    for lead in sorted(leads, key=lambda x: (x.lead_date, x.id)):
        by_investor.setdefault(lead.investor_id, []).append(lead)
    pairs_made = 0
    for group in by_investor.values():
        for earlier, later in itertools.pairwise(group):
            if earlier.unit_id == later.unit_id or pairs_made >= 12:
                continue
            pair = DuplicatePair(lead_id=later.id, earlier_lead_id=earlier.id, reasons="investor,phone")
            if pairs_made % 3 == 1:
                pair.status = DuplicateStatus.settled
                pair.decision = "同一客商，首次接触在先报单位，后报单位协助跟进，功劳七三分成"
                pair.settled_by_id = coordinator.id if coordinator else None
                later.duplicate_of_id = earlier.id
                db.add(LeadCredit(lead_id=earlier.id, unit_id=earlier.unit_id, share=Decimal(70)))
                db.add(LeadCredit(lead_id=earlier.id, unit_id=later.unit_id, share=Decimal(30)))
            elif pairs_made % 3 == 2:
                pair.status = DuplicateStatus.dismissed
                pair.decision = "不同投资主体（集团下属不同子公司），各自计数"
                pair.settled_by_id = coordinator.id if coordinator else None
            db.add(pair)
            pairs_made += 1
    db.flush()

    # the first-report registry: a large project held, and a later claim by another unit
    system = Principal(role=Role.coordinator, unit_id=None, label="演示数据")
    big = investors[2]  # 中建材新能源
    first_unit, second_unit = units["经开区招商局"], units["驻沪分队"]
    registry.register_or_claim(
        db,
        system,
        investor_id=big.id,
        unit_id=first_unit.id,
        project_name="中建材光伏组件生产基地",
        amount=Decimal(150000),
        lead_id=None,
    )
    registry.register_or_claim(
        db,
        system,
        investor_id=big.id,
        unit_id=second_unit.id,
        project_name="中建材新能源光伏项目",
        amount=Decimal(150000),
        lead_id=None,
        statement="驻沪分队 3 月在上海总部首次拜访并提交投资建议书，早于经开区接触。",
    )
    registry.register_or_claim(
        db,
        system,
        investor_id=investors[19].id,
        unit_id=units["高新园招商局"].id,
        project_name="正泰智能电气产业园",
        amount=Decimal(120000),
        lead_id=None,
    )

    natives = [
        ("周建平", "城关镇", "深圳市华芯微电子有限公司", "副总经理", "深圳", "城关镇"),
        ("罗海燕", "青石镇", "上海博康生物医药有限公司", "采购总监", "上海", "青石镇"),
        ("彭志勇", "河口镇", "广州汇达智能装备有限公司", "董事长", "广州", "河口镇"),
        ("谭丽", "桃源镇", "苏州纳维光电科技有限公司", "人力资源经理", "苏州", "桃源镇"),
    ]
    for name, hometown, employer, position, city, unit_short in natives:
        db.add(
            Native(
                unit_id=units[unit_short].id,
                name=name,
                hometown=hometown,
                employer=employer,
                position=position,
                working_city=city,
                phone=f"138{rng.randint(10000000, 99999999)}",
            )
        )
    db.flush()
    return True
