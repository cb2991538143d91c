"""Industry teams (专业招商组) over the API, as on /teams and /teams/{id}: the teams' ranking, a team (leader,
members, targets), its ledger by month, its projects, and the coordinator's edits (the team, a project's
team). Same services as the pages (app.services.teams); a team's targets are set with PUT /targets
(unit_id: the team's id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.teams import (
    LeaderRead,
    MemberPartRead,
    MemberRead,
    MonthFigures,
    ProjectTeamRead,
    TeamLedgerRead,
    TeamProjectRead,
    TeamProjects,
    TeamProjectSet,
    TeamRanking,
    TeamRead,
    TeamRow,
    TeamUpdate,
)
from app.services import teams, workdays

router = IndexedRouter(prefix="/teams", tags=["专业招商组"])

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度（默认今年）")]
RULE = (
    "项目计入其所归的专业招商组（未归组的，计入引进它的专业招商组），全额计入；"
    "成员单位的考核仍按原规则（签约计引进单位，开工和到位资金计责任单位），不重复计算。"
)


def _year(year: int | None) -> int:
    return year or workdays.today().year


def _leader(leader: teams.Leader | None) -> LeaderRead | None:
    return LeaderRead.model_validate(leader, from_attributes=True) if leader is not None else None


def _team(db: DbSession, team: teams.Team, year: int) -> TeamRead:
    return TeamRead(
        id=team.id,
        name=team.unit.name,
        short_name=team.unit.short_name,
        is_active=team.unit.is_active,
        leader=_leader(team.leader),
        industry=team.profile.industry if team.profile else "",
        duties=team.profile.duties if team.profile else "",
        members=[MemberRead.model_validate(m, from_attributes=True) for m in team.members],
        year=year,
        targets=teams.team_targets(db, team.id, year),
        leader_targets=teams.leader_targets(db, team.leader, year),
        version=team.version,
    )


@router.get("", response_model=TeamRanking, summary="专业招商组排名：各组本年度实绩（按归组规则计）、目标完成和得分")
def ranking(principal: ApiPrincipal, db: DbSession, year: YearQuery = None) -> Response:
    chosen = _year(year)
    rows = teams.rank_teams(db, principal, chosen)
    answer = TeamRanking(
        year=chosen,
        rule=RULE,
        tie_rule=teams.TIE_RULE,
        items=[
            TeamRow(
                rank=r.rank,
                id=r.unit.id,
                name=r.unit.name,
                leader=_leader(r.leader),
                member_count=r.member_count,
                figures=r.figures,
                targets=r.targets,
                completion={k: v.quantize(teams.PCT) if v is not None else None for k, v in r.completion.items()},
                score=r.score,
            )
            for r in rows
        ],
    )
    return json_response(answer)


@router.get("/{team_id}", response_model=TeamRead, summary="一个专业招商组：组长、成员单位、主攻产业、年度目标")
def team(team_id: IdPath, principal: ApiPrincipal, db: DbSession, year: YearQuery = None) -> Response:
    chosen = _year(year)
    return json_response(_team(db, teams.get(db, principal, team_id), chosen))


@router.put(
    "/{team_id}",
    response_model=TeamRead,
    summary="修改专业招商组：组长（名单中的人员或新的无账号领导）、主攻产业、职责、成员单位与牵头单位"
    "（招商局令牌，targets 范围；需带 version，过期 409）",
)
def update_team(
    team_id: IdPath, body: TeamUpdate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    found = teams.update(db, principal, team_id, body)
    return guard.finish(json_response(_team(db, found, workdays.today().year)))


@router.get(
    "/{team_id}/ledger",
    response_model=TeamLedgerRead,
    summary="专业招商组台账：逐月线索、签约、开工、到位资金及目标完成，按成员单位分列",
)
def ledger(team_id: IdPath, principal: ApiPrincipal, db: DbSession, year: YearQuery = None) -> Response:
    book = teams.ledger(db, principal, team_id, _year(year))
    answer = TeamLedgerRead(
        team_id=book.team.id,
        year=book.year,
        months=[MonthFigures(month=m, figures=line) for m, line in book.months],
        total=book.total,
        targets=book.targets,
        completion={k: v.quantize(teams.PCT) if v is not None else None for k, v in book.completion.items()},
        members=[MemberPartRead.model_validate(p, from_attributes=True) for p in book.parts],
    )
    return json_response(answer)


@router.get(
    "/{team_id}/projects", response_model=TeamProjects, summary="专业招商组的项目（仅列出可查看的，其余只计数）"
)
def projects(
    team_id: IdPath,
    principal: ApiPrincipal,
    db: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    rows, total, hidden = teams.team_projects(db, principal, team_id, limit=limit, offset=offset)
    items = [
        TeamProjectRead(
            project_id=r.project.id,
            name=r.name,
            stage=r.project.stage.value,
            signed_on=r.project.signed_on,
            contract_investment=r.project.contract_investment,
            funds_confirmed=r.project.funds_confirmed,
            introducing_unit_id=r.project.introducing_unit_id,
            responsible_unit_id=r.project.responsible_unit_id,
            assigned=r.assigned,
            assignment_version=r.assignment_version,
        )
        for r in rows
    ]
    return json_response(TeamProjects(items=items, total=total, hidden=hidden, limit=limit, offset=offset))


def _project_team(db: DbSession, project_id: int) -> ProjectTeamRead:
    row = teams.assignment(db, project_id)
    return ProjectTeamRead(
        project_id=project_id,
        team_id=teams.project_team(db, project_id),
        assigned=row is not None,
        version=row.version if row is not None else 0,
    )


@router.put(
    "/{team_id}/projects/{project_id}",
    response_model=ProjectTeamRead,
    summary="把项目归入本组（从别的组改归亦可；招商局令牌，targets 范围；"
    "可带 version，过期 409；可带 Idempotency-Key）",
)
def assign(
    team_id: IdPath,
    project_id: IdPath,
    body: TeamProjectSet,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    teams.assign_project(db, principal, team_id, project_id, body.version)
    return guard.finish(json_response(_project_team(db, project_id)))


@router.delete(
    "/{team_id}/projects/{project_id}",
    response_model=ProjectTeamRead,
    summary="把项目移出本组（此后按引进单位计入；招商局令牌，targets 范围）",
)
def unassign(team_id: IdPath, project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    teams.unassign_project(db, principal, team_id, project_id)
    return json_response(_project_team(db, project_id))
