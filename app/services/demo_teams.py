"""Demo industry teams and responsibility letters: the three teams with their leaders (one a county leader
without an account, one a leader's account), member departments and projects assigned by industry, the
first team's leader with a personal target; the year's rules, every unit's letter issued, most acknowledged
by their heads, one reissued with a reason, and 城关镇's still waiting for its head."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.letter import LetterRules
from app.models.people import Cadre
from app.models.project import Category, Project
from app.models.team import IndustryTeam
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.teams import TeamUpdate
from app.services import letters, people, teams, workdays

# team: (leader: an existing cadre's name or a new one, title, industry, duties, members (lead first), category)
TEAMS: dict[str, tuple[str, str, str, str, list[str], Category]] = {
    "新材料组": (
        "刘国华",
        "副县长、新材料产业招商组组长",
        "新材料（硅基材料、高性能纤维、新型建材）",
        "梳理新材料产业链图谱，对接长三角、珠三角目标企业，每月外出招商不少于一次，推动重点项目签约落地。",
        ["县工信局", "县发改局", "经开区招商局"],
        Category.industrial,
    ),
    "绿色食品组": (
        "陈卫东",
        "县委常委、绿色食品产业招商组组长",
        "绿色食品（茶叶、油茶、预制菜精深加工）",
        "围绕茶叶、油茶全产业链招商，引进精深加工和冷链物流项目，带动乡镇特色产业。",
        ["县农业农村局", "县商务局", "桃源镇"],
        Category.agriculture,
    ),
    "文旅康养组": (
        "王建国",
        "",
        "文旅康养（山地旅游、温泉康养、研学）",
        "包装推介文旅康养项目，对接旅游投资集团和康养机构，推进景区提质和康养综合体项目。",
        ["县文旅局", "县卫健委", "白云乡"],
        Category.culture_tourism,
    ),
}

RULES = """一、考核对象：各乡镇、街道、园区招商局、县直部门、专业招商组和驻外招商分队。
二、考核内容：引进项目个数、合同投资额、内资到位资金（以县招商局确认为准）、新开工项目、有效招商线索。
三、考核办法：实行月调度、季通报、年终考核。定量指标按完成年度目标的比例计分，最高按150%计；定性评价由考核组按工作开展情况评分。
四、奖惩：年底未完成时序进度70%的单位，对主要负责人黄牌警告；全年无招商引资实绩的单位，按规定严肃问责。
五、数据真实：弄虚作假、虚报数据的，一经查实，取消评优资格并通报批评。"""

REISSUED = {"河口镇": "县政府调整该镇内资到位资金目标，重新下达"}
"""Reissued before the head acknowledged: the first version superseded at once."""
AMENDED = {"青石镇": "年中调增引进项目目标，重新下达"}
"""Reissued after the head acknowledged: the signed version binds until the new one is signed."""
WAITING = {"城关镇", "县交通局", "驻苏分队"}
"""Units whose letter the demo leaves waiting for the head's acknowledgement."""


def load(db: Session) -> bool:
    if db.execute(select(IndustryTeam.id).limit(1)).first():
        return False
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    bureau = units.get("县招商局")
    admin = db.execute(select(User).where(User.username == "zsj_admin")).scalar_one_or_none()
    if bureau is None or admin is None:
        return False
    coordinator = Principal(role=Role.coordinator, unit_id=bureau.id, label=admin.display_name, user_id=admin.id)
    year = workdays.today().year
    for short, (leader, title, industry, duties, member_names, category) in TEAMS.items():
        team = units.get(short)
        if team is None or team.kind is not UnitKind.industry_team:
            continue
        cadre = db.execute(select(Cadre).where(Cadre.name == leader).order_by(Cadre.id).limit(1)).scalar_one_or_none()
        member_ids = [units[name].id for name in member_names if name in units]
        teams.update(
            db,
            coordinator,
            team.id,
            TeamUpdate(
                version=0,
                leader_cadre_id=cadre.id if cadre is not None else None,
                leader_name="" if cadre is not None else leader,
                leader_title="" if cadre is not None else title,
                industry=industry,
                duties=duties,
                member_unit_ids=member_ids,
                lead_unit_id=member_ids[0] if member_ids else None,
            ),
        )
        chosen = db.execute(
            select(Project.id)
            .where(Project.category == category, Project.introducing_unit_id.in_(member_ids or [0]))
            .order_by(Project.id)
            .limit(3)
        ).scalars()
        for project_id in chosen:
            teams.assign_project(db, coordinator, team.id, project_id)
        if cadre is not None and cadre.unit_id == team.id:  # the leader's own share of the team's target
            people.split_target(
                db, coordinator, year=year, metric="funds_domestic", amount=Decimal(4000), cadre_id=cadre.id
            )
    _letters(db, coordinator, units, year)
    return True


def _letters(db: Session, coordinator: Principal, units: dict[str, Unit], year: int) -> None:
    if db.execute(select(LetterRules.id).where(LetterRules.year == year)).first():
        return
    letters.save_rules(db, coordinator, year, RULES, 0)
    letters.issue_all(db, coordinator, year)
    for short, reason in REISSUED.items():
        unit = units.get(short)
        if unit is not None:
            letters.issue(db, coordinator, unit.id, year, reason)
    heads = {
        u.id: u
        for u in db.execute(
            select(User).where(User.id.in_([u.head_user_id for u in units.values() if u.head_user_id]))
        ).scalars()
    }
    page = letters.status_page(db, coordinator, year, state="issued", limit=200)
    for row in page.rows:
        head = heads.get(row.unit.head_user_id or 0)
        if row.current is None or head is None or head.role is not Role.unit_staff or row.unit.short_name in WAITING:
            continue
        signer = Principal(
            role=head.role, unit_id=head.unit_id, label=head.display_name, user_id=head.id, client_addr="10.12.0.8"
        )
        letters.acknowledge(db, signer, row.current.id, row.current.version, row.current.text_hash)
    for short, reason in AMENDED.items():
        unit = units.get(short)
        if unit is not None and letters.letter_for(db, unit.id, year) is not None:
            letters.issue(db, coordinator, unit.id, year, reason)
