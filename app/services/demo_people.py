"""Demo sections and people: every account a cadre; a town, the bureau, a zone bureau and a resident office
with sections (科室/所/站/社区/分队); officials without an account (a town's mayor, a county leader heading
an industry team); the town's targets split to its sections and people; some leads shared between two; who
worked each unit's trips, receptions, events and trade (its clerk; the town's trips shared with its mayor),
some of the town's visits shared between two, and one of its signed projects shared 70/30."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.models.lead import Lead
from app.models.people import Cadre, CadreCredit, Section, SectionKind
from app.models.project import ProgressUpdate, Project
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.services import cadre_credits, people, workdays

SECTIONS: dict[str, list[tuple[str, SectionKind]]] = {
    "城关镇": [
        ("经济发展办", SectionKind.office),
        ("财政所", SectionKind.institute),
        ("农业综合服务站", SectionKind.station),
        ("城西社区", SectionKind.community),
    ],
    "县招商局": [("招商一股", SectionKind.office), ("招商二股", SectionKind.office), ("综合股", SectionKind.office)],
    "经开区招商局": [("产业招商股", SectionKind.office), ("项目服务股", SectionKind.office)],
    "驻沪分队": [("长三角一队", SectionKind.squad), ("长三角二队", SectionKind.squad)],
}
OFFICIALS: list[tuple[str, str, str, str | None]] = [  # unit, name, title, section
    ("城关镇", "周建平", "镇长", None),
    ("城关镇", "王志刚", "经济发展办主任", "经济发展办"),
    ("城关镇", "陈丽", "财政所所长", "财政所"),
    ("新材料组", "刘国华", "副县长、新材料产业招商组组长", None),
    ("驻沪分队", "孙伟", "分队长", "长三角一队"),
]
HEADS = {"城关镇": "chengguan", "经开区招商局": "jkq_zsj", "驻沪分队": "zhu_shanghai", "新材料组": "xcl_zu"}
"""The demo accounts named their unit's head: they manage its sections and people."""
ASSIGNED = {"chengguan": "经济发展办", "zsj_liu": "招商一股", "jkq_zsj": "产业招商股", "zhu_shanghai": "长三角一队"}
SPLITS = {  # unit: metric: [(section or person, amount)]
    "城关镇": {
        "funds_domestic": [
            ("经济发展办", 3000),
            ("财政所", 1000),
            ("李春燕", 2000),
            ("周建平", 2000),
            ("王志刚", 1000),
        ],
        "valid_leads": [("经济发展办", 8), ("李春燕", 6), ("王志刚", 4)],
        "projects_introduced": [("李春燕", 1), ("周建平", 1)],
    },
}


def load(db: Session) -> bool:
    if db.execute(select(Section.id).limit(1)).first():
        return False
    bureau = db.execute(select(Unit.id).where(Unit.short_name == "县招商局")).scalar_one_or_none()
    coordinator = Principal(role=Role.coordinator, unit_id=bureau, label="演示数据")
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    accounts = {u.username: u for u in db.execute(select(User).order_by(User.id)).scalars()}
    cadres = {user.username: people.cadre_of_user(db, user) for user in accounts.values()}
    for short, username in HEADS.items():
        if short in units and username in accounts and units[short].head_user_id is None:
            units[short].head_user_id = accounts[username].id
    sections: dict[tuple[str, str], Section] = {}
    for short, rows in SECTIONS.items():
        if short not in units:
            continue
        for order, (name, kind) in enumerate(rows):
            section = Section(unit_id=units[short].id, name=name, kind=kind, sort_order=order * 10)
            db.add(section)
            db.flush()
            sections[(short, name)] = section
    unit_short = {u.id: short for short, u in units.items()}
    for username, name in ASSIGNED.items():
        account = cadres.get(username)
        key = (unit_short.get(account.unit_id, ""), name) if account is not None else ("", "")
        if account is not None and key in sections:
            account.section_id = sections[key].id
    by_name: dict[tuple[str, str], Cadre] = {}
    for short, name, title, section_name in OFFICIALS:
        if short not in units:
            continue
        official = Cadre(
            unit_id=units[short].id,
            name=name,
            title=title,
            section_id=sections[(short, section_name)].id if section_name else None,
            sort_order=0 if section_name is None else 10,
        )
        db.add(official)
        db.flush()
        by_name[(short, name)] = official
    for username, account in cadres.items():
        by_name[(unit_short.get(account.unit_id, ""), accounts[username].display_name)] = account
    year = workdays.today().year
    for short, by_metric in SPLITS.items():
        for metric, parts in by_metric.items():
            for holder, amount in parts:
                part = sections.get((short, holder))
                person = by_name.get((short, holder))
                if part is None and person is None:
                    continue
                people.split_target(
                    db,
                    coordinator,
                    year=year,
                    metric=metric,
                    amount=Decimal(amount),
                    section_id=part.id if part else None,
                    cadre_id=person.id if person and not part else None,
                )
    # the town's leads worked with its mayor: every third one shared 60/40
    town = units.get("城关镇")
    staff, mayor = cadres.get("chengguan"), by_name.get(("城关镇", "周建平"))
    if town is not None and staff is not None and mayor is not None:
        leads = db.execute(select(Lead.id).where(Lead.unit_id == town.id).order_by(Lead.id)).scalars().all()
        for lead_id in leads[::3]:
            db.add(CadreCredit(lead_id=lead_id, cadre_id=staff.id, share=Decimal(60)))
            db.add(CadreCredit(lead_id=lead_id, cadre_id=mayor.id, share=Decimal(40)))
    db.flush()
    _activities_and_visits(db, accounts, cadres, town, by_name)
    return True


def _activities_and_visits(
    db: Session,
    accounts: dict[str, User],
    cadres: dict[str, Cadre],
    town: Unit | None,
    by_name: dict[tuple[str, str], Cadre],
) -> None:
    """Who worked the activities (each unit's clerk, unless already named; the town's trips 60/40 with its
    mayor), some of the town's visits (50/50 with the head of its economic office), one of its signed
    projects (70/30)."""
    clerks: dict[int, Cadre] = {}
    for username, account in accounts.items():
        if account.role is Role.unit_staff and account.unit_id not in clerks:
            clerks[account.unit_id] = cadres[username]
    mayor = by_name.get(("城关镇", "周建平"))
    officer = by_name.get(("城关镇", "王志刚"))
    for kind, model in cadre_credits.ACTIVITY_MODELS.items():
        column = cadre_credits.credit_column(kind)
        rows = db.execute(select(model.id, model.unit_id).where(~exists().where(column == model.id))).all()
        for record_id, unit_id in rows:
            clerk = clerks.get(unit_id)
            if clerk is None:
                continue
            if town is not None and unit_id == town.id and kind == "trip" and mayor is not None:
                parts = [(clerk.id, Decimal(60)), (mayor.id, Decimal(40))]
            else:
                parts = [(clerk.id, Decimal(100))]
            db.add_all(CadreCredit(**{column.key: record_id}, cadre_id=c, share=s) for c, s in parts)
    clerk = clerks.get(town.id) if town is not None else None
    if town is None or clerk is None or officer is None:
        db.flush()
        return
    visits = (
        db.execute(
            select(ProgressUpdate.id)
            .join(Project, Project.id == ProgressUpdate.project_id)
            .where(Project.responsible_unit_id == town.id)
            .order_by(ProgressUpdate.id)
        )
        .scalars()
        .all()
    )
    for visit_id in visits[::2]:
        db.add(CadreCredit(progress_update_id=visit_id, cadre_id=clerk.id, share=Decimal(50)))
        db.add(CadreCredit(progress_update_id=visit_id, cadre_id=officer.id, share=Decimal(50)))
    signed = db.execute(
        select(Project.id)
        .where(Project.introducing_unit_id == town.id, Project.signed_on.is_not(None))
        .order_by(Project.id)
        .limit(1)
    ).scalar_one_or_none()
    if signed is not None:
        db.add(CadreCredit(project_id=signed, cadre_id=clerk.id, share=Decimal(70)))
        db.add(CadreCredit(project_id=signed, cadre_id=officer.id, share=Decimal(30)))
    db.flush()
