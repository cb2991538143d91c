"""Sections and people below the unit: targets split to sections and cadres within the unit's target, the
persons credited with leads and projects (by share, or by default whoever entered them), each cadre's
figures month by month, and who may see and manage them. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, Invalid, NotFound
from app.models.base import utcnow
from app.models.lead import LeadStatus
from app.models.people import Cadre, SectionKind, TargetSplit
from app.models.project import FundsSource, FundsStatus, ProgressUpdate, Stage, StageEvent
from app.models.user import Role
from app.schemas.people import CadreUpdate, SectionCreate
from app.schemas.users import UserCreate, UserUpdate
from app.services import cadre_credits, ledgers, people, performance, users, workdays
from tests.factories import make_unit, make_user
from tests.people.factories import as_user, coordinator, make_cadre, make_section
from tests.projects.factories import make_funds, make_lead, make_project

YEAR = workdays.today().year


@pytest.fixture
def town(db: Session):  # type: ignore[no-untyped-def]
    unit = make_unit(db)
    head = make_user(db, unit, display_name="王镇长")
    unit.head_user_id = head.id
    db.flush()
    return unit, head


def test_splits_stay_within_the_units_target(db: Session, town) -> None:  # type: ignore[no-untyped-def]
    unit, head = town
    a, b = make_section(db, unit, name="招商办"), make_section(db, unit, name="经发办", kind=SectionKind.office)
    person = make_cadre(db, unit, name="刘县长", title="副县长")
    with pytest.raises(Invalid) as nothing:
        people.split_target(db, as_user(head), year=YEAR, metric="funds_domestic", amount=Decimal(10), section_id=a.id)
    assert "尚无" in nothing.value.errors["metric"]
    performance.set_target(
        db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(10000), unit_id=unit.id
    )

    people.split_target(db, as_user(head), year=YEAR, metric="funds_domestic", amount=Decimal(6000), section_id=a.id)
    people.split_target(db, as_user(head), year=YEAR, metric="funds_domestic", amount=Decimal(4000), section_id=b.id)
    with pytest.raises(Invalid) as over:
        people.split_target(
            db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(4001), section_id=b.id
        )
    assert over.value.errors["amount"] == "各科室分解合计不能超过单位目标 10000，本项最多还可分 4000"
    # the people are bounded apart: a person may carry the whole target although the sections share it
    people.split_target(
        db, as_user(head), year=YEAR, metric="funds_domestic", amount=Decimal(10000), cadre_id=person.id
    )
    line = next(x for x in people.split_summary(db, unit.id, YEAR) if x.metric == "funds_domestic")
    assert (line.target, line.to_sections, line.to_people, line.over_split) == (10000, 10000, 10000, False)

    # 0 removes a split; the target lowered below the splits marks them over
    assert (
        people.split_target(db, as_user(head), year=YEAR, metric="funds_domestic", amount=Decimal(0), section_id=b.id)
        is None
    )
    assert db.execute(select(TargetSplit).where(TargetSplit.section_id == b.id)).first() is None
    performance.set_target(db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(5000), unit_id=unit.id)
    assert next(x for x in people.split_summary(db, unit.id, YEAR) if x.metric == "funds_domestic").over_split


def test_only_the_head_and_the_coordinator_manage(db: Session, town) -> None:  # type: ignore[no-untyped-def]
    unit, head = town
    staff = make_user(db, unit)
    other = make_unit(db)
    with pytest.raises(Forbidden):
        people.create_section(db, as_user(staff), unit.id, SectionCreate(name="招商办", kind=SectionKind.office))
    with pytest.raises(NotFound):  # another unit's people are not disclosed
        people.create_section(db, as_user(head), other.id, SectionCreate(name="招商办", kind=SectionKind.office))
    section = people.create_section(db, as_user(head), unit.id, SectionCreate(name="招商办", kind=SectionKind.office))
    with pytest.raises(Invalid):
        people.create_section(db, coordinator(), unit.id, SectionCreate(name="招商办", kind=SectionKind.station))
    # staff are assigned to a section of their own unit only
    cadre = people.cadre_of_user(db, staff)
    people.update_cadre(
        db, as_user(head), cadre.id, CadreUpdate(version=cadre.version, name=cadre.name, section_id=section.id)
    )
    assert cadre.section_id == section.id
    foreign = make_section(db, other)
    with pytest.raises(Invalid) as wrong:
        people.update_cadre(
            db, coordinator(), cadre.id, CadreUpdate(version=cadre.version, name="x", section_id=foreign.id)
        )
    assert "section_id" in wrong.value.errors


def test_who_sees_a_ledger(db: Session, town) -> None:  # type: ignore[no-untyped-def]
    unit, head = town
    staff, colleague = make_user(db, unit), make_user(db, unit)
    mine, theirs = people.cadre_of_user(db, staff), people.cadre_of_user(db, colleague)
    assert ledgers.ledger(db, as_user(staff), mine.id, YEAR).cadre.id == mine.id
    with pytest.raises(NotFound):
        ledgers.ledger(db, as_user(staff), theirs.id, YEAR)
    assert ledgers.ledger(db, as_user(head), theirs.id, YEAR).cadre.id == theirs.id
    assert ledgers.ledger(db, coordinator(), theirs.id, YEAR).cadre.id == theirs.id
    outsider = make_user(db, make_unit(db))
    with pytest.raises(NotFound):
        ledgers.ledger(db, as_user(outsider), theirs.id, YEAR)
    page = people.list_cadres(db, as_user(head), YEAR, unit_id=unit.id)
    assert {c.id for c, _f, _t in page.rows} >= {mine.id, theirs.id}
    with pytest.raises(Forbidden):
        people.list_cadres(db, as_user(staff), YEAR, unit_id=unit.id)
    with pytest.raises(Forbidden):
        people.list_cadres(db, as_user(head), YEAR)  # everyone: only those who read every unit


def test_credit_by_default_and_by_share(db: Session, town) -> None:  # type: ignore[no-untyped-def]
    unit, head = town
    staff = make_user(db, unit)
    mine, heads = people.cadre_of_user(db, staff), people.cadre_of_user(db, head)
    leader = make_cadre(db, unit, name="刘县长")
    march, may = date(YEAR, 3, 10), date(YEAR, 5, 20)
    # a lead brought by the staff member: theirs by default
    lead = make_lead(db, unit, brought_by_id=staff.id, lead_date=march, status=LeadStatus.valid)
    make_lead(db, unit, brought_by_id=staff.id, lead_date=march, status=LeadStatus.pending)
    # its project signed in May, funds confirmed in May: the lead's people by default
    project = make_project(
        db, unit, stage=Stage.signed, reached=may, lead_id=lead.id, contract_investment=Decimal(3000)
    )
    make_funds(db, project, 1000, arrived_on=may, status=FundsStatus.confirmed, source=FundsSource.out_of_province)
    make_funds(db, project, 50, arrived_on=may, status=FundsStatus.confirmed, source=FundsSource.foreign)
    make_funds(db, project, 999, arrived_on=may, status=FundsStatus.pending)
    # a project without a lead: whoever entered it (its "create" event)
    entered = make_project(db, unit, stage=Stage.signed, reached=may, contract_investment=Decimal(500))
    db.add(
        StageEvent(
            project_id=entered.id,
            action="create",
            to_stage=Stage.signed,
            happened_on=may,
            recorded_by_id=head.id,
            recorded_at=utcnow(),
        )
    )
    db.add(
        ProgressUpdate(project_id=project.id, reported_on=may, investment_completed=Decimal(10), entered_by_id=staff.id)
    )
    db.flush()

    book = ledgers.ledger(db, as_user(staff), mine.id, YEAR)
    march_line, may_line = book.months[2][1], book.months[4][1]
    assert (march_line["leads"], march_line["valid_leads"]) == (2, 1)
    assert (may_line["projects_introduced"], may_line["contract_investment"]) == (1, 3000)
    assert (may_line["funds_domestic"], may_line["foreign_capital"], may_line["visits"]) == (1000, 50, 1)
    assert book.total["funds_domestic"] == 1000
    assert ledgers.ledger(db, as_user(head), heads.id, YEAR).total["contract_investment"] == 500

    # shared: the lead 60/40 between the staff member and the leader; the project follows its lead
    cadre_credits.set_lead_people(db, as_user(head), lead.id, [(mine.id, Decimal(60)), (leader.id, Decimal(40))])
    assert [(p.cadre_id, p.share, p.is_default) for p in cadre_credits.lead_people(db, coordinator(), lead.id)] == [
        (mine.id, 60, False),
        (leader.id, 40, False),
    ]
    figures = cadre_credits.year_figures(db, Cadre.unit_id == unit.id, YEAR)
    assert figures[mine.id]["valid_leads"] == Decimal("0.6") and figures[leader.id]["valid_leads"] == Decimal("0.4")
    assert figures[leader.id]["funds_domestic"] == 400 and figures[mine.id]["funds_domestic"] == 600
    # set on the project itself, the project's own shares win; an empty list returns it to its default
    cadre_credits.set_project_people(db, as_user(staff), project.id, [(leader.id, Decimal(100))])
    assert cadre_credits.year_figures(db, Cadre.id == leader.id, YEAR)[leader.id]["funds_domestic"] == 1000
    cadre_credits.set_project_people(db, as_user(staff), project.id, [])
    assert [p.is_default for p in cadre_credits.project_people(db, coordinator(), project.id)] == [True, True]

    with pytest.raises(Invalid) as bad:
        cadre_credits.set_lead_people(db, as_user(staff), lead.id, [(mine.id, Decimal(50)), (leader.id, Decimal(40))])
    assert bad.value.errors["people"] == "各人份额合计须为 100%"
    stranger = make_cadre(db, make_unit(db))
    with pytest.raises(Invalid):  # a unit's staff credit their own unit's people
        cadre_credits.set_lead_people(db, as_user(staff), lead.id, [(stranger.id, Decimal(100))])
    cadre_credits.set_lead_people(db, coordinator(), lead.id, [(stranger.id, Decimal(100))])  # the coordinator anyone


def test_every_account_is_a_cadre_of_its_unit(db: Session, settings) -> None:  # type: ignore[no-untyped-def]
    unit, elsewhere = make_unit(db), make_unit(db)
    admin = make_user(db, make_unit(db), Role.coordinator)
    principal = as_user(admin)
    user = users.create(
        db,
        principal,
        UserCreate(
            username="zhangsan",
            display_name="张三",
            unit_id=unit.id,
            role=Role.unit_staff,
            initial_password="Zs@2026-strong-pass",
        ),
        settings,
    )
    cadre = db.execute(select(Cadre).where(Cadre.user_id == user.id)).scalar_one()
    assert (cadre.unit_id, cadre.name) == (unit.id, "张三")
    cadre.section_id = make_section(db, unit).id
    db.flush()
    users.update(
        db,
        principal,
        user.id,
        UserUpdate(version=user.version, display_name="张三丰", unit_id=elsewhere.id, role=Role.unit_staff, phone=""),
    )
    db.refresh(cadre)
    assert (cadre.unit_id, cadre.name, cadre.section_id) == (elsewhere.id, "张三丰", None)
