"""Industry teams (专业招商组): their leader (组长), member departments (成员单位, the team's 责任单位), targets,
projects and ledger, and the teams' own ranking.

A team is a unit of kind `industry_team` (its id is the unit's id): its targets are that unit's targets as
`performance.targets_for_year` resolves them (the unit's own, else every team's), set on /targets or on the
team's page; its leader carries a personal target as a target split of the team unit (app.services.people).

Counting rule (DOMAIN.md: "their projects counted for the team and for the departments by rule"):
- a project belongs to at most one team: the team it is assigned to (`TeamProject`), else the team that
  introduced it (its introducing unit is a team's unit), else none;
- for its team a project counts in full: signed in the year (projects, contract investment), started in
  the year, and every confirmed funds arrival of the year (domestic; foreign capital apart), by month;
- the team's leads are the leads its unit reported (a lead shared by credit counts by the team unit's share);
- for the units, nothing changes: a project counts for its units exactly as app.services.metrics credits it
  (signing for the introducing unit, starts and funds for the responsible unit), whether or not it is a
  team's. So the unit rankings count each project once, and a member department's part of its team's
  figures (`member_split`) is the part it already has in its own figures; the team ranking (`rank_teams`)
  is a separate ranking among the teams.

Who may: every signed-in person and token reads the teams, their figures and ranking (as the unit
rankings); a team's list of projects shows only the projects the reader may read, names masked as
app.services.projects decides; only the coordinator edits a team, its members and its projects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Conflict, Invalid, NotFound
from app.models.base import utcnow
from app.models.lead import Lead, LeadCredit, LeadStatus
from app.models.people import Cadre, TargetSplit
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project
from app.models.team import IndustryTeam, TeamMember, TeamProject
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.people import CadreCreate
from app.schemas.teams import TeamUpdate
from app.services import metrics, people, performance
from app.services import projects as project_service
from app.services.common import check_version

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
PCT = Decimal("0.1")  # a completion percentage as answered: one decimal
TEAM_NOT_FOUND = "找不到该专业招商组"
MAX_MEMBERS = 60

LEDGER_COLUMNS: dict[str, tuple[str, str]] = {
    "leads": ("报送线索", "条"),
    "valid_leads": (metrics.METRICS["valid_leads"].label, "条"),
    "projects_introduced": ("签约项目", "个"),
    "contract_investment": (metrics.METRICS["contract_investment"].label, "万元"),
    "new_starts": (metrics.METRICS["new_starts"].label, "个"),
    "funds_domestic": ("内资到位资金", "万元"),
    "foreign_capital": ("到位外资", "万美元"),
}
"""A team's ledger, in its order: code -> (Chinese name, unit)."""

TEAM_METRICS = (
    "valid_leads",
    "projects_introduced",
    "contract_investment",
    "new_starts",
    "funds_domestic",
    "foreign_capital",
)
"""The ledger's figures a team's targets are set on (app.services.metrics codes; `leads` has no target)."""


# --- reading a team ------------------------------------------------------------------------------


@dataclass
class Member:
    unit_id: int
    name: str
    is_lead: bool


@dataclass
class Leader:
    cadre_id: int
    name: str
    title: str
    unit_id: int
    has_account: bool


@dataclass
class Team:
    unit: Unit
    profile: IndustryTeam | None
    leader: Leader | None
    members: list[Member]

    @property
    def id(self) -> int:
        return self.unit.id

    @property
    def version(self) -> int:
        """The profile's version; 0 while the team has none (nothing recorded beyond its unit)."""
        return self.profile.version if self.profile is not None else 0


def _team_unit(db: Session, team_id: int) -> Unit:
    unit = db.get(Unit, team_id)
    if unit is None or unit.kind is not UnitKind.industry_team:
        raise NotFound(TEAM_NOT_FOUND)
    return unit


def _profile(db: Session, team_id: int) -> IndustryTeam | None:
    return db.execute(select(IndustryTeam).where(IndustryTeam.unit_id == team_id)).scalar_one_or_none()


def _leader(db: Session, cadre_id: int | None) -> Leader | None:
    if cadre_id is None:
        return None
    cadre = db.get(Cadre, cadre_id)
    if cadre is None:
        return None
    return Leader(cadre.id, cadre.name, cadre.title, cadre.unit_id, cadre.user_id is not None)


def members(db: Session, team_id: int) -> list[Member]:
    rows = db.execute(
        select(TeamMember.unit_id, Unit.name, TeamMember.is_lead)
        .join(Unit, Unit.id == TeamMember.unit_id)
        .where(TeamMember.team_id == team_id)
        .order_by(TeamMember.is_lead.desc(), TeamMember.sort_order, Unit.sort_order, Unit.id)
    ).all()
    return [Member(r[0], r[1], r[2]) for r in rows]


def get(db: Session, principal: Principal, team_id: int) -> Team:
    """A team with its leader and members: every signed-in reader may see them (as the unit directory)."""
    unit = _team_unit(db, team_id)
    profile = _profile(db, unit.id)
    leader = _leader(db, profile.leader_cadre_id if profile else None)
    return Team(unit, profile, leader, members(db, unit.id))


def team_targets(db: Session, team_id: int, year: int) -> dict[str, Decimal]:
    """The team's annual targets: its unit's, as `performance.targets_for_year` resolves them."""
    found = performance.targets_for_year(db, year, [team_id])
    return {code: found[(code, team_id)] for code in TEAM_METRICS if (code, team_id) in found}


def leader_targets(db: Session, leader: Leader | None, year: int) -> dict[str, Decimal]:
    """The leader's personal targets (target splits to the leader's cadre)."""
    if leader is None:
        return {}
    rows = db.execute(
        select(TargetSplit.metric, TargetSplit.amount).where(
            TargetSplit.year == year, TargetSplit.cadre_id == leader.cadre_id
        )
    ).all()
    return {metric: amount for metric, amount in rows}


def leader_options(db: Session, team_id: int, current: int | None = None) -> list[tuple[int, str]]:
    """Who may lead a team: the team unit's people (officials without an account among them) and the county
    leaders' accounts; the present leader too, wherever they are."""
    leaders = select(User.id).where(User.role == Role.leader)
    conditions: list[Any] = [Cadre.unit_id == team_id, Cadre.user_id.in_(leaders)]
    if current is not None:
        conditions.append(Cadre.id == current)
    rows = db.execute(
        select(Cadre.id, Cadre.name, Cadre.title, Unit.short_name, Unit.name)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(or_(*conditions), or_(Cadre.is_active.is_(True), Cadre.id == (current or 0)))
        .order_by(Cadre.unit_id != team_id, Cadre.sort_order, Cadre.id)
    ).all()
    return [(r[0], f"{r[1]}（{r[2] or r[3] or r[4]}）") for r in rows]


def member_options(db: Session, team_id: int) -> list[tuple[int, str]]:
    """The units that may be a team's members: active units other than the county and the teams."""
    rows = db.execute(
        select(Unit.id, Unit.name)
        .where(
            Unit.is_active.is_(True),
            Unit.kind.not_in([UnitKind.jurisdiction, UnitKind.industry_team]),
            Unit.id != team_id,
        )
        .order_by(Unit.sort_order, Unit.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


# --- editing a team ------------------------------------------------------------------------------


def update(db: Session, principal: Principal, team_id: int, data: TeamUpdate) -> Team:
    """The coordinator names the team's leader (one of the people listed, or a new official without an
    account, added to the team unit's people), its industry and duties, and its member units (one of them
    may lead). `data.version` is the team's as read (0 before anything was recorded); a stale one is a 409."""
    policy.ensure_coordinator(principal)
    unit = _team_unit(db, team_id)
    profile = _profile(db, unit.id)
    current = profile.version if profile is not None else 0
    if data.version != current:
        if profile is not None:
            check_version(db, profile, data.version)
        raise Conflict(details={"current_version": current, "your_version": data.version, "changes": []})
    chosen = sorted(set(data.member_unit_ids))
    if len(chosen) > MAX_MEMBERS:
        raise Invalid({"member_unit_ids": f"成员单位最多 {MAX_MEMBERS} 个"})
    allowed = {uid for uid, _name in member_options(db, unit.id)}
    existing = {m.unit_id for m in members(db, unit.id)}
    wrong = [uid for uid in chosen if uid not in allowed and uid not in existing]
    if wrong or any(uid == unit.id for uid in chosen):
        raise Invalid(
            {"member_unit_ids": "成员单位须为在用的部门、乡镇、街道、园区或驻外分队（不含县本级和专业招商组）"}
        )
    if data.lead_unit_id is not None and data.lead_unit_id not in chosen:
        raise Invalid({"lead_unit_id": "牵头单位须是所选的成员单位之一"})
    leader_id = data.leader_cadre_id
    if data.leader_name:
        if leader_id is not None:
            raise Invalid({"leader_name": "已选择组长时不要再填写新组长姓名（二选一）"})
        cadre = people.create_cadre(
            db, principal, unit.id, CadreCreate(name=data.leader_name, title=data.leader_title or "组长")
        )
        leader_id = cadre.id
    elif leader_id is not None:
        cadre_row = db.get(Cadre, leader_id)
        keeps = profile is not None and profile.leader_cadre_id == leader_id
        if cadre_row is None or (not cadre_row.is_active and not keeps):
            raise Invalid({"leader_cadre_id": "请选择在岗的人员作组长"})
    values = {"leader_cadre_id": leader_id, "industry": data.industry, "duties": data.duties}
    if profile is None:
        profile = IndustryTeam(unit_id=unit.id, **values)
        db.add(profile)
    else:
        for key, value in values.items():
            if getattr(profile, key) != value:
                setattr(profile, key, value)
        profile.updated_at = utcnow()  # the members are part of the team: its version moves on with them
    rows = {m.unit_id: m for m in db.execute(select(TeamMember).where(TeamMember.team_id == unit.id)).scalars()}
    for unit_id, row in rows.items():
        if unit_id not in chosen:
            db.delete(row)
    for order, unit_id in enumerate(chosen):
        is_lead = unit_id == data.lead_unit_id
        member = rows.get(unit_id)
        if member is None:
            db.add(TeamMember(team_id=unit.id, unit_id=unit_id, is_lead=is_lead, sort_order=order))
        elif member.is_lead != is_lead:
            member.is_lead = is_lead
    db.flush()
    return get(db, principal, unit.id)


# --- which projects are a team's -----------------------------------------------------------------


def _team_of(assigned: Any = TeamProject, project: Any = Project) -> ColumnElement[Any]:
    """The team a project counts for, given its assignment row (outer-joined): the assigned team, else its
    introducing unit (a team only when that unit is one: callers keep to team ids)."""
    return func.coalesce(assigned.team_id, project.introducing_unit_id)


def _with_team(stmt: Any) -> Any:
    return stmt.outerjoin(TeamProject, TeamProject.project_id == Project.id)


def project_team(db: Session, project_id: int) -> int | None:
    """The team a project counts for (the rule in this module's docstring), or None."""
    row = db.execute(
        select(TeamProject.team_id, Project.introducing_unit_id, Unit.kind)
        .select_from(Project)
        .outerjoin(TeamProject, TeamProject.project_id == Project.id)
        .join(Unit, Unit.id == Project.introducing_unit_id)
        .where(Project.id == project_id)
    ).first()
    if row is None:
        return None
    if row[0] is not None:
        return int(row[0])
    return int(row[1]) if row[2] is UnitKind.industry_team else None


def assignment(db: Session, project_id: int) -> TeamProject | None:
    return db.execute(select(TeamProject).where(TeamProject.project_id == project_id)).scalar_one_or_none()


def _team_ids(db: Session) -> list[int]:
    return list(
        db.execute(
            select(Unit.id)
            .where(Unit.kind == UnitKind.industry_team, Unit.is_active.is_(True))
            .order_by(Unit.sort_order, Unit.id)
        ).scalars()
    )


def assign_project(
    db: Session, principal: Principal, team_id: int, project_id: int, version: int | None = None
) -> TeamProject:
    """Assign a project to a team (moving it from any other): the coordinator. `version`, when given, is the
    project's assignment as read (0: none); a stale one is a 409."""
    policy.ensure_coordinator(principal)
    unit = _team_unit(db, team_id)
    if not unit.is_active:
        raise Invalid({"team_id": "该专业招商组已停用"})
    if db.get(Project, project_id) is None:
        raise Invalid({"project_id": "找不到该项目"})
    row = db.execute(select(TeamProject).where(TeamProject.project_id == project_id)).scalar_one_or_none()
    current = row.version if row is not None else 0
    if version is not None and version != current:
        if row is not None:
            check_version(db, row, version)
        raise Conflict(details={"current_version": current, "your_version": version, "changes": []})
    if row is None:
        row = TeamProject(project_id=project_id, team_id=unit.id, assigned_by_id=principal.user_id)
        db.add(row)
    elif row.team_id != unit.id:
        row.team_id = unit.id
        row.assigned_by_id = principal.user_id
    db.flush()
    return row


def unassign_project(db: Session, principal: Principal, team_id: int, project_id: int) -> None:
    """Take a project off a team's list: it counts again for the team that introduced it, if any."""
    policy.ensure_coordinator(principal)
    unit = _team_unit(db, team_id)
    row = db.execute(
        select(TeamProject).where(TeamProject.project_id == project_id, TeamProject.team_id == unit.id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("该项目不在本组的项目中（由本组引进的项目始终计入本组）")
    db.delete(row)
    db.flush()


# --- figures -------------------------------------------------------------------------------------


def _empty() -> dict[str, Decimal]:
    return dict.fromkeys(LEDGER_COLUMNS, ZERO)


def _month(column: Any) -> Any:
    return func.extract("month", column)


def monthly_figures(db: Session, team_ids: Sequence[int], year: int) -> dict[tuple[int, int], dict[str, Decimal]]:
    """{(team_id, month): {figure: value}} of the teams in a year, by the counting rule: five statements
    (signed, started, funds, own leads, shared leads) whatever the number of teams."""
    result: dict[tuple[int, int], dict[str, Decimal]] = {}
    if not team_ids:
        return result
    ids = list(team_ids)
    start, end = date(year, 1, 1), date(year, 12, 31)
    team = _team_of()

    def put(team_id: Any, month: Any, code: str, value: Any) -> None:
        line = result.setdefault((int(team_id), int(month)), _empty())
        line[code] += Decimal(value or 0)

    signed = _with_team(
        select(team, _month(Project.signed_on), func.count(), func.sum(Project.contract_investment)).select_from(
            Project
        )
    ).where(Project.signed_on >= start, Project.signed_on <= end, team.in_(ids))
    for team_id, month, count, invested in db.execute(signed.group_by(team, _month(Project.signed_on))).all():
        put(team_id, month, "projects_introduced", count)
        put(team_id, month, "contract_investment", invested)
    started = _with_team(select(team, _month(Project.started_on), func.count()).select_from(Project)).where(
        Project.started_on >= start, Project.started_on <= end, team.in_(ids)
    )
    for team_id, month, count in db.execute(started.group_by(team, _month(Project.started_on))).all():
        put(team_id, month, "new_starts", count)
    foreign = FundsArrival.source == FundsSource.foreign
    funds = _with_team(
        select(
            team,
            _month(FundsArrival.arrived_on),
            func.sum(FundsArrival.amount).filter(~foreign),
            func.sum(FundsArrival.amount).filter(foreign),
        )
        .select_from(FundsArrival)
        .join(Project, Project.id == FundsArrival.project_id)
    ).where(
        FundsArrival.status == FundsStatus.confirmed,
        FundsArrival.arrived_on >= start,
        FundsArrival.arrived_on <= end,
        team.in_(ids),
    )
    for team_id, month, domestic, usd in db.execute(funds.group_by(team, _month(FundsArrival.arrived_on))).all():
        put(team_id, month, "funds_domestic", domestic)
        put(team_id, month, "foreign_capital", usd)
    in_year = and_(Lead.lead_date >= start, Lead.lead_date <= end, Lead.duplicate_of_id.is_(None))
    valid = Lead.status == LeadStatus.valid
    own = (
        select(Lead.unit_id, _month(Lead.lead_date), func.count(), func.count().filter(valid))
        .where(in_year, Lead.unit_id.in_(ids), ~exists().where(LeadCredit.lead_id == Lead.id))
        .group_by(Lead.unit_id, _month(Lead.lead_date))
    )
    for team_id, month, count, valid_count in db.execute(own).all():
        put(team_id, month, "leads", count)
        put(team_id, month, "valid_leads", valid_count)
    shared = (
        select(
            LeadCredit.unit_id,
            _month(Lead.lead_date),
            func.sum(LeadCredit.share),
            func.sum(LeadCredit.share).filter(valid),
        )
        .join(Lead, Lead.id == LeadCredit.lead_id)
        .where(in_year, LeadCredit.unit_id.in_(ids))
        .group_by(LeadCredit.unit_id, _month(Lead.lead_date))
    )
    for team_id, month, shares, valid_shares in db.execute(shared).all():
        put(team_id, month, "leads", Decimal(shares or 0) / HUNDRED)
        put(team_id, month, "valid_leads", Decimal(valid_shares or 0) / HUNDRED)
    for line in result.values():
        for code, value in line.items():
            line[code] = value.quantize(CENT, rounding=ROUND_HALF_UP)  # SQLite sums in floating point
    return result


def year_figures(db: Session, team_ids: Sequence[int], year: int) -> dict[int, dict[str, Decimal]]:
    totals: dict[int, dict[str, Decimal]] = {team_id: _empty() for team_id in team_ids}
    for (team_id, _month_no), line in monthly_figures(db, team_ids, year).items():
        total = totals.setdefault(team_id, _empty())
        for code, value in line.items():
            total[code] += value
    return totals


@dataclass
class MemberPart:
    """What of a team's projects counts for one unit by the units' rule (app.services.metrics)."""

    unit_id: int | None  # None: the units that are not members, together
    name: str
    is_member: bool
    figures: dict[str, Decimal] = field(default_factory=dict)


SPLIT_CODES = ("projects_introduced", "contract_investment", "new_starts", "funds_domestic")


def member_split(db: Session, team: Team, year: int) -> list[MemberPart]:
    """The team's projects of the year by the unit they count for in the units' own figures: signing for the
    introducing unit, starts and funds for the responsible unit. Three statements."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    mine = _team_of() == team.id
    sums: dict[int, dict[str, Decimal]] = {}

    def put(unit_id: int, code: str, value: Any) -> None:
        sums.setdefault(unit_id, dict.fromkeys(SPLIT_CODES, ZERO))[code] += Decimal(value or 0)

    signed = _with_team(
        select(Project.introducing_unit_id, func.count(), func.sum(Project.contract_investment)).select_from(Project)
    ).where(mine, Project.signed_on >= start, Project.signed_on <= end)
    for unit_id, count, invested in db.execute(signed.group_by(Project.introducing_unit_id)).all():
        put(unit_id, "projects_introduced", count)
        put(unit_id, "contract_investment", invested)
    started = _with_team(select(Project.responsible_unit_id, func.count()).select_from(Project)).where(
        mine, Project.started_on >= start, Project.started_on <= end
    )
    for unit_id, count in db.execute(started.group_by(Project.responsible_unit_id)).all():
        put(unit_id, "new_starts", count)
    funds = _with_team(
        select(Project.responsible_unit_id, func.sum(FundsArrival.amount))
        .select_from(FundsArrival)
        .join(Project, Project.id == FundsArrival.project_id)
    ).where(
        mine,
        FundsArrival.status == FundsStatus.confirmed,
        FundsArrival.source != FundsSource.foreign,
        FundsArrival.arrived_on >= start,
        FundsArrival.arrived_on <= end,
    )
    for unit_id, amount in db.execute(funds.group_by(Project.responsible_unit_id)).all():
        put(unit_id, "funds_domestic", amount)
    parts = [
        MemberPart(m.unit_id, m.name, True, sums.pop(m.unit_id, dict.fromkeys(SPLIT_CODES, ZERO))) for m in team.members
    ]
    own = sums.pop(team.id, None)
    if own is not None:
        parts.append(MemberPart(team.id, f"{team.unit.display_name}（本组直接引进或负责）", False, own))
    if sums:
        others = dict.fromkeys(SPLIT_CODES, ZERO)
        for figures in sums.values():
            for code, value in figures.items():
                others[code] += value
        parts.append(MemberPart(None, "非成员单位", False, others))
    for part in parts:
        part.figures = {k: v.quantize(CENT, rounding=ROUND_HALF_UP) for k, v in part.figures.items()}
    return parts


# --- the ledger ----------------------------------------------------------------------------------


@dataclass
class TeamLedger:
    team: Team
    year: int
    months: list[tuple[int, dict[str, Decimal]]]
    total: dict[str, Decimal]
    targets: dict[str, Decimal]
    completion: dict[str, Decimal | None]
    parts: list[MemberPart]


def ledger(db: Session, principal: Principal, team_id: int, year: int) -> TeamLedger:
    """The team's year month by month against its targets, and its figures by member unit."""
    team = get(db, principal, team_id)
    by_month = monthly_figures(db, [team.id], year)
    months = [(m, by_month.get((team.id, m), _empty())) for m in range(1, 13)]
    total = _empty()
    for _m, line in months:
        for code, value in line.items():
            total[code] += value
    targets = team_targets(db, team.id, year)
    completion = {code: performance.pct(total[code], amount) for code, amount in targets.items()}
    return TeamLedger(team, year, months, total, targets, completion, member_split(db, team, year))


def ledger_headers() -> list[str]:
    return ["月份", *(f"{label}（{unit}）" for label, unit in LEDGER_COLUMNS.values())]


def ledger_rows(book: TeamLedger) -> list[list[Any]]:
    """The ledger as a table (the XLSX's rows): a line per month, the year, the target, the completion."""
    codes = list(LEDGER_COLUMNS)
    rows: list[list[Any]] = [[f"{m}月", *(line[c] for c in codes)] for m, line in book.months]
    rows.append(["全年合计", *(book.total[c] for c in codes)])
    rows.append(["年度目标", *(book.targets.get(c, "") for c in codes)])
    rows.append(
        [
            "完成目标（%）",
            *(performance.shown(book.completion[c]) if book.completion.get(c) is not None else "" for c in codes),
        ]
    )
    return rows


# --- a team's projects ---------------------------------------------------------------------------


@dataclass
class TeamProjectRow:
    project: Any  # a row with the project's columns
    name: str  # as the reader may see it
    assigned: bool  # assigned to the team (False: counted as the team's because the team introduced it)
    assignment_version: int


def _readable(principal: Principal) -> ColumnElement[bool]:
    if principal.reads_everything:
        return true()
    if principal.unit_id is None:
        return false()
    return or_(Project.responsible_unit_id == principal.unit_id, Project.introducing_unit_id == principal.unit_id)


def team_projects(
    db: Session, principal: Principal, team_id: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[TeamProjectRow], int, int]:
    """The team's projects the reader may read (the latest signed first, a page at a time), how many of them,
    and how many more the team has that the reader may not read (counted in the figures, not listed)."""
    team = _team_unit(db, team_id)
    mine = _team_of() == team.id
    readable = _readable(principal)
    counts = db.execute(
        _with_team(select(func.count().filter(readable), func.count().filter(~readable)).select_from(Project)).where(
            mine
        )
    ).one()
    rows = db.execute(
        _with_team(select(Project, TeamProject.id, TeamProject.version).select_from(Project))
        .where(mine, readable)
        .order_by(Project.signed_on.desc().nulls_last(), Project.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return (
        [
            TeamProjectRow(p, project_service.display_name(principal, p), tp_id is not None, tp_version or 0)
            for p, tp_id, tp_version in rows
        ],
        int(counts[0]),
        int(counts[1]),
    )


# --- the teams' ranking --------------------------------------------------------------------------


@dataclass
class TeamStanding:
    unit: Unit
    leader: Leader | None
    member_count: int
    figures: dict[str, Decimal]
    targets: dict[str, Decimal]
    completion: dict[str, Decimal | None]
    score: Decimal = ZERO
    rank: int = 0


TIE_RULE = "得分相同时，依次比较：内资到位资金多者在前、签约项目多者在前、排序号小者在前。"


def rank_teams(db: Session, principal: Principal, year: int) -> list[TeamStanding]:
    """The teams ranked among themselves by their own figures (the counting rule): Σ weight × min(completion
    of the annual target, 1.5), without a target the share of the best team's figure, with the unit
    rankings' weights (performance.DEFAULT_WEIGHTS). A constant number of statements."""
    units = list(
        db.execute(
            select(Unit)
            .where(Unit.kind == UnitKind.industry_team, Unit.is_active.is_(True))
            .order_by(Unit.sort_order, Unit.id)
        ).scalars()
    )
    ids = [u.id for u in units]
    if not ids:
        return []
    leader_cadre = aliased(Cadre)
    leaders = {
        r[0]: Leader(r[1], r[2], r[3], r[4], r[5] is not None)
        for r in db.execute(
            select(
                IndustryTeam.unit_id,
                leader_cadre.id,
                leader_cadre.name,
                leader_cadre.title,
                leader_cadre.unit_id,
                leader_cadre.user_id,
            )
            .join(leader_cadre, leader_cadre.id == IndustryTeam.leader_cadre_id)
            .where(IndustryTeam.unit_id.in_(ids))
        ).all()
    }
    member_counts = dict(
        db.execute(
            select(TeamMember.team_id, func.count()).where(TeamMember.team_id.in_(ids)).group_by(TeamMember.team_id)
        )
        .tuples()
        .all()
    )
    figures = year_figures(db, ids, year)
    targets = performance.targets_for_year(db, year, ids)
    weights = performance.DEFAULT_WEIGHTS
    best = {code: max((figures[i][code] for i in ids), default=ZERO) for code in weights}
    rows = []
    for unit in units:
        own = figures[unit.id]
        goals = {code: targets[(code, unit.id)] for code in TEAM_METRICS if (code, unit.id) in targets}
        score = ZERO
        for code, weight in weights.items():
            goal = goals.get(code)
            share = own[code] / best[code] if best[code] else ZERO  # without a target: of the best team's
            ratio = min(own[code] / goal, Decimal("1.5")) if goal else share
            score += ratio * Decimal(str(weight))
        rows.append(
            TeamStanding(
                unit,
                leaders.get(unit.id),
                member_counts.get(unit.id, 0),
                own,
                goals,
                {code: performance.pct(own[code], amount) for code, amount in goals.items()},
                score.quantize(CENT, rounding=ROUND_HALF_UP),
            )
        )
    rows.sort(
        key=lambda r: (
            -r.score,
            -r.figures["funds_domestic"],
            -r.figures["projects_introduced"],
            r.unit.sort_order,
            r.unit.id,
        )
    )
    for index, row in enumerate(rows, start=1):
        row.rank = index
    return rows


def find_projects(db: Session, principal: Principal, q: str, limit: int = 10) -> list[tuple[int, str, int | None]]:
    """Projects whose name holds `q`, for the coordinator's "assign to the team" search: (id, name as the
    reader may see it, the team it counts for now)."""
    if not principal.reads_everything or not q:
        return []
    team = _team_of()
    rows = db.execute(
        _with_team(select(Project, team, Unit.kind).select_from(Project))
        .join(Unit, Unit.id == team)
        .where(Project.name.icontains(q, autoescape=True), project_service.identity_visible(principal))
        .order_by(Project.id.desc())
        .limit(limit)
    ).all()
    return [
        (p.id, project_service.display_name(principal, p), int(t) if kind is UnitKind.industry_team else None)
        for p, t, kind in rows
    ]


def teams_of_unit(db: Session, unit_id: int) -> list[tuple[int, str]]:
    """The teams a unit is a member of (id, name)."""
    return [
        (r[0], r[1])
        for r in db.execute(
            select(Unit.id, Unit.name)
            .join(TeamMember, TeamMember.team_id == Unit.id)
            .where(TeamMember.unit_id == unit_id)
            .order_by(Unit.sort_order, Unit.id)
        ).all()
    ]
