"""引荐人备案 on the server's date: eligibility reads the registration date (only a registration
before signing counts), so unit staff cannot choose it, on the page or over the API; only the
coordinator may record an earlier date (补登), with a reason the audit keeps. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import Invalid
from app.models.audit import AuditEntry
from app.models.award import IntroducerRegistration, RecipientType
from app.models.project import Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.services import awards, workdays
from tests.awards.factories import principal_of
from tests.factories import bearer, make_token, make_unit, make_user
from tests.leads.conftest import text_of
from tests.projects.factories import make_project
from tests.projects.helpers import post_form

TODAY = workdays.today()
SIGNED = TODAY - timedelta(days=30)
TYPED = TODAY - timedelta(days=60)  # a date before signing, as a client might type it


@pytest.fixture
def world(db):
    unit = make_unit(db, name="城关镇人民政府")
    project = make_project(db, unit, stage=Stage.signed, reached=SIGNED)
    staff = make_user(db, unit)
    coordinator = make_user(db, make_unit(db, name="县招商局", kind=UnitKind.department), Role.coordinator)
    return unit, project, staff, coordinator


def registrations(db, project_id: int) -> list[IntroducerRegistration]:
    db.expire_all()
    return list(
        db.execute(select(IntroducerRegistration).where(IntroducerRegistration.project_id == project_id)).scalars()
    )


def form(**values: str) -> dict[str, str]:
    base = {"kind": "person", "name": "王引荐", "phone": "", "investor_confirmed": "on"}
    return {**base, "investor_confirmation": "客商李总电话确认", **values}


def credited(db, coordinator, project_id: int, registration_id: int) -> None:
    awards.set_credits(
        db,
        principal_of(coordinator),
        project_id,
        [awards.CreditInput(RecipientType.introducer, "王引荐", Decimal(100), introducer_id=registration_id)],
    )


def test_unit_staff_cannot_backdate_a_registration_on_the_page(db, signed_in, world):
    _unit, project, staff, _coordinator = world
    clerk = signed_in(staff)
    path = f"/awards/projects/{project.id}/introducers"

    backdated = post_form(clerk, path, form(registered_on=TYPED.isoformat()))
    assert backdated.status_code == 422
    assert "不能自选" in text_of(backdated.text) and 'id="e-registered_on"' in backdated.text
    assert registrations(db, project.id) == []

    # without a date the registration is today's: after signing, so it is refused and nobody is eligible
    today = post_form(clerk, path, form())
    assert today.status_code == 422 and "签约后不能再备案" in text_of(today.text)
    assert registrations(db, project.id) == []
    page = clerk.get(f"/awards/projects/{project.id}")
    assert 'name="registered_on"' not in page.text and f"备案日期：<strong>{TODAY}</strong>" in page.text


def test_unit_tokens_cannot_backdate_a_registration_over_the_api(db, client, world):
    unit, project, _staff, _coordinator = world
    token = make_token(db, unit)
    db.commit()
    body = {"name": "王引荐", "investor_confirmed": True, "investor_confirmation": "客商李总电话确认"}
    url = f"/api/v1/projects/{project.id}/introducers"

    backdated = client.post(url, json={**body, "registered_on": TYPED.isoformat()}, headers=bearer(token))
    assert backdated.status_code == 422, backdated.text
    assert backdated.json()["field"] == "registered_on" and "不能自选" in backdated.json()["details"][0]["message"]
    today = client.post(url, json=body, headers=bearer(token))
    assert today.status_code == 422 and "签约后不能再备案" in today.json()["details"][0]["message"]
    assert registrations(db, project.id) == []

    # before signing, the same call registers on the server's date
    early = make_project(db, unit, stage=Stage.negotiating)
    db.commit()
    made = client.post(f"/api/v1/projects/{early.id}/introducers", json=body, headers=bearer(token))
    assert made.status_code == 201, made.text
    assert made.json()["registered_on"] == TODAY.isoformat() and made.json()["is_first"] is True


def test_a_backdated_registration_by_staff_does_not_make_the_introducer_eligible(db, world):
    _unit, project, staff, coordinator = world
    with pytest.raises(Invalid) as caught:
        awards.register_introducer(
            db,
            principal_of(staff),
            project.id,
            kind="person",
            name="王引荐",
            phone="",
            investor_confirmed=True,
            confirmation="客商确认",
            registered_on=TYPED,
        )
    assert "registered_on" in caught.value.errors
    with pytest.raises(Invalid) as refused:
        credited(db, coordinator, project.id, 10**6)  # nothing registered: nobody to credit
    assert "首个备案" in refused.value.errors["shares"]


def test_the_coordinator_backdates_with_a_reason_and_the_audit_keeps_it(db, signed_in, world):
    _unit, project, _staff, coordinator = world
    bureau = signed_in(coordinator)
    path = f"/awards/projects/{project.id}/introducers"

    for headers in ({}, {"HX-Request": "true"}):
        no_reason = bureau.post(
            path,
            data={"csrf_token": _csrf(bureau, project.id), **form(registered_on=TYPED.isoformat())},
            headers=headers,
        )
        assert no_reason.status_code == 422
        assert 'id="e-backdate_reason"' in no_reason.text and "须写明理由" in text_of(no_reason.text)
        assert 'value="王引荐"' in no_reason.text  # what was typed is kept
    assert registrations(db, project.id) == []
    entries_before = db.execute(select(func.count()).select_from(AuditEntry)).scalar_one()

    reason = "原始备案表 2 月已交招商局，系统补录"
    done = post_form(bureau, path, form(registered_on=TYPED.isoformat(), backdate_reason=reason))
    assert done.status_code == 303, done.text[:500]
    [reg] = registrations(db, project.id)
    assert (reg.registered_on, reg.is_first) == (TYPED, True)
    entry = db.execute(
        select(AuditEntry).where(AuditEntry.entity == "introducer_registration", AuditEntry.entity_id == str(reg.id))
    ).scalar_one()
    assert reason in entry.reason and str(TYPED) in entry.reason and entry.actor_user_id == coordinator.id
    assert db.execute(select(func.count()).select_from(AuditEntry)).scalar_one() > entries_before
    credited(db, coordinator, project.id, reg.id)  # registered before signing: eligible


def test_no_one_registers_in_the_future(db, world):
    unit, _project, _staff, coordinator = world
    early = make_project(db, unit, stage=Stage.negotiating)
    with pytest.raises(Invalid) as caught:
        awards.register_introducer(
            db,
            principal_of(coordinator),
            early.id,
            kind="person",
            name="王引荐",
            phone="",
            investor_confirmed=True,
            confirmation="客商确认",
            registered_on=TODAY + timedelta(days=1),
            backdate_reason="提前登记",
        )
    assert "不能晚于今天" in caught.value.errors["registered_on"]


def _csrf(client, project_id: int) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get(f"/awards/projects/{project_id}").text)
