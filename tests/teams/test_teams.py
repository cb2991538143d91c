"""Industry teams (专业招商组) as their users meet them: the coordinator names the leader (a county leader
without an account), the member departments and the team's projects; a project counts in full for its team
and once, by the units' own rule, in the units' figures; the team's ledger by month against its target
(page and workbook); the teams' own ranking; a unit's staff sees the team's figures but only its own
projects. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid, NotFound
from app.models.audit import AuditEntry
from app.models.lead import LeadStatus
from app.models.people import Cadre
from app.models.project import FundsSource, FundsStatus, Stage
from app.models.team import IndustryTeam, TeamMember, TeamProject
from app.models.unit import UnitKind
from app.models.user import Role, User
from app.policy import DeniedForbidden
from app.schemas.teams import TeamUpdate
from app.services import metrics, performance, teams, workdays
from tests.conftest import csrf_from
from tests.factories import make_unit, make_user
from tests.people.factories import as_user, coordinator
from tests.projects.factories import make_funds, make_lead, make_project
from tests.teams.factories import make_team

YEAR = workdays.today().year
Browser = Callable[[User], TestClient]


@pytest.fixture
def county(db: Session) -> dict:
    industry = make_unit(db, name="县工业和信息化局", short_name="县工信局", kind=UnitKind.department, tier=1)
    reform = make_unit(db, name="县发展和改革局", short_name="县发改局", kind=UnitKind.department, tier=1)
    town = make_unit(db, name="青石镇人民政府", short_name="青石镇")
    team = make_team(db, name="新材料产业招商组", short_name="新材料组", members=(industry, reform), lead=industry)
    # a project introduced by one member, served by the other, assigned to the team
    shared = make_project(
        db, industry, stage=Stage.started, reached=date(YEAR, 3, 10), responsible=reform,
        contract_investment=Decimal(10000), name="碳纤维复合材料项目",
    )  # fmt: skip
    make_funds(
        db, shared, 3000, arrived_on=date(YEAR, 4, 2), status=FundsStatus.confirmed, source=FundsSource.in_province
    )
    make_funds(db, shared, 50, arrived_on=date(YEAR, 4, 3), status=FundsStatus.confirmed, source=FundsSource.foreign)
    # one the team's own unit introduced (no assignment needed), and one of a town that is no team's
    own = make_project(db, team, stage=Stage.signed, reached=date(YEAR, 5, 20), contract_investment=Decimal(2000))
    other = make_project(db, town, stage=Stage.signed, reached=date(YEAR, 5, 21), contract_investment=Decimal(700))
    db.add(TeamProject(project_id=shared.id, team_id=team.id))
    make_lead(db, team, lead_date=date(YEAR, 2, 8), status=LeadStatus.valid)
    db.flush()
    return {
        "industry": industry,
        "reform": reform,
        "town": town,
        "team": team,
        "shared": shared,
        "own": own,
        "other": other,
    }


def test_a_project_counts_in_full_for_its_team_and_once_in_the_units_figures(db: Session, county: dict) -> None:
    team, industry, reform, town = county["team"], county["industry"], county["reform"], county["town"]
    figures = teams.year_figures(db, [team.id], YEAR)[team.id]
    assert figures["projects_introduced"] == 2 and figures["contract_investment"] == Decimal(12000)
    assert figures["new_starts"] == 1
    assert figures["funds_domestic"] == Decimal(3000) and figures["foreign_capital"] == Decimal(50)
    assert figures["leads"] == 1 and figures["valid_leads"] == 1
    months = teams.monthly_figures(db, [team.id], YEAR)
    assert months[(team.id, 3)]["projects_introduced"] == 1 and months[(team.id, 4)]["funds_domestic"] == 3000
    assert months[(team.id, 5)]["contract_investment"] == 2000

    # the units' own figures are untouched: each project once, for the unit the metrics credit
    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    introduced = metrics.compute(db, "projects_introduced", start, end)
    assert introduced.get(industry.id) == 1 and introduced.get(team.id) == 1 and introduced.get(town.id) == 1
    assert reform.id not in introduced
    assert metrics.compute(db, "funds_domestic", start, end) == {reform.id: Decimal(3000)}
    assert sum(introduced.values()) == metrics.total(db, "projects_introduced", start, end) == 3

    # the team's figures by member: the parts the members already have in their own figures
    book = teams.ledger(db, coordinator(), team.id, YEAR)
    parts = {p.name: p.figures for p in book.parts}
    assert parts["县工业和信息化局"]["projects_introduced"] == 1
    assert parts["县工业和信息化局"]["contract_investment"] == Decimal(10000)
    assert parts["县发展和改革局"]["funds_domestic"] == Decimal(3000) and parts["县发展和改革局"]["new_starts"] == 1
    assert parts["新材料组（本组直接引进或负责）"]["contract_investment"] == Decimal(2000)

    assert teams.project_team(db, county["shared"].id) == team.id
    assert teams.project_team(db, county["own"].id) == team.id  # introduced by the team: its own
    assert teams.project_team(db, county["other"].id) is None

    teams.unassign_project(db, coordinator(), team.id, county["shared"].id)
    assert teams.year_figures(db, [team.id], YEAR)[team.id]["projects_introduced"] == 1
    with pytest.raises(Exception, match="始终计入本组"):
        teams.unassign_project(db, coordinator(), team.id, county["own"].id)


def test_the_coordinator_names_a_leader_without_an_account_and_the_members(db: Session, county: dict) -> None:
    team, industry, reform, town = county["team"], county["industry"], county["reform"], county["town"]
    profile = db.execute(select(IndustryTeam).where(IndustryTeam.unit_id == team.id)).scalar_one()
    data = TeamUpdate(
        version=profile.version,
        leader_name="刘国华",
        leader_title="副县长、新材料产业招商组组长",
        industry="新材料",
        duties="对接长三角目标企业",
        member_unit_ids=[reform.id, town.id],
        lead_unit_id=town.id,
    )
    found = teams.update(db, coordinator(), team.id, data)
    assert found.leader is not None and found.leader.name == "刘国华" and not found.leader.has_account
    leader = db.get(Cadre, found.leader.cadre_id)
    assert leader is not None and leader.unit_id == team.id and leader.user_id is None
    assert [(m.name, m.is_lead) for m in found.members] == [("青石镇人民政府", True), ("县发展和改革局", False)]
    assert industry.id not in {m.unit_id for m in found.members}
    # the same version again: someone saved in between
    with pytest.raises(Conflict):
        teams.update(db, coordinator(), team.id, data)
    # a lead unit that is not a member, an unknown leader, a county as member
    fresh = found.version
    with pytest.raises(Invalid) as refused:
        teams.update(
            db,
            coordinator(),
            team.id,
            data.model_copy(update={"version": fresh, "leader_name": "", "lead_unit_id": industry.id}),
        )
    assert "牵头单位" in refused.value.errors["lead_unit_id"]
    county_unit = make_unit(db, kind=UnitKind.jurisdiction)
    with pytest.raises(Invalid):
        teams.update(
            db,
            coordinator(),
            team.id,
            data.model_copy(update={"version": fresh, "leader_name": "", "member_unit_ids": [county_unit.id]}),
        )
    # only the coordinator edits a team
    staff = make_user(db, town)
    with pytest.raises(DeniedForbidden):
        teams.update(db, as_user(staff), team.id, data.model_copy(update={"version": fresh}))
    # every change is audited
    entities = {e.entity for e in db.execute(select(AuditEntry)).scalars()}
    assert {"industry_team", "team_member", "cadre"} <= entities


def test_a_team_without_a_profile_starts_at_version_zero(db: Session) -> None:
    team = make_unit(db, name="文旅康养产业招商组", kind=UnitKind.industry_team)
    assert teams.get(db, coordinator(), team.id).version == 0
    found = teams.update(db, coordinator(), team.id, TeamUpdate(version=0, industry="文旅康养"))
    assert found.version == 1 and found.profile is not None
    with pytest.raises(NotFound):  # a unit that is no team
        teams.get(db, coordinator(), make_unit(db).id)
    with pytest.raises(Invalid) as refused:  # a leader who is nobody
        teams.update(db, coordinator(), team.id, TeamUpdate(version=1, leader_cadre_id=2_000_000_000))
    assert "组长" in refused.value.errors["leader_cadre_id"]


def test_the_teams_rank_among_themselves_by_their_targets(db: Session, county: dict) -> None:
    team = county["team"]
    other = make_team(db, name="绿色食品产业招商组")
    performance.set_target(
        db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(6000), unit_kind="industry_team"
    )
    rows = teams.rank_teams(db, coordinator(), YEAR)
    assert [r.unit.id for r in rows] == [team.id, other.id]
    first = rows[0]
    assert first.rank == 1 and first.targets["funds_domestic"] == Decimal(6000)
    assert first.completion["funds_domestic"] == Decimal(50)
    assert first.score > rows[1].score == 0


def test_the_team_page_and_its_workbook(db: Session, county: dict, signed_in: Browser) -> None:
    team, town = county["team"], county["town"]
    boss = make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator)
    performance.set_target(db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(6000), unit_id=team.id)
    browser = signed_in(boss)
    page = browser.get(f"/teams/{team.id}?year={YEAR}")
    assert page.status_code == 200
    text = page.text
    assert "碳纤维复合材料项目" in text and "归入本组" in text and "3,000.00" in text and "50.0%" in text
    # the coordinator sets a target and assigns the town's project by its number
    token = csrf_from(text)
    response = browser.post(
        f"/teams/{team.id}/targets",
        data={"csrf_token": token, "year": str(YEAR), "metric": "projects_introduced", "amount": "4"},
    )
    assert response.status_code == 303
    assert teams.team_targets(db, team.id, YEAR)["projects_introduced"] == Decimal(4)
    response = browser.post(
        f"/teams/{team.id}/projects",
        data={"csrf_token": token, "year": str(YEAR), "project_id": str(county["other"].id)},
    )
    assert response.status_code == 303
    db.expire_all()
    assert teams.project_team(db, county["other"].id) == team.id
    missing = browser.post(f"/teams/{team.id}/projects", data={"csrf_token": token, "project_id": "2000000000"})
    assert missing.status_code == 422 and "找不到该项目" in missing.text
    found = browser.get(f"/teams/{team.id}?q=碳纤维")
    assert "已计入本组" in found.text

    book = browser.get(f"/teams/{team.id}/ledger.xlsx?year={YEAR}")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "月份" and rows[3][0] == "3月"
    total = next(r for r in rows if r[0] == "全年合计")
    assert float(total[3]) == 3 and float(total[6]) == 3000  # signed (with the town's now), funds

    # a town's staff sees the team's figures but not another unit's project
    staff = make_user(db, town)
    other_unit = make_user(db, make_unit(db))
    seen = signed_in(staff).get(f"/teams/{team.id}")
    assert seen.status_code == 200 and county["other"].name in seen.text and "碳纤维复合材料项目" not in seen.text
    assert "另有 2 个项目" in seen.text and "归入本组</button>" not in seen.text
    outsider = signed_in(other_unit).get(f"/teams/{team.id}")
    assert outsider.status_code == 200 and "碳纤维复合材料项目" not in outsider.text
    refused = signed_in(staff).post(f"/teams/{team.id}/edit", data={"csrf_token": csrf_from(seen.text), "version": "1"})
    assert refused.status_code == 403
    assert db.execute(select(TeamMember).where(TeamMember.team_id == team.id)).scalars().all()
