"""A refused upload leaves nothing on disk; files nothing references are swept after a grace period.

Before: the file was stored first and the right to write checked afterwards, so a read-only token,
another unit's staff, a refused ticket action or a form with a bad amount each left a file (up to
40 MiB a request) that no row named.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.config import BASE_DIR
from app.models.project import Attachment, ProjectStatus, Stage
from app.models.ticket import TicketPhoto
from app.models.unit import UnitKind
from app.models.user import Role
from app.schemas.tickets import TicketCreate, TicketRoute
from app.services import files, system, tickets, workdays
from tests.conftest import create_sqlite_database, page_csrf
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import jpeg_with_exif, make_project, pdf_bytes
from tests.projects.helpers import post_form
from tests.tickets.conftest import as_principal, category
from tests.tickets.factories import jpeg_bytes, load_calendar_2026

TODAY = workdays.today()


def on_disk(files_dir: Path) -> set[str]:
    """Every file in the storage folder (temporary parts too), as keys relative to it."""
    if not files_dir.exists():
        return set()
    return {p.relative_to(files_dir).as_posix() for p in files_dir.rglob("*") if p.is_file()}


def referenced(db: Session) -> set[str]:
    db.expire_all()
    keys = set(db.execute(select(Attachment.storage_key)).scalars())
    return keys | set(db.execute(select(TicketPhoto.storage_key)).scalars())


@pytest.fixture
def unit(db):
    return make_unit(db)


@pytest.fixture
def site(db, unit):
    return make_project(db, unit, stage=Stage.started)


def progress(client, project_id: int, photo: bytes, **extra: str):
    return post_form(
        client,
        f"/projects/{project_id}/progress",
        {"investment_completed": "300", "built": "厂房基础施工", "reported_on": TODAY.isoformat(), **extra},
        files=[("photos", ("IMG_0001.jpg", photo, "image/jpeg"))],
    )


def funds(client, project_id: int, amount: str = "120"):
    return post_form(
        client,
        f"/projects/{project_id}/funds",
        {"amount": amount, "source": "out_of_province", "arrived_on": TODAY.isoformat()},
        files=[("vouchers", ("回单.pdf", pdf_bytes(), "application/pdf"))],
    )


def api_upload(client, project_id: int, headers: dict[str, str], photo: bytes | None = None):
    photo = photo or jpeg_with_exif((320, 240))
    return client.post(
        f"/api/v1/projects/{project_id}/attachments",
        files=[("files", ("site.jpg", photo, "image/jpeg"))],
        headers=headers,
    )


# --- the right to write is checked before anything is stored ----------------------------------


def test_a_read_only_tokens_upload_stores_nothing(client, db, site, unit, files_dir):
    headers = bearer(make_token(db, unit, read_only=True))
    db.commit()

    refused = api_upload(client, site.id, headers)

    assert refused.status_code == 403, refused.text
    assert on_disk(files_dir) == set()
    assert referenced(db) == set()


def test_another_units_token_stores_nothing(client, db, site, files_dir):
    headers = bearer(make_token(db, make_unit(db)))
    db.commit()

    refused = api_upload(client, site.id, headers)

    assert refused.status_code == 404, refused.text
    assert on_disk(files_dir) == set()


def test_another_units_staff_store_nothing_on_the_progress_and_funds_pages(db, site, files_dir, signed_in):
    outsider = signed_in(make_user(db, make_unit(db)))

    assert progress(outsider, site.id, jpeg_with_exif()).status_code == 404
    assert funds(outsider, site.id).status_code == 404
    assert on_disk(files_dir) == set()


def test_a_supervisor_who_reads_everything_stores_nothing(db, site, files_dir, signed_in):
    supervisor = signed_in(make_user(db, make_unit(db, kind=UnitKind.department), Role.supervisor))

    refused = progress(supervisor, site.id, jpeg_with_exif())

    assert refused.status_code == 403
    assert on_disk(files_dir) == set()


def test_progress_on_a_terminated_project_stores_nothing(db, unit, files_dir, signed_in):
    ended = make_project(db, unit, stage=Stage.started, status=ProjectStatus.terminated)
    clerk = signed_in(make_user(db, unit))

    refused = progress(clerk, ended.id, jpeg_with_exif())

    assert refused.status_code == 422 and "项目已终止" in refused.text
    assert on_disk(files_dir) == set()


# --- a request refused after its files were read stores nothing -------------------------------


def test_a_bad_amount_next_to_a_voucher_stores_nothing(db, site, unit, files_dir, signed_in):
    clerk = signed_in(make_user(db, unit))

    refused = funds(clerk, site.id, amount="-5")

    assert refused.status_code == 422
    assert on_disk(files_dir) == set()
    assert funds(clerk, site.id).status_code == 303  # the same voucher with a good amount is kept
    assert on_disk(files_dir) == referenced(db) != set()


def test_a_stale_stage_change_with_evidence_stores_nothing(db, unit, files_dir, signed_in):
    signed = make_project(db, unit, stage=Stage.signed)
    clerk = signed_in(make_user(db, unit))
    form = {
        "version": str(signed.version + 3),
        "action": "forward",
        "to_stage": Stage.started.value,
        "happened_on": TODAY.isoformat(),
    }
    evidence = [("evidence", ("现场.jpg", jpeg_bytes(), "image/jpeg"))]  # a dated site photo

    stale = post_form(clerk, f"/projects/{signed.id}/stage", form, files=evidence)

    assert stale.status_code == 409
    assert on_disk(files_dir) == set()
    current = post_form(clerk, f"/projects/{signed.id}/stage", {**form, "version": signed.version}, files=evidence)
    assert current.status_code == 303, current.text[:500]
    assert on_disk(files_dir) == referenced(db) != set()


def test_an_error_after_the_files_were_written_removes_them(client, db, site, unit, files_dir, session_factory):
    """Whatever fails once the file is on disk (here the commit itself) takes the file with it."""
    headers = bearer(make_token(db, unit))
    db.commit()

    def refuse_to_commit(session: Session) -> None:
        if files.written_by(session):
            raise RuntimeError("the database went away at commit")

    event.listen(session_factory, "before_commit", refuse_to_commit)
    try:
        with pytest.raises(RuntimeError):
            api_upload(client, site.id, headers)
    finally:
        event.remove(session_factory, "before_commit", refuse_to_commit)

    assert on_disk(files_dir) == set()
    assert api_upload(client, site.id, headers).status_code == 201
    assert on_disk(files_dir) == referenced(db) != set()


# --- tickets -----------------------------------------------------------------------------------


@pytest.fixture
def ticket_parties(db):
    town = make_unit(db, kind=UnitKind.town)
    handler = make_unit(db, kind=UnitKind.department)
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    parties = {
        "clerk": make_user(db, town),
        "handler_staff": make_user(db, handler),
        "coordinator": make_user(db, bureau, Role.coordinator),
    }
    load_calendar_2026(db)
    project = make_project(db, town, stage=Stage.landed)
    ticket = tickets.report(
        db,
        as_principal(parties["clerk"]),
        TicketCreate(
            project_id=project.id,
            category_id=category(db, "land").id,
            title="二期用地征收有两户未签协议",
            description="两户对补偿标准有异议。",
        ),
    )
    ticket = tickets.route(
        db,
        as_principal(parties["coordinator"]),
        ticket.id,
        TicketRoute(version=ticket.version, handling_unit_id=handler.id),
        today=workdays.today(),
    )
    db.commit()
    return ticket, parties


def act(client, ticket, action: str, **extra: str):
    return client.post(
        f"/tickets/{ticket.id}/act",
        data={"csrf_token": page_csrf(client), "version": str(ticket.version), "action": action, **extra},
        files=[("photos", ("现场.jpg", jpeg_bytes(), "image/jpeg"))],
    )


def test_a_refused_ticket_action_with_a_photo_stores_nothing(db, ticket_parties, files_dir, signed_in):
    ticket, parties = ticket_parties
    handler = signed_in(parties["handler_staff"])
    clerk = signed_in(parties["clerk"])

    assert act(handler, ticket, "close", verdict="satisfied").status_code == 403  # only the reporter closes
    assert act(clerk, ticket, "reopen", note="还没办完").status_code == 422  # not resolved yet
    assert act(handler, ticket, "comment").status_code == 422  # no text
    assert on_disk(files_dir) == set()

    assert act(handler, ticket, "comment", note="已约两户面谈").status_code == 303
    assert on_disk(files_dir) == referenced(db) != set()


def test_a_refused_ticket_report_with_a_photo_stores_nothing(db, ticket_parties, files_dir, signed_in):
    ticket, parties = ticket_parties
    clerk = signed_in(parties["clerk"])
    form = {"project_id": str(ticket.project_id), "category_id": str(category(db, "land").id), "priority": "normal"}
    photo = [("photos", ("现场.jpg", jpeg_bytes(), "image/jpeg"))]

    short = post_form(clerk, "/tickets/new", {**form, "title": "路", "description": "道路未通"}, files=photo)
    elsewhere = make_project(db, make_unit(db), stage=Stage.landed)
    db.commit()
    foreign = post_form(
        clerk,
        "/tickets/new",
        {**form, "project_id": elsewhere.id, "title": "道路未通", "description": "进场道路未通"},
        files=photo,
    )

    assert short.status_code == foreign.status_code == 422
    assert on_disk(files_dir) == set()
    accepted = post_form(
        clerk, "/tickets/new", {**form, "title": "道路未通", "description": "进场道路未通"}, files=photo
    )
    assert accepted.status_code == 303, accepted.text[:500]
    assert on_disk(files_dir) == referenced(db) != set()


# --- the rollback removes what the transaction stored --------------------------------------------


def test_files_stored_in_a_transaction_go_with_its_rollback_and_stay_with_its_commit(session_factory, files_dir):
    def prepared(color: int) -> files.StoredFile:  # distinct colours: distinct contents, distinct keys
        photo = jpeg_bytes(color=(color, 10, 10))
        return files.prepare_upload(photo, field="f", max_bytes=1 << 20, max_side=800, keep_position=False)

    kept, dropped, in_savepoint = prepared(0), prepared(120), prepared(240)
    session = session_factory()
    try:
        files.store(session, files_dir, [kept])
        session.commit()
        files.store(session, files_dir, [dropped, kept])  # kept again: it was there before, it stays
        with pytest.raises(RuntimeError), session.begin_nested():
            files.store(session, files_dir, [in_savepoint])
            raise RuntimeError("refused part-way")
        assert len({kept.storage_key, dropped.storage_key, in_savepoint.storage_key}) == 3
        assert on_disk(files_dir) == {kept.storage_key, dropped.storage_key}
        session.rollback()
    finally:
        session.close()

    assert on_disk(files_dir) == {kept.storage_key}


# --- housekeeping ---------------------------------------------------------------------------------


def test_housekeeping_removes_old_orphans_and_keeps_referenced_and_fresh_files(client, db, site, unit, files_dir):
    headers = bearer(make_token(db, unit))
    db.commit()
    assert api_upload(client, site.id, headers).status_code == 201
    [kept] = referenced(db)
    orphan_old = files_dir / "ab" / "cd" / ("ab" * 32 + ".jpg")
    orphan_new = files_dir / "ef" / "01" / ("ef" * 32 + ".pdf")
    half_written = files_dir / "ab" / "cd" / "left-over.part"
    for path in (orphan_old, orphan_new, half_written):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 left behind")
    day_and_more = time.time() - 25 * 3600
    for path in (files_dir / kept, orphan_old, half_written):
        os.utime(path, (day_and_more, day_and_more))

    removed = files.remove_orphans(db, files_dir, grace=timedelta(hours=24))

    assert sorted(removed.keys) == sorted(["ab/cd/left-over.part", orphan_old.relative_to(files_dir).as_posix()])
    assert removed.total_bytes == 2 * len(b"%PDF-1.4 left behind")
    assert on_disk(files_dir) == {kept, orphan_new.relative_to(files_dir).as_posix()}
    download = client.get(f"/api/v1/projects/{site.id}/attachments", headers=headers).json()
    assert client.get(f"/api/v1/projects/{site.id}/attachments/{download[0]['id']}", headers=headers).status_code == 200


def test_the_housekeeping_command_reports_the_files_it_removed(tmp_path):
    url = create_sqlite_database(tmp_path)
    system.migrate(url)
    stored = tmp_path / "stored"
    old, fresh = stored / "0a" / "0b" / "old.pdf", stored / "0c" / "0d" / "fresh.pdf"
    for path in (old, fresh):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"%PDF-1.4 " + b"x" * 2_000_000)
    two_days_ago = time.time() - 48 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "APP_ENV": "development",
        "FILES_DIR": str(stored),
        "ORPHAN_FILE_GRACE_HOURS": "36",
        "PYTHONPATH": str(BASE_DIR),
    }

    done = subprocess.run(
        [sys.executable, "-m", "app", "housekeeping"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "0a/0b/old.pdf" in done.stdout and "fresh.pdf" not in done.stdout
    assert "已删除 1 个" in done.stdout and "1.9 MB" in done.stdout
    assert not old.exists() and fresh.exists()
    assert not (stored / "0a").exists()  # the emptied folders go too
