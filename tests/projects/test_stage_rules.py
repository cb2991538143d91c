"""The stage line's rules: forward (skipping), back, pause, resume, terminate, evidence, pre-review, stale versions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.models.project import NegativeReason, PrereviewResult, ProjectStatus, Stage
from app.models.user import Role
from app.services import workdays
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import jpeg_with_exif, make_lost_reason, make_project, pdf_bytes
from tests.projects.helpers import api_stage, audit_entries, pass_gate, post_form, project, stage_events

TODAY = workdays.today()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.fixture
def unit(db):
    return make_unit(db)


@pytest.fixture
def headers(db, unit):
    return bearer(make_token(db, unit))


def message(response) -> str:
    return " ".join(d["message"] for d in response.json().get("details") or [response.json()])


# --- forward ---------------------------------------------------------------------------------


def test_moving_forward_over_skipped_stages_records_them_as_reached_the_same_day(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.negotiating, reached=days_ago(50))
    pass_gate(db, p.id)

    moved = api_stage(
        client, headers, p.id, to_stage="signed", happened_on=days_ago(20).isoformat(), contract_no="HT-7"
    )

    assert moved.status_code == 200, moved.text
    stored = project(db, p.id)
    assert stored.stage is Stage.signed and stored.stage_since == days_ago(20)
    assert stored.negotiating_on == days_ago(50)
    assert stored.intent_on == stored.signed_on == days_ago(20)
    assert stored.landed_on is None
    [event] = stage_events(db, p.id)
    assert (event.action, event.from_stage, event.to_stage, event.happened_on) == (
        "forward",
        Stage.negotiating,
        Stage.signed,
        days_ago(20),
    )


def test_the_date_of_a_move_defaults_to_today(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.negotiating)
    db.commit()

    assert api_stage(client, headers, p.id, to_stage="intent").status_code == 200

    stored = project(db, p.id)
    assert stored.intent_on == stored.stage_since == TODAY


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"to_stage": "negotiating"}, "to_stage", "之后的阶段"),
        ({"to_stage": "packaged"}, "to_stage", "之后的阶段"),
        ({"to_stage": "intent", "happened_on": days_ago(31).isoformat()}, "happened_on", "不能早于"),
        ({"to_stage": "intent", "happened_on": (TODAY + timedelta(days=1)).isoformat()}, "happened_on", "晚于今天"),
        ({}, "__all__", "请选择阶段"),
    ],
    ids=["same", "earlier", "before-current", "future", "no-stage"],
)
def test_a_forward_move_that_makes_no_sense_is_refused_and_changes_nothing(
    client, db, unit, headers, body, field, words
):
    p = make_project(db, unit, stage=Stage.negotiating, reached=days_ago(30))
    db.commit()

    refused = api_stage(client, headers, p.id, **body)

    assert refused.status_code == 422, refused.text
    assert words in message(refused)
    assert field in {d["field"] for d in refused.json()["details"]}
    stored = project(db, p.id)
    assert stored.stage is Stage.negotiating and stored.version == p.version
    assert stage_events(db, p.id) == []


# --- back --------------------------------------------------------------------------------------


def test_moving_back_needs_a_reason_and_clears_the_later_dates(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.started, reached=days_ago(40))
    db.commit()

    refused = api_stage(client, headers, p.id, action="back", to_stage="intent")
    assert refused.status_code == 422 and "须说明原因" in message(refused)
    assert project(db, p.id).stage is Stage.started

    moved = api_stage(
        client,
        headers,
        p.id,
        action="back",
        to_stage="intent",
        reason="企业要求重新谈判供地条件",
        happened_on=days_ago(3).isoformat(),
    )

    assert moved.status_code == 200, moved.text
    stored = project(db, p.id)
    assert stored.stage is Stage.intent and stored.stage_since == days_ago(3)
    assert stored.intent_on == days_ago(40)  # the earlier stages keep their dates
    assert (stored.signed_on, stored.landed_on, stored.started_on) == (None, None, None)
    [event] = stage_events(db, p.id)
    assert (event.action, event.reason) == ("back", "企业要求重新谈判供地条件")
    assert audit_entries(db, "project", p.id)[-1].reason == "企业要求重新谈判供地条件"


def test_moving_back_to_a_stage_never_dated_dates_it(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.signed, reached=days_ago(40), negotiating_on=None, intent_on=None)
    db.commit()

    moved = api_stage(client, headers, p.id, action="back", to_stage="negotiating", reason="合同解除，重新洽谈")

    assert moved.status_code == 200
    stored = project(db, p.id)
    assert stored.negotiating_on == TODAY and stored.signed_on is None


def test_moving_back_is_only_to_an_earlier_stage(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.intent)
    db.commit()

    refused = api_stage(client, headers, p.id, action="back", to_stage="signed", reason="误操作")

    assert refused.status_code == 422 and "之前的阶段" in message(refused)


# --- pause, resume, terminate --------------------------------------------------------------------


def test_pausing_needs_a_reason_stops_forward_moves_until_resumed(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.intent, reached=days_ago(10))
    pass_gate(db, p.id)

    assert api_stage(client, headers, p.id, action="pause").status_code == 422
    paused = api_stage(client, headers, p.id, action="pause", reason="双方条件暂不具备")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    blocked = api_stage(client, headers, p.id, to_stage="signed")
    assert blocked.status_code == 422 and "请先恢复" in message(blocked)
    assert api_stage(client, headers, p.id, action="pause", reason="再次暂停").status_code == 422

    resumed = api_stage(client, headers, p.id, action="resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    assert api_stage(client, headers, p.id, to_stage="signed", contract_no="HT-2026-03").status_code == 200
    assert [e.action for e in stage_events(db, p.id)] == ["pause", "resume", "forward"]
    assert stage_events(db, p.id)[0].reason == "双方条件暂不具备"


def test_terminating_before_landing_needs_a_lost_reason_from_the_coordinators_list(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.signed)
    reason = make_lost_reason(db, "被其他地区以更优条件引走")
    retired = make_lost_reason(db, "已停用的原因", is_active=False)
    db.commit()

    no_reason = api_stage(client, headers, p.id, action="terminate")
    assert no_reason.status_code == 422 and "须说明原因" in message(no_reason)
    no_lost = api_stage(client, headers, p.id, action="terminate", reason="企业决定落户邻县")
    assert no_lost.status_code == 422 and "流失原因" in message(no_lost)
    assert (
        api_stage(client, headers, p.id, action="terminate", reason="x", lost_reason_id=retired.id).status_code == 422
    )
    assert api_stage(client, headers, p.id, action="terminate", reason="x", lost_reason_id=999999).status_code == 422
    assert project(db, p.id).status is ProjectStatus.active

    done = api_stage(client, headers, p.id, action="terminate", reason="企业决定落户邻县", lost_reason_id=reason.id)

    assert done.status_code == 200 and done.json()["status"] == "terminated"
    stored = project(db, p.id)
    assert stored.lost_reason_id == reason.id and stored.stage is Stage.signed
    for body in ({"to_stage": "landed"}, {"action": "resume"}, {"action": "terminate", "reason": "再终止"}):
        assert api_stage(client, headers, p.id, **body).status_code == 422, body
    assert api_stage(client, headers, p.id, action="back", to_stage="intent", reason="重开").status_code == 422


def test_terminating_after_landing_needs_only_a_reason(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.started)
    db.commit()

    done = api_stage(client, headers, p.id, action="terminate", reason="企业违约，收回土地")

    assert done.status_code == 200
    stored = project(db, p.id)
    assert stored.status is ProjectStatus.terminated and stored.lost_reason_id is None


def test_the_stage_page_offers_the_lost_reasons_and_says_what_is_missing(client, db, unit):
    from tests.conftest import login
    from tests.factories import PASSWORD

    clerk = make_user(db, unit)
    p = make_project(db, unit, stage=Stage.intent)
    reason = make_lost_reason(db, "企业资金链问题")
    db.commit()
    login(client, clerk.username, PASSWORD)

    form = client.get(f"/projects/{p.id}/stage")
    assert "企业资金链问题" in form.text
    refused = post_form(
        client,
        f"/projects/{p.id}/stage",
        {"version": p.version, "action": "terminate", "reason": "企业放弃", "happened_on": TODAY.isoformat()},
    )
    assert refused.status_code == 422
    assert "未落地即终止的项目须选择流失原因" in refused.text
    done = post_form(
        client,
        f"/projects/{p.id}/stage",
        {"version": p.version, "action": "terminate", "reason": "企业放弃", "lost_reason_id": reason.id},
    )
    assert done.status_code == 303
    assert project(db, p.id).status is ProjectStatus.terminated


# --- evidence for "started" ---------------------------------------------------------------------


def test_construction_started_needs_a_permit_number(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.landed)
    db.commit()

    refused = api_stage(client, headers, p.id, to_stage="started")
    assert refused.status_code == 422 and "施工许可证号，或上传带日期的现场照片" in message(refused)
    skipping = api_stage(client, headers, p.id, to_stage="completed")  # skipping over "started" needs it too
    assert skipping.status_code == 422

    started = api_stage(client, headers, p.id, to_stage="started", permit_no="430102202600123")

    assert started.status_code == 200
    assert stage_events(db, p.id)[-1].permit_no == "430102202600123"


def test_construction_started_with_a_site_photo_from_the_phone(client, db, unit):
    from tests.conftest import login
    from tests.factories import PASSWORD

    clerk = make_user(db, unit)
    p = make_project(db, unit, stage=Stage.signed)
    db.commit()
    login(client, clerk.username, PASSWORD)
    data = {"version": p.version, "action": "forward", "to_stage": "started", "happened_on": TODAY.isoformat()}

    without = post_form(client, f"/projects/{p.id}/stage", data)
    assert without.status_code == 422 and "施工许可证号，或上传带日期的现场照片" in without.text
    a_pdf = post_form(
        client, f"/projects/{p.id}/stage", data, files=[("evidence", ("permit.pdf", pdf_bytes(), "application/pdf"))]
    )
    assert a_pdf.status_code == 422  # a document is not a site photo

    started = post_form(
        client, f"/projects/{p.id}/stage", data, files=[("evidence", ("site.jpg", jpeg_with_exif(), "image/jpeg"))]
    )

    assert started.status_code == 303, started.text[:500]
    stored = project(db, p.id)
    assert stored.stage is Stage.started and stored.landed_on == stored.started_on == TODAY
    page = client.get(f"/projects/{p.id}")
    assert 'alt="现场照片' in page.text


def test_the_coordinator_can_turn_the_evidence_rule_off_and_on_per_stage(client, db, unit, headers, signed_in):
    coordinator = make_user(db, role=Role.coordinator)
    first = make_project(db, unit, stage=Stage.landed)
    second = make_project(db, unit, stage=Stage.intent)
    pass_gate(db, second.id)
    bureau = signed_in(coordinator)

    assert post_form(bureau, "/admin/settings", {"stage_evidence.started": "0"}).status_code == 303
    assert api_stage(client, headers, first.id, to_stage="started").status_code == 200  # no evidence needed now

    assert post_form(bureau, "/admin/settings", {"stage_evidence.signed": "1"}).status_code == 303
    refused = api_stage(client, headers, second.id, to_stage="signed")
    assert refused.status_code == 422 and "进入“正式签约”须上传证明文件" in message(refused)
    contract = client.post(
        f"/api/v1/projects/{second.id}/attachments",
        files=[("files", ("合同.pdf", pdf_bytes(), "application/pdf"))],
        headers=headers,
    ).json()[0]
    signed = api_stage(client, headers, second.id, to_stage="signed", attachment_ids=[contract["id"]])
    assert signed.status_code == 200, signed.text
    listed = client.get(f"/api/v1/projects/{second.id}/attachments", headers=headers).json()
    assert [(a["id"], a["owner_type"]) for a in listed] == [(contract["id"], "stage_event")]
    again = api_stage(client, headers, second.id, to_stage="landed", attachment_ids=[contract["id"]])
    assert again.status_code == 422  # a file serves as evidence for one record only


# --- pre-review ----------------------------------------------------------------------------------


def test_a_project_rejected_in_pre_review_cannot_be_signed(client, db, unit, headers):
    p = make_project(
        db,
        unit,
        stage=Stage.negotiating,
        prereview=PrereviewResult.rejected,
        prereview_reason=NegativeReason.land_only,
    )
    db.commit()

    for target in ("signed", "landed", "started"):
        refused = api_stage(client, headers, p.id, to_stage=target, permit_no="x1")
        assert refused.status_code == 422 and "预审否决（以投资为名圈占土地）" in message(refused), target
    assert api_stage(client, headers, p.id, to_stage="intent").status_code == 200
    assert project(db, p.id).stage is Stage.intent


def test_pre_review_rejection_is_refused_for_a_signed_project_and_at_creation(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.signed)
    investor_id = p.investor_id
    db.commit()
    current = client.get(f"/api/v1/projects/{p.id}", headers=headers).json()

    edit = client.patch(
        f"/api/v1/projects/{p.id}",
        json={
            "version": current["version"],
            "name": current["name"],
            "prereview": "rejected",
            "prereview_reason": "land_only",
        },
        headers=headers,
    )
    assert edit.status_code == 422 and "预审结果由各预审部门的意见得出" in message(edit)  # derived, not typed
    created = client.post(
        "/api/v1/projects",
        json={
            "investor_id": investor_id,
            "name": "圈地项目",
            "stage": "signed",
            "prereview": "rejected",
            "prereview_reason": "land_only",
        },
        headers=headers,
    )
    assert created.status_code == 422 and "新建在正式签约及以后的项目须预审通过" in message(created)
    no_reason = client.post(
        "/api/v1/projects",
        json={"investor_id": investor_id, "name": "无理由否决", "prereview": "rejected"},
        headers=headers,
    )
    assert no_reason.status_code == 422 and "负面清单" in message(no_reason)


# --- stale versions ------------------------------------------------------------------------------


def test_a_stage_change_or_edit_on_a_stale_version_gets_409_and_changes_nothing(client, db, unit, headers):
    p = make_project(db, unit, stage=Stage.negotiating)
    db.commit()
    stale = p.version
    assert api_stage(client, headers, p.id, to_stage="intent", version=stale).status_code == 200

    late = api_stage(client, headers, p.id, to_stage="signed", version=stale)
    edit = client.patch(f"/api/v1/projects/{p.id}", json={"version": stale, "name": "改名"}, headers=headers)

    for response in (late, edit):
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["code"] == "version_conflict" and body["details"]["your_version"] == stale
    stored = project(db, p.id)
    assert stored.stage is Stage.intent and stored.name == p.name
    assert len(stage_events(db, p.id)) == 1


def test_the_stage_page_on_a_stale_version_explains_and_a_second_try_works(client, db, unit, headers):
    from tests.conftest import login
    from tests.factories import PASSWORD

    clerk = make_user(db, unit)
    p = make_project(db, unit, stage=Stage.negotiating)
    pass_gate(db, p.id)
    login(client, clerk.username, PASSWORD)
    form = client.get(f"/projects/{p.id}/stage")
    assert f'name="version" value="{p.version}"' in form.text
    assert api_stage(client, headers, p.id, to_stage="intent").status_code == 200  # someone else, meanwhile

    data = {
        "version": p.version,
        "action": "forward",
        "to_stage": "signed",
        "happened_on": TODAY.isoformat(),
        "contract_no": "HT-2026-11",
    }
    conflict = post_form(client, f"/projects/{p.id}/stage", data)

    assert conflict.status_code == 409
    assert "这条记录在您编辑期间已被他人修改" in conflict.text
    assert project(db, p.id).stage is Stage.intent
    current = project(db, p.id).version
    assert f'name="version" value="{current}"' in conflict.text  # having seen the change, one may save again
    again = post_form(client, f"/projects/{p.id}/stage", {**data, "version": current})
    assert again.status_code == 303
    assert project(db, p.id).stage is Stage.signed


def test_the_edit_page_on_a_stale_version_keeps_what_was_typed(client, db, unit, headers):
    from tests.conftest import login
    from tests.factories import PASSWORD

    clerk = make_user(db, unit)
    p = make_project(db, unit, stage=Stage.intent, name="原来的名称")
    db.commit()
    login(client, clerk.username, PASSWORD)
    stale = p.version
    current = client.get(f"/api/v1/projects/{p.id}", headers=headers).json()
    other = client.patch(
        f"/api/v1/projects/{p.id}",
        json={"version": stale, "name": current["name"], "planned_investment": "900"},
        headers=headers,
    )
    assert other.status_code == 200

    conflict = post_form(
        client,
        f"/projects/{p.id}/edit",
        {
            "version": stale,
            "name": "我改的名称",
            "kind": "new",
            "sector": "secondary",
            "category": "industrial",
            "prereview": "pending",
        },
    )

    assert conflict.status_code == 409
    assert "已被他人修改" in conflict.text and 'value="我改的名称"' in conflict.text
    assert project(db, p.id).name == "原来的名称"
