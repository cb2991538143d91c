"""Who may see and move awards: another unit's award is not disclosed, unit staff cannot verify,
approve or pay, a unit's token proposes only for its own projects; the public notice prints on A4;
the policies over the API. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from app.models.award import Award, AwardStatus, PolicyKind
from app.models.project import Project, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import awards, workdays
from tests.awards.factories import confirmed_funds, make_budget, make_policy, principal_of
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_project
from tests.projects.helpers import fresh, post_form

D = Decimal
TODAY = workdays.today()


@dataclass
class Two:
    mine: Unit
    theirs: Unit
    staff: User
    other_staff: User
    coordinator: User
    bureau: Principal
    project: Project
    their_project: Project
    policy_id: int


@pytest.fixture
def two(db) -> Two:
    coordinator = make_user(db, make_unit(db, name="县招商局", kind=UnitKind.department), Role.coordinator)
    bureau = principal_of(coordinator)
    mine = make_unit(db, name="城关镇人民政府")
    theirs = make_unit(db, name="青山乡人民政府")
    project = make_project(db, mine, stage=Stage.started, reached=TODAY - timedelta(days=60))
    their_project = make_project(db, theirs, stage=Stage.started, reached=TODAY - timedelta(days=60))
    confirmed_funds(db, project, bureau, "2000", TODAY - timedelta(days=10))
    confirmed_funds(db, their_project, bureau, "1000", TODAY - timedelta(days=10))
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, name="到位资金奖励", recipients=["unit"])
    make_budget(db, TODAY.year, 1000000)
    two = Two(
        mine, theirs, make_user(db, mine), make_user(db, theirs), coordinator, bureau, project, their_project, policy.id
    )
    db.commit()
    return two


def propose(db, two: Two, project: Project) -> Award:
    [award] = awards.propose(db, two.bureau, policy_id=two.policy_id, project_id=project.id)
    db.commit()
    return award


def step(client, db, award_id: int, name: str, **data) -> object:
    return post_form(
        client, f"/awards/{award_id}/step", {"step": name, "version": fresh(db, Award, award_id).version, **data}
    )


# --- another unit's award ---------------------------------------------------------------------


def test_another_units_award_is_not_found_on_the_page_or_the_api(db, two, signed_in):
    theirs = propose(db, two, two.their_project)
    mine = propose(db, two, two.project)
    clerk = signed_in(two.staff)
    assert clerk.get(f"/awards/{theirs.id}").status_code == 404
    assert clerk.get(f"/awards/{mine.id}").status_code == 200
    listing = clerk.get("/awards").text
    assert f"/awards/{mine.id}" in listing and f'/awards/{theirs.id}"' not in listing

    token = make_token(db, two.mine)
    db.commit()
    assert clerk.get(f"/api/v1/awards/{theirs.id}", headers=bearer(token)).status_code == 404
    body = clerk.get(f"/api/v1/awards/{mine.id}", headers=bearer(token)).json()
    assert (body["amount"], body["recipient_name"]) == ("100000.00", "城关镇人民政府")  # 2,000万 ÷ 10万 × 500
    listed = clerk.get("/api/v1/awards", headers=bearer(token)).json()
    assert [a["id"] for a in listed["items"]] == [mine.id] and listed["total"] == 1


def test_the_projects_own_unit_sees_awards_to_its_people(db, two, signed_in):
    from app.models.award import RecipientType

    awards.set_credits(
        db,
        two.bureau,
        two.project.id,
        [awards.CreditInput(RecipientType.staff, "张干部", D(100), user_id=two.staff.id)],
    )
    staff_policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "300"}, recipients=["staff"])
    # applied by the bureau, paid to a person: no unit on the award itself
    [award] = awards.propose(db, two.bureau, policy_id=staff_policy.id, project_id=two.project.id)
    db.commit()
    assert (award.applicant_unit_id, award.recipient_unit_id) != (two.mine.id, two.mine.id)
    mine = signed_in(two.staff)
    assert mine.get(f"/awards/{award.id}").status_code == 200
    assert f"/awards/{award.id}" in mine.get("/awards").text
    theirs = signed_in(two.other_staff)
    assert theirs.get(f"/awards/{award.id}").status_code == 404
    assert f"/awards/{award.id}" not in theirs.get("/awards").text


def test_unit_staff_cannot_verify_approve_or_pay(db, two, signed_in):
    award = propose(db, two, two.project)
    clerk = signed_in(two.staff)
    assert step(clerk, db, award.id, "verify", verify_note="自己核查").status_code == 403
    assert step(clerk, db, award.id, "reject", reject_reason="撤回").status_code == 403
    awards.verify(db, two.bureau, award.id, award.version, "已核对")
    awards.start_notice(db, two.bureau, award.id, award.version)
    db.commit()
    db.execute(
        update(Award)
        .where(Award.id == award.id)
        .values(notice_from=TODAY - timedelta(days=9), notice_to=TODAY - timedelta(days=3))
    )
    db.commit()
    assert step(clerk, db, award.id, "approve").status_code == 403
    assert fresh(db, Award, award.id).status is AwardStatus.notice
    awards.approve(db, two.bureau, award.id, fresh(db, Award, award.id).version)
    db.commit()
    assert step(clerk, db, award.id, "pay", paid_on=TODAY.isoformat(), voucher_no="QS-1").status_code == 403
    assert fresh(db, Award, award.id).status is AwardStatus.approved
    page = clerk.get(f"/awards/{award.id}").text
    assert 'value="pay"' not in page and 'value="approve"' not in page  # no buttons the clerk may not press


def test_a_leader_reads_awards_but_moves_nothing(db, two, signed_in):
    award = propose(db, two, two.project)
    leader = signed_in(make_user(db, two.mine, Role.leader))
    assert leader.get(f"/awards/{award.id}").status_code == 200
    assert step(leader, db, award.id, "verify", verify_note="看过").status_code == 403


# --- proposing over the API -------------------------------------------------------------------


def test_a_unit_token_proposes_for_its_own_project_only(db, two, client):
    token = make_token(db, two.mine)
    read_only = make_token(db, two.mine, read_only=True)
    db.commit()
    headers = {**bearer(token), "Idempotency-Key": uuid.uuid4().hex}
    created = client.post(
        "/api/v1/awards", json={"policy_id": two.policy_id, "project_id": two.project.id}, headers=headers
    )
    assert created.status_code == 201, created.text
    [award] = created.json()
    assert (award["amount"], award["status"], award["applicant_unit_id"]) == ("100000.00", "proposed", two.mine.id)
    assert "2,000.00 万元 ÷ 10 万元 × 500.00 元 = 100,000.00 元" in award["calculation"]

    other = client.post(
        "/api/v1/awards", json={"policy_id": two.policy_id, "project_id": two.their_project.id}, headers=bearer(token)
    )
    assert other.status_code == 404
    reader = client.post(
        "/api/v1/awards", json={"policy_id": two.policy_id, "project_id": two.project.id}, headers=bearer(read_only)
    )
    assert reader.status_code == 403
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Award)).scalar_one() == 1

    again = client.post(
        "/api/v1/awards", json={"policy_id": two.policy_id, "project_id": two.project.id}, headers=bearer(token)
    )
    assert again.status_code == 422 and "已按本政策申报过" in again.text


def test_unit_staff_propose_on_the_page_for_their_own_project_only(db, two, signed_in):
    clerk = signed_in(two.staff)
    own = post_form(clerk, "/awards", {"policy_id": two.policy_id, "project_id": two.project.id})
    assert own.status_code == 303
    theirs = post_form(clerk, "/awards", {"policy_id": two.policy_id, "project_id": two.their_project.id})
    assert theirs.status_code == 404
    db.expire_all()
    assert [a.project_id for a in db.execute(select(Award)).scalars()] == [two.project.id]


def test_only_the_bureau_names_honours_and_sets_policies_and_budgets(db, two, signed_in):
    honour = make_policy(db, PolicyKind.honour, {"title": "十佳引资功臣", "amount": "10000"}, recipients=["staff"])
    db.commit()
    clerk = signed_in(two.staff)
    named = post_form(clerk, "/awards", {"policy_id": honour.id, "recipient_name": "自己", "recipient_type": "staff"})
    assert named.status_code == 403
    policy = post_form(clerk, "/awards/policies", {"name": "我的政策", "kind": "honour", "params": '{"amount": "1"}'})
    assert policy.status_code == 403
    assert post_form(clerk, "/awards/budget", {"year": TODAY.year, "total": "99999999"}).status_code == 403
    assert awards.budget(db, TODAY.year).total == D("1000000.00")

    bureau = signed_in(two.coordinator)
    response = post_form(
        bureau, "/awards", {"policy_id": honour.id, "recipient_name": "李春燕", "recipient_type": "staff"}
    )
    assert response.status_code == 303
    assert "10,000.00 元" in bureau.get(response.headers["location"]).text


# --- the public notice ------------------------------------------------------------------------


def test_the_public_notice_prints_on_a4_and_lists_only_awards_in_notice(db, two, signed_in):
    in_notice = propose(db, two, two.project)
    awards.verify(db, two.bureau, in_notice.id, in_notice.version, "已核对")
    awards.start_notice(db, two.bureau, in_notice.id, in_notice.version)
    only_verified = propose(db, two, two.their_project)
    awards.verify(db, two.bureau, only_verified.id, only_verified.version, "已核对")
    db.commit()

    viewer = signed_in(two.other_staff)  # a notice is public: any unit sees it
    response = viewer.get("/awards/notice")
    assert response.status_code == 200
    html = response.text
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheet and 'class="a4"' in html
    css = viewer.get(stylesheet.group(1)).text
    assert re.search(r"@media print\s*\{[^}]*@page\s*\{\s*size:\s*A4", css)
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", html, flags=re.S)
    assert len(rows) == 1
    assert "城关镇人民政府" in rows[0] and "100,000.00" in rows[0]  # 2,000万 ÷ 10万 × 500
    assert f"{TODAY} 至 {TODAY + timedelta(days=6)}" in rows[0]
    assert "50,000.00" not in html  # the other unit's verified award is not yet on notice


# --- policies over the API --------------------------------------------------------------------


def test_policies_and_their_versions_over_the_api(db, two, client):
    awards.add_version(
        db,
        two.bureau,
        two.policy_id,
        effective_from=date(2026, 1, 1),
        params={"yuan_per_10k": "800", "cap_per_project": "200000"},
        recipients=["unit", "introducer"],
        exclusions=["duty_official"],
        claim_window_days=365,
    )
    token = make_token(db, two.theirs, read_only=True)
    db.commit()
    response = client.get("/api/v1/policies", headers=bearer(token))
    assert response.status_code == 200
    [policy] = response.json()
    assert (policy["name"], policy["kind"], policy["is_active"]) == ("到位资金奖励", "per_funds", True)
    first, second = policy["versions"]
    assert (first["number"], first["effective_from"], first["effective_to"]) == (1, "2020-01-01", "2025-12-31")
    assert first["params"] == {"yuan_per_10k": "500"}
    assert (second["number"], second["effective_to"], second["claim_window_days"]) == (2, None, 365)
    assert (second["recipients"], second["exclusions"]) == ("unit,introducer", "duty_official")
    assert client.get("/api/v1/policies").status_code == 401
    assert client.get(f"/api/v1/policies/{two.policy_id}", headers=bearer(token)).json()["name"] == "到位资金奖励"
    assert client.get("/api/v1/policies/999999", headers=bearer(token)).status_code == 404


def test_two_officials_setting_a_projects_credit_from_the_same_page_the_second_is_told(db, two, signed_in):
    """Both opened the credit page at the same version: the first split is saved, the second is answered
    409 with what was typed kept and the page at the new version, and the first split stands."""
    bureau = signed_in(two.coordinator)
    page = bureau.get(f"/awards/projects/{two.project.id}")
    opened = re.search(r'name="version" value="(\d+)"', page.text)
    assert opened, "the credit form carries the project's version"
    form = {"version": opened.group(1), "party_0": "unit", "name_0": "城关镇", "unit_0": two.mine.id, "share_0": "100"}
    first = post_form(bureau, f"/awards/projects/{two.project.id}/credit", form)
    assert first.status_code == 303

    second = post_form(
        bureau,
        f"/awards/projects/{two.project.id}/credit",
        form | {"share_0": "90", "name_1": "青山乡", "party_1": "unit", "unit_1": two.theirs.id, "share_1": "10"},
    )

    assert second.status_code == 409
    assert "已被他人修改" in second.text and 'value="90"' in second.text
    assert f'name="version" value="{int(opened.group(1)) + 1}"' in second.text
    assert [(c.name, c.share) for c in awards.credits(db, fresh(db, Project, two.project.id))] == [("城关镇", D(100))]
