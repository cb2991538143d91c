"""The audit trail: who changed what, when, from where and why — and proof that nobody rewrote it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.config import BASE_DIR
from app.db import make_engine, make_session_factory
from app.models.audit import AuditAnchor, AuditEntry
from app.models.base import utcnow
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import audit, system
from app.templating import LOCAL_TZ
from tests.conftest import create_pg_database, create_sqlite_database, login, page_csrf
from tests.factories import PASSWORD, make_unit, make_user

HASHED = (
    "seq",
    "at",
    "actor_user_id",
    "actor_token_id",
    "actor_label",
    "unit_id",
    "request_id",
    "client_addr",
    "action",
    "entity",
    "entity_id",
    "changes",
    "reason",
    "prev_hash",
)


def acting_as(db: Session, user: User, *, request_id: str = "req-test-0001", addr: str = "10.20.30.40") -> Principal:
    principal = Principal(
        role=user.role,
        unit_id=user.unit_id,
        label=f"{user.display_name}({user.username})",
        user_id=user.id,
        request_id=request_id,
        client_addr=addr,
    )
    db.info["principal"] = principal
    return principal


def entries(db: Session, entity: str | None = None, entity_id: Any = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == str(entity_id))
    db.expire_all()
    return list(db.execute(stmt).scalars())


def count_entries(db: Session) -> int:
    return int(db.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def rehash_from(db: Session, first_seq: int) -> None:
    """What a careful forger would do: recompute every hash from `first_seq` on, so the chain looks whole."""
    db.expire_all()
    rows = list(db.execute(select(AuditEntry).where(AuditEntry.seq >= first_seq).order_by(AuditEntry.seq)).scalars())
    prev = db.execute(select(AuditEntry.hash).where(AuditEntry.seq == first_seq - 1)).scalar_one_or_none()
    prev = prev or audit.GENESIS_HASH
    for row in rows:
        fields = {name: getattr(row, name) for name in HASHED}
        fields["at"] = row.at.isoformat()
        fields["prev_hash"] = prev
        new_hash = audit.entry_hash(fields)
        db.execute(update(AuditEntry.__table__).where(AuditEntry.seq == row.seq).values(prev_hash=prev, hash=new_hash))
        prev = new_hash
    db.expire_all()


# --- what is recorded --------------------------------------------------------------------------


def test_unit_create_update_delete_are_recorded_with_actor_time_source_and_reason(db):
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    acting_as(db, coordinator, request_id="req-unit-0001", addr="192.0.2.7")
    before = utcnow()

    unit = Unit(name="审计测试乡人民政府", short_name="审计乡", kind=UnitKind.town, phone="0731-1111")
    db.add(unit)
    db.commit()
    with audit.reason(db, "乡镇合并后更正电话"):
        unit.phone = "0731-2222"
        unit.head_name = "李四"
    db.commit()
    unit_id = unit.id
    with audit.reason(db, "单位撤销"):
        db.delete(unit)
    db.commit()

    created, updated, deleted = entries(db, "unit", unit_id)
    assert [created.action, updated.action, deleted.action] == ["create", "update", "delete"]
    for entry in (created, updated, deleted):
        assert entry.actor_user_id == coordinator.id
        assert entry.actor_label == f"{coordinator.display_name}({coordinator.username})"
        assert entry.unit_id == coordinator.unit_id
        assert entry.request_id == "req-unit-0001"
        assert entry.client_addr == "192.0.2.7"
        assert entry.at.tzinfo is not None and entry.at.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=1) <= entry.at <= utcnow() + timedelta(seconds=1)

    assert created.changes["name"] == [None, "审计测试乡人民政府"]
    assert created.changes["phone"] == [None, "0731-1111"]
    assert created.reason == ""
    # only what changed, before → after
    assert updated.changes["phone"] == ["0731-1111", "0731-2222"]
    assert updated.changes["head_name"] == ["", "李四"]
    assert "name" not in updated.changes and "kind" not in updated.changes
    assert updated.reason == "乡镇合并后更正电话"
    assert deleted.changes["name"] == ["审计测试乡人民政府", None]
    assert deleted.changes["phone"] == ["0731-2222", None]
    assert deleted.reason == "单位撤销"


def test_user_changes_are_recorded_and_secrets_never_copied(db):
    coordinator = make_user(db, role=Role.coordinator)
    staff = make_user(db)
    db.commit()
    acting_as(db, coordinator)
    with audit.reason(db, "调岗"):
        staff.display_name = "改名后的用户"
        staff.password_hash = "new-hash-value-that-must-not-appear"
    db.commit()

    last = entries(db, "user_account", staff.id)[-1]
    assert last.action == "update"
    assert last.changes["display_name"][1] == "改名后的用户"
    assert last.changes["password_hash"] == ["***", "***"]
    assert last.reason == "调岗"
    created = entries(db, "user_account", staff.id)[0]
    assert created.action == "create" and created.changes["username"] == [None, staff.username]
    assert "password_hash" not in created.changes
    assert "new-hash-value" not in str([e.changes for e in entries(db)])


def test_entry_is_in_the_same_transaction_as_the_change(db):
    db.commit()
    start = count_entries(db)
    unit = make_unit(db, name="回滚测试单位")
    assert count_entries(db) == start + 1  # a query of the trail sees the flushed change's entry
    db.rollback()
    assert count_entries(db) == start
    assert db.execute(select(Unit).where(Unit.name == "回滚测试单位")).first() is None
    assert audit.verify_chain(db).ok
    del unit


def test_a_page_change_records_the_request_id_and_client_address(client, db):
    unit = make_unit(db, phone="0731-0000")
    staff = make_user(db, unit=unit)
    db.commit()
    login(client, staff.username, PASSWORD)
    csrf = page_csrf(client, f"/units/{unit.id}/contact")
    response = client.post(
        f"/units/{unit.id}/contact",
        data={
            "csrf_token": csrf,
            "version": str(unit.version),
            "head_name": "王五",
            "phone": "0731-9999",
            "address": "",
        },
        headers={"X-Request-ID": "page-edit-req-42"},
    )
    assert response.status_code == 303, response.text[:500]
    assert response.headers["x-request-id"] == "page-edit-req-42"

    last = entries(db, "unit", unit.id)[-1]
    assert last.action == "update"
    assert last.actor_user_id == staff.id and staff.display_name in last.actor_label
    assert last.unit_id == unit.id
    assert last.request_id.endswith("/page-edit-req-42")  # the server's own id, then the client's
    assert last.client_addr == "testclient"
    assert last.changes["phone"] == ["0731-0000", "0731-9999"]
    assert last.changes["head_name"] == ["", "王五"]


# --- when entries join the chain --------------------------------------------------------------


def test_each_flush_records_who_acted_then_though_the_chain_is_extended_at_the_commit(db):
    first, second = make_user(db, role=Role.coordinator), make_user(db, role=Role.coordinator)
    db.commit()
    start = count_entries(db)
    acting_as(db, first, request_id="req-first")
    unit = make_unit(db, name="两人先后修改的单位")
    acting_as(db, second, request_id="req-second")
    with audit.reason(db, "第二人更正"):
        unit.phone = "0731-3333"
    db.commit()

    created, updated = entries(db, "unit", unit.id)
    assert (created.actor_user_id, created.request_id, created.reason) == (first.id, "req-first", "")
    assert (updated.actor_user_id, updated.request_id, updated.reason) == (second.id, "req-second", "第二人更正")
    assert created.at <= updated.at
    assert [e.seq for e in entries(db)][start:] == list(range(created.seq, created.seq + 2))
    assert audit.verify_chain(db).ok


def test_a_rolled_back_savepoint_drops_its_entries_and_keeps_the_ones_made_before_it(db):
    db.commit()
    start = count_entries(db)
    kept = make_unit(db, name="保存点之前的单位")
    savepoint = db.begin_nested()
    undone = make_unit(db, name="保存点里的单位")
    assert count_entries(db) == start + 2  # a query of the trail inside the savepoint appends both
    savepoint.rollback()
    later = make_unit(db, name="保存点之后的单位")
    db.commit()

    names = {e.changes["name"][1] for e in entries(db)[start:] if e.entity == "unit"}
    assert names == {"保存点之前的单位", "保存点之后的单位"}
    assert count_entries(db) == start + 2
    assert audit.verify_chain(db).ok
    del kept, undone, later


def test_a_released_savepoint_keeps_its_entries(db):
    db.commit()
    start = count_entries(db)
    with db.begin_nested():
        make_unit(db, name="保存点提交的单位")
    make_unit(db, name="其后的单位")
    db.commit()
    assert [e.changes["name"][1] for e in entries(db)[start:]] == ["保存点提交的单位", "其后的单位"]
    assert audit.verify_chain(db).ok


def test_a_rolled_back_transaction_leaves_nothing_pending(db):
    db.commit()
    start = count_entries(db)
    make_unit(db, name="回滚掉的单位")
    db.rollback()
    make_unit(db, name="回滚后的单位")
    db.commit()
    assert [e.changes["name"][1] for e in entries(db)[start:]] == ["回滚后的单位"]


def test_a_large_transaction_appends_its_entries_before_the_commit(db):
    db.commit()
    start = count_entries(db)
    db.add_all(Unit(name=f"批量单位{n:04d}", kind=UnitKind.town) for n in range(audit.WRITE_PAGE * 2 + 10))
    db.flush()
    # already in the chain (not kept in memory): a raw count on the connection sees them
    appended = db.connection().execute(text("SELECT count(*) FROM audit_entry")).scalar_one()
    assert appended >= start + audit.WRITE_PAGE * 2
    db.commit()
    assert count_entries(db) == start + audit.WRITE_PAGE * 2 + 10
    assert audit.verify_chain(db).ok


def test_the_canonical_parts_rebuild_the_hashed_text():
    entry: dict[str, Any] = {
        "at": datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC),
        "actor_user_id": 7,
        "actor_token_id": None,
        "actor_label": 'A"B\\C 名字',
        "unit_id": None,
        "request_id": "req\u2028",
        "client_addr": "10.0.0.1",
        "action": "update",
        "entity": "project",
        "entity_id": "42",
        "changes": {"phone": ["1", "2"], "amount": [None, "12.50"], "nested": {"b": 1, "a": [True, None]}},
        "reason": "原因\n第二行",
    }
    before, between, after = audit.canonical_parts(entry)
    fields = {**entry, "seq": 123456789012, "prev_hash": "ab" * 32}
    expected = audit.entry_hash(audit._hashed_fields(fields))
    text_ = before + "ab" * 32 + between + "123456789012" + after
    assert hashlib.sha256(text_.encode()).hexdigest() == expected


def test_another_transaction_appends_while_this_one_has_uncommitted_changes_on_postgresql():
    """The chain's lock is taken at the commit: a transaction that has flushed changes does not
    hold up everybody else's until it ends."""
    url, drop = create_pg_database("zs_audit_lock")
    engine = make_engine(url)
    try:
        system.migrate(url)
        factory = make_session_factory(engine)
        with factory() as first, factory() as second:
            start = count_entries(first)
            first.rollback()
            make_unit(first, name="先改未提交的单位")  # flushed, not committed
            second.execute(text("SET LOCAL lock_timeout = '3s'"))
            make_unit(second, name="后改先提交的单位")
            second.commit()  # would wait for `first` (and time out) if its flush held the lock
            first.commit()
            assert [e.changes["name"][1] for e in entries(first)[start:]] == ["后改先提交的单位", "先改未提交的单位"]
            assert audit.verify_chain(first).ok
    finally:
        engine.dispose()
        drop()


# --- verifying the chain ---------------------------------------------------------------------


@pytest.fixture
def chain(db: Session) -> list[int]:
    """Six audited changes, committed; returns their seqs."""
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    acting_as(db, coordinator)
    unit = make_unit(db, name="链测试单位")
    db.commit()
    for phone in ("1", "2", "3", "4"):
        with audit.reason(db, f"第{phone}次"):
            unit.phone = f"0731-000{phone}"
        db.commit()
    seqs = [e.seq for e in entries(db)]
    assert len(seqs) >= 6
    return seqs


def test_clean_chain_verifies_and_gives_a_digest(db, chain):
    result = audit.verify_chain(db)
    assert result.ok, result.problem
    assert result.checked == len(chain)
    last = entries(db)[-1]
    assert result.digest == f"{last.seq}:{last.hash}"


def test_edited_reason_is_detected_at_that_entry(db, chain):
    target = chain[3]
    db.execute(text("UPDATE audit_entry SET reason = :r WHERE seq = :s"), {"r": "篡改后的原因", "s": target})
    result = audit.verify_chain(db)
    assert not result.ok
    assert result.broken_seq == target
    assert "改动" in result.problem


def test_edited_changes_are_detected_at_that_entry(db, chain):
    target = chain[4]
    db.execute(update(AuditEntry.__table__).where(AuditEntry.seq == target).values(changes={"phone": ["x", "y"]}))
    result = audit.verify_chain(db)
    assert not result.ok and result.broken_seq == target


def test_deleted_entry_is_detected(db, chain):
    target = chain[2]
    db.execute(text("DELETE FROM audit_entry WHERE seq = :s"), {"s": target})
    result = audit.verify_chain(db)
    assert not result.ok
    assert result.broken_seq == target
    assert "删除" in result.problem


def test_swapped_entries_are_detected_at_the_first(db, chain):
    a, b = chain[2], chain[4]
    db.execute(text("UPDATE audit_entry SET seq = -1 WHERE seq = :a"), {"a": a})
    db.execute(text("UPDATE audit_entry SET seq = :a WHERE seq = :b"), {"a": a, "b": b})
    db.execute(text("UPDATE audit_entry SET seq = :b WHERE seq = -1"), {"b": b})
    result = audit.verify_chain(db)
    assert not result.ok
    assert result.broken_seq == a


def test_a_saved_digest_proves_the_chain_only_grew(db, chain):
    saved = audit.verify_chain(db).digest
    unit = make_unit(db)
    unit.phone = "0731-7777"
    db.commit()
    later = audit.verify_chain(db, saved)
    assert later.ok, later.problem
    assert later.head_seq > int(saved.split(":")[0])

    # a digest that was never issued does not verify
    seq = saved.split(":")[0]
    forged = audit.verify_chain(db, f"{seq}:{'f' * 64}")
    assert not forged.ok and forged.broken_seq == int(seq)
    assert not audit.verify_chain(db, "not-a-digest").ok


def test_rewritten_history_before_a_saved_digest_is_detected_even_if_rehashed(db, chain):
    saved = audit.verify_chain(db).digest
    target = chain[1]
    db.execute(text("UPDATE audit_entry SET reason = :r WHERE seq = :s"), {"r": "事后补写的原因", "s": target})
    rehash_from(db, target)

    alone = audit.verify_chain(db)
    assert alone.ok, "a rehashed chain is self-consistent; only the saved digest can tell"
    result = audit.verify_chain(db, saved)
    assert not result.ok
    assert result.broken_seq == int(saved.split(":")[0])


def test_truncated_chain_is_detected_with_a_saved_digest(db, chain):
    saved = audit.verify_chain(db).digest
    db.execute(text("DELETE FROM audit_entry WHERE seq = :s"), {"s": chain[-1]})
    assert audit.verify_chain(db).ok  # the tail is gone without a trace in the chain itself …
    result = audit.verify_chain(db, saved)
    assert not result.ok  # … but not against what was exported before
    assert result.broken_seq == chain[-1]


# --- the command line ---------------------------------------------------------------------------


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "PYTHONPATH": str(BASE_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_verify_audit_command_prints_digest_and_names_the_broken_entry(tmp_path: Path):
    url = create_sqlite_database(tmp_path)
    system.migrate(url)
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with factory() as db:
            make_unit(db, name="命令行测试单位")
            db.commit()
            unit = db.execute(select(Unit).where(Unit.name == "命令行测试单位")).scalar_one()
            for phone in ("1", "2", "3"):
                unit.phone = phone
                db.commit()
            expected = audit.verify_chain(db)
        assert expected.ok

        ok = _cli(url, "verify-audit")
        assert ok.returncode == 0, ok.stderr
        assert expected.digest in ok.stdout
        assert f"{expected.checked} 条" in ok.stdout

        with_since = _cli(url, "verify-audit", "--since", expected.digest)
        assert with_since.returncode == 0, with_since.stderr

        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_entry SET reason = 'forged' WHERE seq = 2"))
        broken = _cli(url, "verify-audit")
        assert broken.returncode == 1
        assert "第 2 条" in broken.stderr
        assert expected.digest not in broken.stdout
    finally:
        engine.dispose()


# --- retention ---------------------------------------------------------------------------------


def _append_at(db: Session, monkeypatch: pytest.MonkeyPatch, when: datetime, count: int) -> None:
    """Entries as they would have been written on `when` (the clock is the only thing replaced)."""
    with monkeypatch.context() as m:
        m.setattr(audit, "utcnow", lambda: when)
        for i in range(count):
            audit.append(db, "login_success", entity="user_account", entity_id=i)
    db.commit()


def test_prune_keeps_the_retention_period_and_the_chain_still_verifies(db, monkeypatch):
    db.commit()
    start = count_entries(db)
    now = utcnow()
    _append_at(db, monkeypatch, now - timedelta(days=400), 2)
    _append_at(db, monkeypatch, now - timedelta(days=186), 3)
    _append_at(db, monkeypatch, now - timedelta(days=184), 2)  # inside the retention period
    _append_at(db, monkeypatch, now, 1)
    kept_seqs = [e.seq for e in entries(db)][start + 5 :]
    digest_before = audit.verify_chain(db).digest
    old_digest = f"{kept_seqs[0] - 1}:{entries(db)[start + 4].hash}"

    with pytest.raises(ValueError):
        audit.prune(db, 30)  # never below the legal minimum
    removed = audit.prune(db, 185)
    db.commit()

    assert removed == start + 5
    remaining = entries(db)
    assert [e.seq for e in remaining][:3] == kept_seqs
    assert all(e.at >= now - timedelta(days=185) for e in remaining)
    assert remaining[-1].action == "audit_prune"  # the pruning itself is on record
    assert remaining[-1].changes["removed"] == removed
    anchor = db.execute(select(AuditAnchor).order_by(AuditAnchor.id.desc())).scalars().first()
    assert anchor is not None and anchor.seq == kept_seqs[0] - 1

    result = audit.verify_chain(db)
    assert result.ok, result.problem
    assert audit.verify_chain(db, digest_before).ok
    assert audit.verify_chain(db, old_digest).ok  # the digest of the last pruned entry matches the anchor
    assert not audit.verify_chain(db, f"{kept_seqs[0] - 1}:{'0' * 64}").ok

    # tampering after pruning is still caught
    db.execute(text("UPDATE audit_entry SET reason = 'x' WHERE seq = :s"), {"s": kept_seqs[1]})
    assert audit.verify_chain(db).broken_seq == kept_seqs[1]


def test_prune_stops_at_the_first_entry_inside_the_retention_period(db, monkeypatch):
    """An entry's time is when its change was made, its place in the chain when its transaction
    committed: an old change committed after a recent one must not take the recent one with it."""
    db.commit()
    start = count_entries(db)
    now = utcnow()
    _append_at(db, monkeypatch, now - timedelta(days=300), 1)
    _append_at(db, monkeypatch, now - timedelta(days=10), 1)  # recent
    _append_at(db, monkeypatch, now - timedelta(days=200), 1)  # made long ago, committed after it
    recent, late = entries(db)[start + 1 :]

    assert audit.prune(db, 185) == start + 1
    db.commit()
    assert [e.seq for e in entries(db)][:2] == [recent.seq, late.seq]
    assert audit.verify_chain(db).ok


def test_prune_with_nothing_old_changes_nothing(db, monkeypatch):
    _append_at(db, monkeypatch, utcnow() - timedelta(days=10), 2)
    start = count_entries(db)
    assert audit.prune(db, 185) == 0
    assert count_entries(db) == start
    assert audit.verify_chain(db).ok


def test_new_entries_continue_the_chain_after_everything_was_pruned(db, monkeypatch):
    _append_at(db, monkeypatch, datetime(2020, 1, 1, tzinfo=UTC), 3)
    everything = count_entries(db)
    assert audit.prune(db, 185) == everything
    make_unit(db)
    db.commit()
    result = audit.verify_chain(db)
    assert result.ok, result.problem
    assert [e.action for e in entries(db)] == ["audit_prune", "create"]


# --- browsing --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.coordinator, Role.supervisor])
def test_coordinators_and_supervisors_browse_and_filter_the_trail(client, db, role):
    reader = make_user(db, role=role)
    editor = make_user(db, role=Role.coordinator, display_name="编辑人甲")
    db.commit()
    acting_as(db, editor)
    wanted = make_unit(db, name="要找的单位", phone="0731-1234")
    other = make_unit(db, name="别的单位")
    db.commit()
    with audit.reason(db, "更正号码"):
        wanted.phone = "0731-5678"
    db.commit()
    db.info.pop("principal")

    assert login(client, reader.username, PASSWORD).status_code == 303
    page = client.get("/audit")
    assert page.status_code == 200
    assert "要找的单位" in page.text and "别的单位" in page.text

    filtered = client.get("/audit", params={"entity": "unit", "entity_id": str(wanted.id)})
    assert filtered.status_code == 200
    assert "要找的单位" in filtered.text and "别的单位" not in filtered.text
    assert "0731-1234" in filtered.text and "0731-5678" in filtered.text and "更正号码" in filtered.text

    updates = client.get("/audit", params={"entity": "unit", "entity_id": str(wanted.id), "action": "update"})
    assert "0731-5678" in updates.text and "要找的单位" not in updates.text

    by_actor = client.get("/audit", params={"actor": "编辑人甲", "entity": "unit"})
    assert f"#{wanted.id}" in by_actor.text and f"#{other.id}" in by_actor.text
    nobody = client.get("/audit", params={"actor": "没有这个人"})
    assert "没有符合条件的记录" in nobody.text

    today = datetime.now(LOCAL_TZ).date()
    future = client.get("/audit", params={"date_from": (today + timedelta(days=2)).isoformat()})
    assert "没有符合条件的记录" in future.text
    recent = client.get("/audit", params={"date_from": (today - timedelta(days=1)).isoformat(), "entity": "unit"})
    assert "要找的单位" in recent.text

    verify = client.get("/audit/verify")
    assert verify.status_code == 200


@pytest.mark.parametrize("role", [Role.unit_staff, Role.leader])
def test_others_may_not_read_the_trail(client, db, role):
    user = make_user(db, role=role)
    db.commit()
    login(client, user.username, PASSWORD)
    assert client.get("/audit").status_code == 403


def test_a_records_page_shows_its_history(client, db):
    coordinator = make_user(db, role=Role.coordinator, display_name="记录查看人")
    editor = make_user(db, role=Role.coordinator, display_name="修改人乙")
    db.commit()
    acting_as(db, editor)
    unit = make_unit(db, name="有历史的单位", phone="0731-1000")
    db.commit()
    with audit.reason(db, "电话变更"):
        unit.phone = "0731-2000"
    db.commit()
    db.info.pop("principal")

    login(client, coordinator.username, PASSWORD)
    page = client.get(f"/admin/units/{unit.id}")
    assert page.status_code == 200
    history = page.text[page.text.index("修改记录") :]
    assert "修改人乙" in history
    assert "0731-1000" in history and "0731-2000" in history
    assert "电话变更" in history
    assert "创建" in history


def test_a_persons_page_shows_their_history(client, db):
    coordinator = make_user(db, role=Role.coordinator)
    person = make_user(db, display_name="原来的名字", phone="13800000000")
    db.commit()
    acting_as(db, coordinator)
    with audit.reason(db, "本人申请改名"):
        person.display_name = "后来的名字"
    db.commit()
    db.info.pop("principal")

    login(client, coordinator.username, PASSWORD)
    page = client.get(f"/admin/users/{person.id}")
    assert page.status_code == 200
    history = page.text[page.text.index("修改记录") :]
    assert "原来的名字" in history and "后来的名字" in history and "本人申请改名" in history
    assert coordinator.display_name in history
