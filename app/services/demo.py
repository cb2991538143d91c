"""The demo county (青山县): units of every kind and tier, people in every role.

Development only. Demo accounts are marked, and production refuses to start while any exist.
"""

from __future__ import annotations

import zlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden
from app.models.setting import AppSetting
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.services import leads
from app.services.security import hash_password

DEMO_PASSWORD = "Demo@2026"
COUNTY = "青山县人民政府"

# (name, short name, kind, tier, parent name)
UNITS: list[tuple[str, str, UnitKind, int | None, str | None]] = [
    (COUNTY, "青山县", UnitKind.jurisdiction, None, None),
    ("青山县投资促进局（招商局）", "县招商局", UnitKind.department, 1, COUNTY),
    ("青山县人民政府办公室", "县政府办", UnitKind.department, 1, COUNTY),
    ("青山县委县政府督查室", "县督查室", UnitKind.department, 2, COUNTY),
    ("青山县发展和改革局", "县发改局", UnitKind.department, 1, COUNTY),
    ("青山县工业和信息化局", "县工信局", UnitKind.department, 1, COUNTY),
    ("青山县商务局", "县商务局", UnitKind.department, 1, COUNTY),
    ("青山县自然资源局", "县自然资源局", UnitKind.department, 2, COUNTY),
    ("青山县住房和城乡建设局", "县住建局", UnitKind.department, 2, COUNTY),
    ("青山县财政局", "县财政局", UnitKind.department, 2, COUNTY),
    ("青山县农业农村局", "县农业农村局", UnitKind.department, 2, COUNTY),
    ("青山县文化和旅游局", "县文旅局", UnitKind.department, 3, COUNTY),
    ("青山县市场监督管理局", "县市场监管局", UnitKind.department, 3, COUNTY),
    ("青山县人力资源和社会保障局", "县人社局", UnitKind.department, 3, COUNTY),
    ("青山县交通运输局", "县交通局", UnitKind.department, 4, COUNTY),
    ("青山县水利局", "县水利局", UnitKind.department, 4, COUNTY),
    ("青山县卫生健康委员会", "县卫健委", UnitKind.department, 4, COUNTY),
    ("城关镇人民政府", "城关镇", UnitKind.town, None, COUNTY),
    ("青石镇人民政府", "青石镇", UnitKind.town, None, COUNTY),
    ("河口镇人民政府", "河口镇", UnitKind.town, None, COUNTY),
    ("桃源镇人民政府", "桃源镇", UnitKind.town, None, COUNTY),
    ("白云乡人民政府", "白云乡", UnitKind.town, None, COUNTY),
    ("东城街道办事处", "东城街道", UnitKind.subdistrict, None, COUNTY),
    ("西城街道办事处", "西城街道", UnitKind.subdistrict, None, COUNTY),
    ("青山经济开发区管理委员会", "经开区", UnitKind.zone, None, COUNTY),
    ("青山经济开发区招商局", "经开区招商局", UnitKind.zone_bureau, None, "青山经济开发区管理委员会"),
    ("青山高新技术产业园管理委员会", "高新园", UnitKind.zone, None, COUNTY),
    ("青山高新技术产业园招商局", "高新园招商局", UnitKind.zone_bureau, None, "青山高新技术产业园管理委员会"),
    ("新材料产业招商组", "新材料组", UnitKind.industry_team, None, COUNTY),
    ("绿色食品产业招商组", "绿色食品组", UnitKind.industry_team, None, COUNTY),
    ("文旅康养产业招商组", "文旅康养组", UnitKind.industry_team, None, COUNTY),
    ("驻上海招商分队", "驻沪分队", UnitKind.resident_office, None, COUNTY),
    ("驻深圳招商分队", "驻深分队", UnitKind.resident_office, None, COUNTY),
    ("驻苏州招商分队", "驻苏分队", UnitKind.resident_office, None, COUNTY),
]

# (username, display name, unit short name, role)
PEOPLE: list[tuple[str, str, str, Role]] = [
    ("zsj_admin", "陈志远", "县招商局", Role.coordinator),
    ("zsj_liu", "刘晓梅", "县招商局", Role.coordinator),
    ("leader_wang", "王建国", "县政府办", Role.leader),
    ("leader_zhou", "周立群", "县政府办", Role.leader),
    ("dcs_zhao", "赵文静", "县督查室", Role.supervisor),
    ("fgj_sun", "孙海涛", "县发改局", Role.unit_staff),
    ("gxj_qian", "钱丽华", "县工信局", Role.unit_staff),
    ("swj_he", "何志明", "县商务局", Role.unit_staff),
    ("wlj_hu", "胡雅琴", "县文旅局", Role.unit_staff),
    ("jtj_ma", "马永刚", "县交通局", Role.unit_staff),
    ("chengguan", "李春燕", "城关镇", Role.unit_staff),
    ("qingshi", "张国栋", "青石镇", Role.unit_staff),
    ("hekou", "黄丽萍", "河口镇", Role.unit_staff),
    ("taoyuan", "吴德明", "桃源镇", Role.unit_staff),
    ("baiyun", "郑秀英", "白云乡", Role.unit_staff),
    ("dongcheng", "冯家豪", "东城街道", Role.unit_staff),
    ("xicheng", "许晓东", "西城街道", Role.unit_staff),
    ("jkq_zsj", "杨志强", "经开区招商局", Role.unit_staff),
    ("gxy_zsj", "林晓燕", "高新园招商局", Role.unit_staff),
    ("xcl_zu", "高建华", "新材料组", Role.unit_staff),
    ("lssp_zu", "罗美玲", "绿色食品组", Role.unit_staff),
    ("wlky_zu", "谢文斌", "文旅康养组", Role.unit_staff),
    ("zhu_shanghai", "唐俊杰", "驻沪分队", Role.unit_staff),
    ("zhu_shenzhen", "韩晓丽", "驻深分队", Role.unit_staff),
    ("zhu_suzhou", "曹文华", "驻苏分队", Role.unit_staff),
]


QUOTA_EXEMPT = ("青山县", "县招商局", "县政府办", "县督查室")


def load(db: Session, *, allow_production: bool = False) -> bool:
    """Build the demo county; returns False if it is already there."""
    from app.config import get_settings

    if get_settings().is_production and not allow_production:
        raise Forbidden("生产模式下不能加载演示数据")
    from app.services import (
        demo_assessment,
        demo_awards,
        demo_cadence,
        demo_leads,
        demo_meetings,
        demo_people,
        demo_performance,
        demo_projects,
        demo_tasks,
        demo_teams,
        demo_tickets,
    )

    created = _load_units_and_people(db)
    created = demo_leads.load(db) or created
    created = demo_projects.load(db) or created
    created = demo_tickets.load(db) or created
    created = demo_awards.load(db) or created
    created = demo_performance.load(db) or created
    created = demo_people.load(db) or created
    created = demo_tasks.load(db) or created
    created = demo_cadence.load(db) or created
    created = demo_meetings.load(db) or created
    created = demo_teams.load(db) or created
    created = demo_assessment.load(db) or created
    from app.services import demo_agreements  # investment agreements and results after production

    created = demo_agreements.load(db) or created
    from app.services import demo_land  # land and buildings, deposits, quality (issue 20)

    created = demo_land.load(db) or created
    from app.services import demo_per_mu  # last year's per-mu evaluation, published over the demo results

    created = demo_per_mu.load(db) or created
    from app.services import demo_compliance  # a compliance case on a missed commitment (issue 20)

    created = demo_compliance.load(db) or created
    from app.services import demo_chains  # industry chains and 以商招商 (issue 21)

    created = demo_chains.load(db) or created

    from app.services import demo_map  # the map: the county's boundary and towns, coordinates (issue 21)

    created = demo_map.load(db) or created

    from app.services import demo_targets  # target companies to approach (目标企业, issue 21)

    created = demo_targets.load(db) or created

    from app.services import demo_approvals  # approvals after signing (审批事项, issue 22)

    created = demo_approvals.load(db) or created
    from app.services import demo_agency  # the 代办 window: its 代办员, approvals and hand-overs (issue 22)

    created = demo_agency.load(db) or created
    from app.services import demo_prereview  # pre-review and signing approvals (项目预审、签约审批, issue 22)

    created = demo_prereview.load(db) or created
    from app.services import demo_publish  # the public catalogue in Chinese and English (对外发布, issue 23)

    created = demo_publish.load(db) or created
    return created


def _load_units_and_people(db: Session) -> bool:
    if db.execute(select(User.id).where(User.username == PEOPLE[0][0])).first():
        return False
    by_name: dict[str, Unit] = {}
    for order, (name, short, kind, tier, parent) in enumerate(UNITS):
        unit = Unit(
            name=name,
            short_name=short,
            kind=kind,
            tier=tier,
            sort_order=order,
            parent_id=by_name[parent].id if parent else None,
            head_name="",
            phone=f"0731-8{order:03d}{order % 10}0{order % 7}",
        )
        db.add(unit)
        db.flush()
        by_name[name] = unit
    by_short = {u.short_name: u for u in by_name.values()}
    # the county itself and the units that lead, coordinate or oversee bring no leads of their own: their
    # monthly lead quota is 0 (免报, as the coordinator sets it on /leads/settings), so that the
    # reminders do not list them as missing every month
    for short in QUOTA_EXEMPT:
        db.add(AppSetting(key=leads.quota_key(by_short[short].id), value="0"))
    password_hash = hash_password(DEMO_PASSWORD)
    for username, display, unit_short, role in PEOPLE:
        db.add(
            User(
                username=username,
                display_name=display,
                unit_id=by_short[unit_short].id,
                role=role,
                password_hash=password_hash,
                must_change_password=False,
                is_demo=True,
                phone=f"139{zlib.crc32(username.encode()) % 10**8:08d}",
            )
        )
    db.flush()
    return True
