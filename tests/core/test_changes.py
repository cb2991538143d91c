"""The change feed (/api/v1/changes) and the lists' updated_since, as a provincial system keeping a copy
meets them: it sees what changed of what it may read, in commit order, page after page, without a gap,
a duplicate, or a confidential project's name. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import make_engine, make_session_factory
from app.models.audit import AuditAnchor, AuditEntry
from app.models.investor import Investor
from app.models.lead import Lead
from app.models.project import FundsArrival, ProgressUpdate, Project
from app.models.ticket import Ticket, TicketUnit
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import changes, system, workdays
from tests.conftest import create_pg_database
from tests.core.test_query_counts import counting
from tests.factories import bearer, make_token, make_unit
from tests.projects.factories import make_funds, make_investor, make_lead, make_project
from tests.tickets.factories import make_category, make_ticket

Key = tuple[str, int]


@dataclass
class Town:
    unit: Unit
    token: str
    project: Project
    lead: Lead
    ticket: Ticket
    funds: FundsArrival

    @property
    def keys(self) -> set[Key]:
        return {
            ("project", self.project.id),
            ("lead", self.lead.id),
            ("ticket", self.ticket.id),
            ("funds_arrival", self.funds.id),
        }


def _town(db: Session, name: str) -> Town:
    unit = make_unit(db, name=f"{name}{uuid.uuid4().hex[:6]}")
    investor = make_investor(db)
    lead = make_lead(db, unit, investor)
    project = make_project(db, unit, investor=investor, lead_id=lead.id)
    ticket = make_ticket(db, unit, make_category(db), project_id=project.id)
    return Town(unit, make_token(db, unit), project, lead, ticket, make_funds(db, project))


@pytest.fixture
def towns(db: Session) -> tuple[Town, Town, str]:
    """Two towns with a project (and its lead, ticket and funds) each, and a read-all token."""
    a, b = _town(db, "城关镇"), _town(db, "青石镇")
    read_all = make_token(db, None, read_only=True)
    db.commit()
    return a, b, read_all


def page(client: TestClient, token: str, after: str | None = None, **params: Any) -> dict[str, Any]:
    if after is not None:
        params["after"] = after
    response = client.get("/api/v1/changes", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def drain(client: TestClient, token: str, after: str | None = None, **params: Any) -> tuple[list[dict[str, Any]], str]:
    """Every change after the cursor, following `next` until `has_more` is false."""
    items: list[dict[str, Any]] = []
    for _ in range(1000):
        body = page(client, token, after, **params)
        items.extend(body["items"])
        after = body["next"]
        if not body["has_more"]:
            return items, after
    raise AssertionError("the feed never ended")


def keys(items: list[dict[str, Any]]) -> set[Key]:
    return {(i["entity"], i["id"]) for i in items}


# --- who sees what -------------------------------------------------------------------------------


def test_a_unit_token_sees_its_own_units_changes_and_not_another_units(client, db, towns):
    a, b, _ = towns
    seen_a, _ = drain(client, a.token)
    assert a.keys <= keys(seen_a)
    assert not b.keys & keys(seen_a)
    seen_b, _ = drain(client, b.token)
    assert b.keys <= keys(seen_b) and not a.keys & keys(seen_b)
    # the catalogue is read by every unit: so are its changes
    assert ("investor", a.project.investor_id) in keys(seen_b)
    funds = next(i for i in seen_a if i["entity"] == "funds_arrival" and i["id"] == a.funds.id)
    assert funds["project_id"] == a.project.id and funds["action"] == "created" and funds["version"] == 1
    assert funds["entity_label"] == "到位资金" and funds["action_label"] == "新建"


def test_a_write_through_the_api_appears_with_its_new_version(client, db, towns):
    a, b, read_all = towns
    _, cursor_a = drain(client, a.token)
    _, cursor_b = drain(client, b.token)
    project = a.project
    response = client.patch(
        f"/api/v1/projects/{project.id}",
        json={"version": project.version, "industry": "新能源电池"},
        headers=bearer(a.token),
    )
    assert response.status_code == 200, response.text
    new_version = response.json()["version"]
    body = page(client, a.token, cursor_a)
    assert [(i["entity"], i["id"], i["action"], i["version"]) for i in body["items"]] == [
        ("project", project.id, "updated", new_version)
    ]
    assert body["has_more"] is False and body["next"] == body["latest"]
    assert page(client, b.token, cursor_b)["items"] == []  # the other town sees nothing of it
    assert ("project", project.id) in keys(drain(client, read_all)[0])


def test_a_read_all_token_sees_every_units_changes(client, db, towns):
    a, b, read_all = towns
    seen, _ = drain(client, read_all)
    assert a.keys | b.keys <= keys(seen)


def test_a_confidential_projects_changes_never_show_its_name_or_investor(client, db, towns):
    a, b, read_all = towns
    investor = make_investor(db, name="保密测试投资集团有限公司")
    lead = make_lead(db, b.unit, investor, project_name="绝密锂电池项目")
    secret = make_project(
        db, b.unit, investor=investor, lead_id=lead.id, name="绝密锂电池项目", is_confidential=True, code_name="B-07"
    )
    funds = make_funds(db, secret)
    db.commit()
    secret.name = "绝密锂电池二期项目"
    db.commit()
    for token in (read_all, b.token):
        response = client.get("/api/v1/changes", params={"limit": 1000}, headers=bearer(token))
        assert response.status_code == 200
        assert "绝密" not in response.text and "保密测试投资" not in response.text
        actions = [i["action"] for i in response.json()["items"] if i["entity"] == "project" and i["id"] == secret.id]
        assert actions == ["created", "updated"]
        assert ("funds_arrival", funds.id) in keys(response.json()["items"])
    # a reader who may not see the project's identity does not see its lead at all (as GET /leads/{id} answers 404),
    # nor its investor, known only through it; the project's own unit does
    assert client.get(f"/api/v1/leads/{lead.id}", headers=bearer(read_all)).status_code == 404
    assert not {("lead", lead.id), ("investor", investor.id)} & keys(drain(client, read_all)[0])
    assert {("lead", lead.id), ("investor", investor.id)} <= keys(drain(client, b.token)[0])
    assert not {("project", secret.id), ("funds_arrival", funds.id)} & keys(drain(client, a.token)[0])


def test_a_record_given_to_another_unit_is_shown_to_the_first_as_out_of_scope(client, db, towns):
    a, b, _ = towns
    county = make_unit(db, name=f"县商务局{uuid.uuid4().hex[:6]}", kind=UnitKind.department)
    project = make_project(db, county, responsible=a.unit)
    ticket = make_ticket(db, county, make_category(db), handler=a.unit)
    db.commit()
    _, cursor_a = drain(client, a.token)
    _, cursor_b = drain(client, b.token)
    project.responsible_unit_id = b.unit.id
    ticket.handling_unit_id = b.unit.id
    db.execute(update(TicketUnit).where(TicketUnit.ticket_id == ticket.id).values(unit_id=b.unit.id))
    db.commit()
    gone, _ = drain(client, a.token, cursor_a)
    assert {(i["entity"], i["id"]): i["action"] for i in gone} == {
        ("project", project.id): "out_of_scope",
        ("ticket", ticket.id): "out_of_scope",
    }
    assert all(i["version"] is None and i["project_id"] is None for i in gone)
    arrived, _ = drain(client, b.token, cursor_b)
    assert {(i["entity"], i["id"]): i["action"] for i in arrived} == {
        ("project", project.id): "updated",
        ("ticket", ticket.id): "updated",
    }
    # and the new unit sees the record's whole history from the start
    assert ("project", project.id) in keys(drain(client, b.token)[0])


def test_a_deleted_record_is_shown_to_the_units_that_could_read_it(client, db, towns):
    a, b, read_all = towns
    spare = make_funds(db, a.project, amount=5)
    db.commit()
    _, cursors = zip(*(drain(client, t) for t in (a.token, b.token, read_all)), strict=True)
    db.delete(spare)
    db.commit()
    seen = [drain(client, t, c)[0] for t, c in zip((a.token, b.token, read_all), cursors, strict=True)]
    expected = [{"entity": "funds_arrival", "id": spare.id, "action": "deleted", "version": None}]
    picked = [[{k: i[k] for k in ("entity", "id", "action", "version")} for i in s] for s in seen]
    assert picked == [expected, [], expected]


# --- the cursor ----------------------------------------------------------------------------------


def test_the_cursor_pages_through_a_sequence_of_writes_without_gaps_or_duplicates(client, db, towns):
    a, _b, read_all = towns
    _, cursor = drain(client, read_all)
    collected: list[dict[str, Any]] = []
    written: list[Key] = []
    for round_ in range(4):
        for _ in range(round_ + 2):  # writes between the reads, some pages cut through them
            row = make_funds(db, a.project, amount=round_ + 1)
            written.append(("funds_arrival", row.id))
            a.project.industry = f"第{len(written)}次修改"
            db.commit()
            written.append(("project", a.project.id))
        for _ in range(2):
            body = page(client, read_all, cursor, limit=3)
            collected.extend(body["items"])
            cursor = body["next"]
    rest, _ = drain(client, read_all, cursor, limit=3)
    collected.extend(rest)
    ours = [(i["entity"], i["id"]) for i in collected if (i["entity"], i["id"]) in set(written)]
    assert ours == written  # every write once, in the order written
    db.expire_all()
    # the feed is the trail itself: every entry about these records after the first cursor, once, in order
    versions = [i["version"] for i in collected if i["entity"] == "project"]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert versions[-1] == db.get(Project, a.project.id).version  # type: ignore[union-attr]


def test_an_empty_page_can_move_the_cursor_on(client, db, towns, monkeypatch):
    a, b, _ = towns
    _, cursor = drain(client, a.token)
    for i in range(6):
        b.project.industry = f"别的镇第{i}次修改"
        db.commit()
    a.project.industry = "本镇的修改"
    db.commit()
    monkeypatch.setattr(changes, "SCAN_WINDOW", 2)
    first = page(client, a.token, cursor)
    assert first["items"] == [] and first["has_more"] is True and first["next"] != cursor
    seen, _ = drain(client, a.token, first["next"])
    assert [(i["entity"], i["id"]) for i in seen] == [("project", a.project.id)]


def test_a_cursor_that_is_not_ours_is_refused_in_chinese(client, db, towns):
    _, _, read_all = towns
    head = page(client, read_all)["latest"]
    for bad in ("abc", "!!!", "YzEyMw==", base64.urlsafe_b64encode(b"x12").decode(), "0", "c12", "YzAx"):
        response = client.get("/api/v1/changes", params={"after": bad}, headers=bearer(read_all))
        assert response.status_code == 422, (bad, response.text)
        body = response.json()
        assert body["code"] == "validation_error" and body["field"] == "after" and "游标" in body["message"]
    beyond = changes.encode_cursor(changes.decode_cursor(head) + 1000)
    response = client.get("/api/v1/changes", params={"after": beyond}, headers=bearer(read_all))
    assert response.status_code == 410 and response.json()["code"] == "cursor_expired"
    assert "全量同步" in response.json()["message"]


def test_a_cursor_into_the_pruned_part_of_the_trail_is_gone(client, db, towns):
    _, _, read_all = towns
    head = db.execute(select(func.max(AuditEntry.seq))).scalar_one()
    db.add(AuditAnchor(seq=head - 2, hash="0" * 64))  # as audit.prune leaves it: entries up to there removed
    db.commit()
    old = changes.encode_cursor(head - 3)
    response = client.get("/api/v1/changes", params={"after": old}, headers=bearer(read_all))
    assert response.status_code == 410 and response.json()["code"] == "cursor_expired"
    # without a cursor the feed starts after the anchor
    first = page(client, read_all, limit=1000)
    assert changes.decode_cursor(first["next"]) >= head - 2


def test_limit_and_entity_filter(client, db, towns):
    a, _, read_all = towns
    body = page(client, read_all, limit=2)
    assert len(body["items"]) == 2 and body["has_more"] is True
    only, _ = drain(client, read_all, entity=["funds_arrival", "ticket"])
    assert {i["entity"] for i in only} == {"funds_arrival", "ticket"}
    response = client.get("/api/v1/changes", params={"entity": "user_account"}, headers=bearer(read_all))
    assert response.status_code == 422
    response = client.get("/api/v1/changes", params={"limit": 0}, headers=bearer(a.token))
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


# --- statements per page -------------------------------------------------------------------------


def test_a_page_is_two_statements_on_the_trail_however_many_entries_it_shows(client, db, connection, towns):
    a, _, read_all = towns
    for i in range(40):
        make_funds(db, a.project, amount=i + 1)
    db.commit()
    for token in (a.token, read_all):
        counts = {}
        for limit in (2, 40):
            with counting(connection) as statements:
                body = page(client, token, limit=limit)
            assert len(body["items"]) == limit
            on_trail = [s for s in statements if "audit_entry" in s or "audit_anchor" in s]
            assert len(on_trail) == 2, on_trail  # the head, then the page
            counts[limit] = len(statements)
        assert counts[2] == counts[40], counts


# --- commit order (PostgreSQL, real concurrent transactions) ---------------------------------------


def test_an_entry_of_a_transaction_still_open_is_never_passed_over():
    """Transaction 1 takes its place in the trail (the chain's lock) and stays open; transaction 2 commits a
    change meanwhile. The feed neither shows transaction 2's entry before 1's nor moves its cursor past 1's
    place: once both commit, the next page holds 1's entry, then 2's."""
    url, drop = create_pg_database("zs_feed")
    engine = make_engine(url)
    try:
        system.migrate(url)
        factory = make_session_factory(engine)
        with factory() as setup:
            unit = make_unit(setup)
            first_project, second_project = make_project(setup, unit), make_project(setup, unit)
            setup.commit()
            ids = first_project.id, second_project.id
        reader = Principal(role=Role.leader, unit_id=None, label="省平台", token_id=1, read_only=True)
        with factory() as look:
            cursor = changes.feed(look, reader).latest
        writer = Principal(role=Role.coordinator, unit_id=None, label="测试")
        one, two = factory(), factory()
        one.info["principal"] = two.info["principal"] = writer
        try:
            p1 = one.get(Project, ids[0])
            assert p1 is not None
            p1.industry = "第一笔"
            one.flush()
            one.execute(
                select(AuditEntry.seq).limit(1)
            )  # reading the trail appends the entry now: seq taken, lock held
            done = threading.Event()

            def second() -> None:
                p2 = two.get(Project, ids[1])
                assert p2 is not None
                p2.industry = "第二笔"
                two.commit()  # waits for the chain's lock
                done.set()

            thread = threading.Thread(target=second)
            thread.start()
            assert not done.wait(0.5), "the second transaction committed before the first released the chain"
            with factory() as look:
                waiting = changes.feed(look, reader, cursor)
            assert waiting.items == [] and waiting.next == cursor and not waiting.has_more
            one.commit()
            thread.join(10)
            assert done.is_set()
            with factory() as look:
                after = changes.feed(look, reader, waiting.next)
            assert [(c.entity, c.id, c.action) for c in after.items] == [
                ("project", ids[0], "updated"),
                ("project", ids[1], "updated"),
            ]
        finally:
            one.close()
            two.close()
    finally:
        engine.dispose()
        drop()


# --- updated_since on the lists --------------------------------------------------------------------

LONG_AGO = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def _age(db: Session, model: Any, ids: list[int]) -> None:
    db.execute(update(model).where(model.id.in_(ids)).values(updated_at=LONG_AGO))


def _progress(db: Session, project: Project) -> ProgressUpdate:
    row = ProgressUpdate(project_id=project.id, reported_on=workdays.today(), investment_completed=Decimal(10))
    db.add(row)
    db.flush()
    return row


def test_lists_filter_by_updated_since(client, db, towns):
    a, _, _ = towns
    old_project = make_project(db, a.unit)
    old_lead = make_lead(db, a.unit)
    old_ticket = make_ticket(db, a.unit, make_category(db))
    old_funds = make_funds(db, a.project, amount=Decimal(7))
    old_progress, new_progress = _progress(db, a.project), _progress(db, a.project)
    for model, row in (
        (Project, old_project),
        (Lead, old_lead),
        (Ticket, old_ticket),
        (FundsArrival, old_funds),
        (ProgressUpdate, old_progress),
        (Investor, db.get(Investor, old_project.investor_id)),
    ):
        _age(db, model, [row.id])  # type: ignore[union-attr]
    db.commit()
    since = (LONG_AGO + timedelta(days=1)).isoformat()
    lists = {
        "/api/v1/projects": (old_project.id, a.project.id, lambda body: [r["id"] for r in body["items"]]),
        "/api/v1/leads": (old_lead.id, a.lead.id, lambda body: [r["id"] for r in body["items"]]),
        "/api/v1/tickets/requests": (
            old_ticket.id,
            a.ticket.id,
            lambda body: [int(r["service_request_id"]) for r in body],
        ),
        f"/api/v1/projects/{a.project.id}/funds": (old_funds.id, a.funds.id, lambda body: [r["id"] for r in body]),
        f"/api/v1/projects/{a.project.id}/progress": (
            old_progress.id,
            new_progress.id,
            lambda body: [r["id"] for r in body],
        ),
        "/api/v1/investors": (
            old_project.investor_id,
            a.project.investor_id,
            lambda body: [r["id"] for r in body["items"]],
        ),
    }
    for path, (old_id, new_id, ids_of) in lists.items():
        everything = ids_of(client.get(path, params={"limit": 200}, headers=bearer(a.token)).json())
        assert {old_id, new_id} <= set(everything), path
        response = client.get(path, params={"limit": 200, "updated_since": since}, headers=bearer(a.token))
        assert response.status_code == 200, (path, response.text)
        recent = ids_of(response.json())
        assert new_id in recent and old_id not in recent, path
        # a moment without a zone is Beijing time: 10:00 there is 02:00 UTC, the old rows' time (included)
        response = client.get(
            path, params={"limit": 200, "updated_since": "2026-01-05T10:00:00"}, headers=bearer(a.token)
        )
        assert old_id in ids_of(response.json()), path
        response = client.get(
            path, params={"limit": 200, "updated_since": "2026-01-05T10:00:01"}, headers=bearer(a.token)
        )
        assert old_id not in ids_of(response.json()), path


@pytest.mark.parametrize("garbage", ["yesterday", "2026-13-01", "2026-12-01T25:00", "１２３"])
def test_updated_since_refuses_garbage_with_a_chinese_422(client, db, towns, garbage):
    a, _, _ = towns
    for path in (
        "/api/v1/projects",
        "/api/v1/leads",
        "/api/v1/tickets/requests",
        "/api/v1/investors",
        f"/api/v1/projects/{a.project.id}/funds",
        f"/api/v1/projects/{a.project.id}/progress",
    ):
        response = client.get(path, params={"updated_since": garbage}, headers=bearer(a.token))
        assert response.status_code == 422, (path, response.text)
        body = response.json()
        assert body["code"] == "validation_error" and body["field"] == "updated_since", body
        assert "时间格式" in body["message"], body


def test_the_feed_and_its_parameters_are_documented(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/changes"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"after", "limit", "entity"}
    assert "410" in operation["responses"]
    schema = spec["components"]["schemas"]["ChangePageRead"]
    example = schema["examples"][0]
    assert example["items"][0]["entity_label"] == "项目"
    for path in ("/api/v1/leads", "/api/v1/projects", "/api/v1/tickets/requests", "/api/v1/investors"):
        names = {p["name"] for p in spec["paths"][path]["get"]["parameters"]}
        assert "updated_since" in names, path
