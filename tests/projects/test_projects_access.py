"""Who sees and changes a project: other units are refused everywhere; readers cannot write; confidential names."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models.base import utcnow
from app.models.project import Attachment, FundsArrival, FundsSource, ProgressUpdate, Project, Stage, StageEvent
from app.models.unit import Unit
from app.models.user import Role
from app.services import files, workdays
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import jpeg_with_exif, make_funds, make_investor, make_lead, make_project, pdf_bytes
from tests.projects.helpers import post_form

TODAY = workdays.today().isoformat()


@dataclass
class World:
    owner: Unit
    other: Unit
    project: Project
    funds: FundsArrival
    photo: Attachment
    secret: Project


def stored_photo(db, files_dir: Path, project: Project) -> Attachment:
    saved = files.save_upload(
        files_dir, jpeg_with_exif(), field="f", max_bytes=10 << 20, max_side=1600, keep_position=False
    )
    row = Attachment(
        project_id=project.id,
        owner_type="project",
        owner_id=project.id,
        kind=saved.kind,
        content_type=saved.content_type,
        size=saved.size,
        sha256=saved.sha256,
        storage_key=saved.storage_key,
        uploaded_at=utcnow(),
    )
    db.add(row)
    db.flush()
    return row


@pytest.fixture
def world(db, files_dir) -> World:
    owner = make_unit(db, name="城关镇人民政府")
    other = make_unit(db, name="河口镇人民政府")
    project = make_project(db, owner, stage=Stage.started, name="智能装备产业园项目")
    funds = make_funds(db, project, 500)
    db.add(ProgressUpdate(project_id=project.id, reported_on=workdays.today(), investment_completed=Decimal(100)))
    photo = stored_photo(db, files_dir, project)
    investor = make_investor(db, name="宁德锐能新能源有限公司")
    secret = make_project(
        db,
        owner,
        stage=Stage.signed,
        name="机密锂电池材料项目",
        code_name="青山01号",
        is_confidential=True,
        investor=investor,
        content="年产2万吨锂电池正极材料",
        lead_id=make_lead(db, owner, investor, project_name="机密锂电池材料项目").id,
    )
    make_funds(db, secret, 300)
    db.commit()
    return World(owner, other, project, funds, photo, secret)


def counts(db, project_id: int) -> tuple[int, ...]:
    db.expire_all()
    rows = [
        db.execute(select(func.count()).select_from(model).where(model.project_id == project_id)).scalar_one()
        for model in (StageEvent, FundsArrival, ProgressUpdate, Attachment)
    ]
    return (*rows, db.get(Project, project_id).version)


def page_writes(w: World) -> list[tuple[str, dict[str, Any], list[Any] | None]]:
    pid = w.project.id
    return [
        (f"/projects/{pid}/edit", {"version": 1, "name": "改名", "kind": "new"}, None),
        (f"/projects/{pid}/stage", {"version": 1, "action": "pause", "reason": "试试"}, None),
        (f"/projects/{pid}/stage", {"version": 1, "action": "forward", "to_stage": "completed"}, None),
        (
            f"/projects/{pid}/progress",
            {"investment_completed": "1", "reported_on": TODAY},
            [("photos", ("a.jpg", jpeg_with_exif((80, 60)), "image/jpeg"))],
        ),
        (
            f"/projects/{pid}/funds",
            {"amount": "9", "source": "in_province", "arrived_on": TODAY},
            [("vouchers", ("a.pdf", pdf_bytes(), "application/pdf"))],
        ),
        (f"/funds/{w.funds.id}/reverse", {"reason": "冲销别人的"}, None),
    ]


def api_calls(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    pid, fid, aid = w.project.id, w.funds.id, w.photo.id
    return [
        ("GET", f"/api/v1/projects/{pid}", {}),
        ("PATCH", f"/api/v1/projects/{pid}", {"json": {"version": 1, "name": "改名"}}),
        ("POST", f"/api/v1/projects/{pid}/stage", {"json": {"version": 1, "action": "pause", "reason": "x"}}),
        ("GET", f"/api/v1/projects/{pid}/funds", {}),
        ("POST", f"/api/v1/projects/{pid}/funds", {"json": {"arrived_on": TODAY, "amount": "1", "source": "foreign"}}),
        ("POST", f"/api/v1/projects/{pid}/funds/{fid}/reverse", {"json": {"reason": "冲销"}}),
        ("GET", f"/api/v1/projects/{pid}/progress", {}),
        ("POST", f"/api/v1/projects/{pid}/progress", {"json": {"investment_completed": "1"}}),
        ("GET", f"/api/v1/projects/{pid}/attachments", {}),
        (
            "POST",
            f"/api/v1/projects/{pid}/attachments",
            {"files": [("files", ("a.pdf", pdf_bytes(), "application/pdf"))]},
        ),
        ("GET", f"/api/v1/projects/{pid}/attachments/{aid}", {}),
    ]


# --- another unit -----------------------------------------------------------------------------------


def test_another_units_clerk_is_refused_every_page_of_the_project(db, world, signed_in):
    outsider = signed_in(make_user(db, world.other))
    before = counts(db, world.project.id)
    pid = world.project.id

    for path in (
        f"/projects/{pid}",
        f"/projects/{pid}/edit",
        f"/projects/{pid}/stage",
        f"/projects/{pid}/progress",
        f"/projects/{pid}/funds",
        f"/files/{world.photo.id}",
    ):
        response = outsider.get(path)
        assert response.status_code == 404, path
        assert "智能装备产业园项目" not in response.text
    for path, data, upload in page_writes(world):
        assert post_form(outsider, path, data, files=upload).status_code == 404, path
    assert (
        post_form(outsider, f"/funds/{world.funds.id}/review", {"version": 1, "decision": "confirm"}).status_code == 403
    )

    assert counts(db, pid) == before
    for listing in ("/projects", f"/projects?unit_id={world.owner.id}", "/projects?q=智能装备"):
        assert "智能装备产业园项目" not in outsider.get(listing).text, listing
    sheet = load_workbook(io.BytesIO(outsider.get("/projects.xlsx").content)).active
    assert sheet.max_row == 1  # the header only


def test_another_units_token_is_refused_every_api_call(client, db, world):
    headers = bearer(make_token(db, world.other))
    db.commit()
    before = counts(db, world.project.id)

    for method, path, extra in api_calls(world):
        response = client.request(method, path, headers=headers, **extra)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "not_found"
    listed = client.get("/api/v1/projects", params={"unit_id": world.owner.id}, headers=headers).json()
    assert listed["total"] == 0 and listed["items"] == []

    assert counts(db, world.project.id) == before


def test_the_introducing_unit_reads_the_project_but_only_the_responsible_unit_changes_it(client, db, world, signed_in):
    introducer = make_unit(db, name="驻深圳招商分队")
    served = make_project(db, introducer, responsible=world.owner, stage=Stage.signed, name="深圳引进的项目")
    clerk = signed_in(make_user(db, introducer))
    headers = bearer(make_token(db, introducer))
    db.commit()

    page = clerk.get(f"/projects/{served.id}")
    assert page.status_code == 200 and "深圳引进的项目" in page.text
    assert f'href="/projects/{served.id}/progress"' not in page.text
    assert clerk.get(f"/projects/{served.id}/progress").status_code == 403
    assert (
        post_form(clerk, f"/projects/{served.id}/stage", {"version": 1, "action": "pause", "reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/projects/{served.id}/progress", json={"investment_completed": "1"}, headers=headers
        ).status_code
        == 403
    )
    assert "深圳引进的项目" in clerk.get("/projects").text


# --- readers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.leader, Role.supervisor])
def test_leaders_and_supervisors_read_but_cannot_change(db, world, signed_in, role):
    reader = signed_in(make_user(db, role=role))
    pid = world.project.id
    before = counts(db, pid)

    page = reader.get(f"/projects/{pid}")
    assert page.status_code == 200 and "智能装备产业园项目" in page.text
    assert f'href="/projects/{pid}/progress"' not in page.text and 'action="/funds/' not in page.text
    assert reader.get(f"/files/{world.photo.id}").status_code == 200
    for path in (f"/projects/{pid}/edit", f"/projects/{pid}/stage", f"/projects/{pid}/progress", "/projects/new"):
        assert reader.get(path).status_code == 403, path
    for path, data, upload in page_writes(world):
        assert post_form(reader, path, data, files=upload).status_code == 403, path
    assert (
        post_form(reader, f"/funds/{world.funds.id}/review", {"version": 1, "decision": "confirm"}).status_code == 403
    )
    assert counts(db, pid) == before


@pytest.mark.parametrize("scoped", [True, False], ids=["unit-read-only", "global-read-only"])
def test_read_only_tokens_read_but_cannot_write(client, db, world, scoped):
    headers = bearer(make_token(db, world.owner if scoped else None, read_only=True))
    db.commit()
    before = counts(db, world.project.id)

    for method, path, extra in api_calls(world):
        response = client.request(method, path, headers=headers, **extra)
        assert response.status_code == (200 if method == "GET" else 403), (method, path, response.text)
    created = client.post(
        "/api/v1/projects", json={"investor_id": world.project.investor_id, "name": "只读令牌建的项目"}, headers=headers
    )
    assert created.status_code == 403

    assert counts(db, world.project.id) == before


# --- confidential projects -----------------------------------------------------------------------------


def test_a_confidential_project_shows_only_its_code_name_to_a_supervisor(db, world, signed_in):
    supervisor = signed_in(make_user(db, role=Role.supervisor))
    sid = world.secret.id

    listing = supervisor.get("/projects").text
    assert "【保密】青山01号" in listing
    page = supervisor.get(f"/projects/{sid}").text
    queue = supervisor.get("/funds/pending").text
    sheet = load_workbook(io.BytesIO(supervisor.get("/projects.xlsx").content)).active
    exported = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    for text in (listing, page, queue, exported):
        assert "锂电池" not in text and "宁德锐能" not in text
    assert "【保密】青山01号" in page and "【保密】青山01号" in queue and "【保密】青山01号" in exported
    assert f"/leads/{world.secret.lead_id}" not in page

    for q in ("锂电池", "宁德锐能", "机密"):  # searching by the real name reveals nothing
        found = supervisor.get(f"/projects?q={q}").text
        assert f'id="project-{sid}"' not in found and "共 0 个项目" in found, q
    assert f'id="project-{sid}"' in supervisor.get("/projects?q=青山01").text


def test_a_confidential_project_shows_only_its_code_name_to_a_global_read_only_token(client, db, world):
    headers = bearer(make_token(db, None, read_only=True))
    db.commit()
    sid = world.secret.id

    shown = client.get(f"/api/v1/projects/{sid}", headers=headers).json()
    assert shown["name"] == "【保密】青山01号"
    assert shown["investor_id"] is None and shown["lead_id"] is None
    items = client.get("/api/v1/projects", headers=headers).json()["items"]
    assert "【保密】青山01号" in [i["name"] for i in items]
    assert "锂电池" not in str(items)
    for q in ("锂电池", "宁德"):
        assert client.get("/api/v1/projects", params={"q": q}, headers=headers).json()["total"] == 0


@pytest.mark.parametrize("who", ["coordinator", "leader", "own clerk"])
def test_a_confidential_project_shows_its_name_to_the_bureau_leaders_and_its_own_unit(db, world, signed_in, who):
    user = make_user(db, world.owner) if who == "own clerk" else make_user(db, role=Role[who])
    reader = signed_in(user)
    sid = world.secret.id

    page = reader.get(f"/projects/{sid}").text
    assert "机密锂电池材料项目" in page and "宁德锐能新能源有限公司" in page
    found = reader.get("/projects?q=锂电池").text
    assert f'id="project-{sid}"' in found


def test_renaming_a_confidential_project_does_not_show_the_names_in_its_history(client, db, world, signed_in):
    headers = bearer(make_token(db, world.owner))
    db.commit()
    sid = world.secret.id
    current = client.get(f"/api/v1/projects/{sid}", headers=headers).json()
    renamed = client.patch(
        f"/api/v1/projects/{sid}",
        json={"version": current["version"], "name": "机密锂电池材料二期项目", "planned_investment": "9000"},
        headers=headers,
    )
    assert renamed.status_code == 200, renamed.text

    supervisor = signed_in(make_user(db, role=Role.supervisor))
    page = supervisor.get(f"/projects/{sid}").text
    assert "锂电池" not in page
    assert "计划总投资（万元）" in page and "9,000.00" in page  # the other changes are still on the timeline
    owner_page = signed_in(make_user(db, world.owner)).get(f"/projects/{sid}").text
    assert "项目名称" in owner_page and "机密锂电池材料二期项目" in owner_page


def test_funds_entered_on_a_confidential_project_appear_in_the_queue_under_the_code_name(db, world, signed_in):
    bureau = signed_in(make_user(db, role=Role.coordinator))
    queue = bureau.get("/funds/pending").text
    assert "机密锂电池材料项目" in queue  # the coordinator sees the real name
    assert FundsSource.out_of_province.label in queue
