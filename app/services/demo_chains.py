"""Demo industry chains (产业链, issue 21): 新材料 and 绿色食品, each with its chief, team and links from upstream
to downstream; the demo projects whose chain text names them attached to their links in turn, the investors
of those in production listed as local firms, one link left a gap (缺链), and one investor recorded as brought
by another already in the county (以商招商)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.chain import ChainLink, ChainLinkFirm, ChainLinkProject, ChainStage, IndustryChain, InvestorIntroduction
from app.models.project import Project, ProjectStatus, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User

UP, MID, DOWN = ChainStage.upstream, ChainStage.midstream, ChainStage.downstream
# (name, team short name, description, [(link, parent link or None, stage)]); the last link stays a gap
CHAINS = [
    (
        "新材料",
        "新材料组",
        "以硅基材料、高性能复合材料为主攻方向，补齐精深加工和终端应用环节。",
        [
            ("原材料", None, UP),
            ("工业硅", "原材料", UP),
            ("硅基新材料", None, MID),
            ("复合材料制品", "硅基新材料", MID),
            ("检测认证", None, DOWN),
            ("终端应用", None, DOWN),
        ],
    ),
    (
        "绿色食品",
        "绿色食品组",
        "依托高原夏菜、中药材和牛羊养殖，延伸精深加工和冷链物流。",
        [
            ("种养基地", None, UP),
            ("初加工", None, MID),
            ("精深加工", "初加工", MID),
            ("包装材料", None, MID),
            ("冷链物流", None, DOWN),
            ("品牌营销", None, DOWN),
        ],
    ),
]
IN_PRODUCTION = (Stage.production, Stage.full_capacity)


def load(db: Session) -> bool:
    if db.execute(select(IndustryChain.id).limit(1)).first() is not None:
        return False
    units = {u.short_name: u for u in db.execute(select(Unit).where(Unit.kind == UnitKind.industry_team)).scalars()}
    leaders = db.execute(select(User).where(User.role == Role.leader).order_by(User.id)).scalars().all()
    if not leaders:
        return False
    firms: list[int] = []
    for order, (name, team, description, links) in enumerate(CHAINS, start=1):
        chain = IndustryChain(
            name=name,
            chief_user_id=leaders[(order - 1) % len(leaders)].id,
            team_unit_id=units[team].id if team in units else None,
            description=description,
            sort_order=order,
        )
        db.add(chain)
        db.flush()
        made: dict[str, ChainLink] = {}
        for position, (link_name, parent, stage) in enumerate(links, start=1):
            link = ChainLink(
                chain_id=chain.id,
                parent_id=made[parent].id if parent else None,
                name=link_name,
                position=position,
                stage=stage,
                weak_threshold=2,
            )
            db.add(link)
            db.flush()
            made[link_name] = link
        open_links = [made[n] for n, _p, _s in links[:-1]]  # the last link is left a gap
        chain_projects = (
            db.execute(
                select(Project)
                .where(Project.industry_chain == name, Project.status != ProjectStatus.terminated)
                .order_by(Project.id)
                .limit(12)
            )
            .scalars()
            .all()
        )
        attached: set[tuple[int, int]] = set()
        for index, project in enumerate(chain_projects):
            link = open_links[index % len(open_links)]
            db.add(ChainLinkProject(project_id=project.id, link_id=link.id))
            if project.stage in IN_PRODUCTION and (link.id, project.investor_id) not in attached:
                db.add(ChainLinkFirm(link_id=link.id, investor_id=project.investor_id))
                attached.add((link.id, project.investor_id))
                firms.append(project.investor_id)
        if chain_projects and not attached:  # a chain with no producing project still has its leading firm
            first = chain_projects[0]
            db.add(ChainLinkFirm(link_id=open_links[0].id, investor_id=first.investor_id))
            firms.append(first.investor_id)
        if chain_projects:
            chain.leading_investor_id = chain_projects[0].investor_id
    db.flush()
    if firms:
        _introduce(db, firms[0])
    return True


def _introduce(db: Session, introducer_id: int) -> None:
    """The first local firm brought the investor of a later project on a chain (以商招商)."""
    brought = db.execute(
        select(Project.investor_id)
        .join(ChainLinkProject, ChainLinkProject.project_id == Project.id)
        .where(Project.investor_id != introducer_id, Project.is_confidential.is_(False))
        .order_by(Project.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if brought is not None:
        db.add(InvestorIntroduction(investor_id=brought, introducer_id=introducer_id, note="由本地企业董事长引荐"))
        db.flush()
