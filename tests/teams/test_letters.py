"""Responsibility letters (目标责任书) as their users meet them: the coordinator keeps the year's rules by
revision and issues every unit's letter (one or all); the letter freezes the unit's targets, tier and rules;
the unit's head acknowledges exactly the text they read; a reissue before acknowledgement replaces the
letter, after it adds a version the head signs again, the signed one binding until then (`letter_for`); a
unit's staff sees only its own letters. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid
from app.models.audit import AuditEntry
from app.models.letter import LetterStatus, ResponsibilityLetter
from app.models.unit import UnitKind
from app.models.user import Role, User
from app.policy import DeniedForbidden, DeniedNotFound
from app.services import letters, performance, workdays
from tests.conftest import csrf_from
from tests.factories import make_unit, make_user
from tests.people.factories import as_user, coordinator
from tests.teams.factories import RULES, ensure_rules, make_letter

YEAR = workdays.today().year
Browser = Callable[[User], TestClient]


def _town_with_head(db: Session, name: str = "城关镇人民政府") -> tuple:
    town = make_unit(db, name=name)
    head = make_user(db, town, display_name="李春燕")
    town.head_user_id = head.id
    staff = make_user(db, town, display_name="张干事")
    db.flush()
    return town, head, staff


def test_rules_are_kept_by_revision_and_a_stale_save_is_refused(db: Session) -> None:
    with pytest.raises(Invalid):  # no rules, no letter
        letters.issue(db, coordinator(), make_unit(db).id, YEAR)
    first = letters.save_rules(db, coordinator(), YEAR, RULES, 0)
    second = letters.save_rules(db, coordinator(), YEAR, RULES + "\n三、附则。", 1)
    assert (first.revision, second.revision) == (1, 2)
    with pytest.raises(Conflict):
        letters.save_rules(db, coordinator(), YEAR, "别人的旧稿", 1)
    assert [r.revision for r in letters.rules_history(db, YEAR)] == [2, 1]
    with pytest.raises(DeniedForbidden):
        letters.save_rules(db, as_user(make_user(db)), YEAR, RULES, 2)


def test_a_letter_freezes_the_targets_and_the_head_acknowledges_the_text_read(db: Session) -> None:
    town, head, staff = _town_with_head(db)
    performance.set_target(db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(5000), unit_id=town.id)
    performance.set_target(
        db, coordinator(), year=YEAR, metric="projects_introduced", amount=Decimal(3), unit_id=town.id
    )
    ensure_rules(db, YEAR)
    letter = letters.issue(db, coordinator(), town.id, YEAR)
    assert letter.revision == 1 and letter.status is LetterStatus.issued
    assert [(t["metric"], t["amount"]) for t in letter.targets] == [
        ("projects_introduced", "3.00"),
        ("funds_domestic", "5000.00"),
    ]
    assert letter.rules_text == RULES and letter.text_hash == letters.compute_hash(letter)
    # the target changes later: the issued letter does not
    performance.set_target(db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(9000), unit_id=town.id)
    assert letter.targets[1]["amount"] == "5000.00" and letters.compute_hash(letter) == letter.text_hash
    assert letters.letter_for(db, town.id, YEAR) is None

    with pytest.raises(DeniedForbidden):  # a staff member who is not the head
        letters.acknowledge(db, as_user(staff), letter.id, letter.version, letter.text_hash)
    with pytest.raises(DeniedForbidden):  # the bureau does not sign for the unit
        letters.acknowledge(db, coordinator(), letter.id, letter.version, letter.text_hash)
    outsider = make_user(db, make_unit(db))
    with pytest.raises(DeniedNotFound):
        letters.acknowledge(db, as_user(outsider), letter.id, letter.version, letter.text_hash)
    with pytest.raises(Invalid) as refused:  # another text than the letter's
        letters.acknowledge(db, as_user(head), letter.id, letter.version, "0" * 64)
    assert "text_hash" in refused.value.errors
    with pytest.raises(Conflict):
        letters.acknowledge(db, as_user(head), letter.id, letter.version + 5, letter.text_hash)

    signer = as_user(head)
    signed = letters.acknowledge(
        db,
        dataclasses.replace(signer, client_addr="10.1.2.3"),
        letter.id,
        letter.version,
        letter.text_hash,
    )
    assert signed.status is LetterStatus.acknowledged and signed.acknowledged_by_id == head.id
    assert signed.acknowledged_by_name == "李春燕" and signed.acknowledged_from == "10.1.2.3"
    assert signed.acknowledged_hash == letter.text_hash and signed.acknowledged_at is not None
    assert letters.letter_for(db, town.id, YEAR) is signed
    with pytest.raises(Invalid):
        letters.acknowledge(db, signer, letter.id, signed.version, letter.text_hash)
    entries = db.execute(select(AuditEntry).where(AuditEntry.entity == "responsibility_letter")).scalars().all()
    assert len(entries) >= 2  # issued, acknowledged


def test_reissuing_before_and_after_acknowledgement(db: Session) -> None:
    town, head, _staff = _town_with_head(db)
    first = make_letter(db, town)
    with pytest.raises(Invalid) as refused:
        letters.issue(db, coordinator(), town.id, YEAR)
    assert "理由" in refused.value.errors["reason"]
    # before the head signed: the new version replaces the first at once
    second = letters.issue(db, coordinator(), town.id, YEAR, "目标调整")
    assert first.status is LetterStatus.superseded and second.revision == 2 and second.supersedes_id == first.id
    with pytest.raises(Invalid):
        letters.acknowledge(db, as_user(head), first.id, first.version, first.text_hash)
    letters.acknowledge(db, as_user(head), second.id, second.version, second.text_hash)
    # after: the signed version binds until the new one is signed too
    performance.set_target(db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(8000), unit_id=town.id)
    third = letters.issue(db, coordinator(), town.id, YEAR, "年中调增目标")
    assert second.status is LetterStatus.acknowledged and third.status is LetterStatus.issued
    assert letters.letter_for(db, town.id, YEAR) is second
    assert third.targets[0]["amount"] == "8000.00"
    letters.acknowledge(db, as_user(head), third.id, third.version, third.text_hash)
    assert letters.letter_for(db, town.id, YEAR) is third and second.status is LetterStatus.superseded
    assert [v.revision for v in letters.versions(db, third)] == [3, 2, 1]


def test_issue_all_gives_each_unit_with_targets_its_letter_once(db: Session) -> None:
    towns = [make_unit(db, name=f"批量镇{i}") for i in range(3)]
    quiet = make_unit(db, name="无目标局", kind=UnitKind.department, tier=None)
    quiet.tier = None
    make_unit(db, name="县本级", kind=UnitKind.jurisdiction)
    performance.set_target(
        db, coordinator(), year=YEAR, metric="projects_introduced", amount=Decimal(3), unit_kind="town"
    )
    make_letter(db, towns[0])
    ensure_rules(db, YEAR)
    summary = letters.issue_all(db, coordinator(), YEAR)
    assert summary.already == 1 and "无目标局" in summary.without_targets
    issued = (
        db.execute(select(ResponsibilityLetter.unit_id).where(ResponsibilityLetter.id.in_(summary.issued)))
        .scalars()
        .all()
    )
    assert {towns[1].id, towns[2].id} <= set(issued) and towns[0].id not in issued
    again = letters.issue_all(db, coordinator(), YEAR)
    assert again.issued == []
    page = letters.status_page(db, coordinator(), YEAR, state="none", limit=200)
    assert any(row.unit.name == "无目标局" for row in page.rows)
    assert all(row.current is None for row in page.rows)


def test_the_pages_each_unit_sees_its_own_letters(db: Session, signed_in: Browser) -> None:
    town, head, staff = _town_with_head(db)
    other, other_head, _ = _town_with_head(db, "青石镇人民政府")
    letter = make_letter(db, town)
    theirs = make_letter(db, other)
    boss = make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator)

    coordinator_page = signed_in(boss).get(f"/letters?year={YEAR}&state=issued")
    assert coordinator_page.status_code == 200
    assert "城关镇人民政府" in coordinator_page.text and "青石镇人民政府" in coordinator_page.text

    browser = signed_in(staff)
    own = browser.get("/letters")
    assert f'href="/letters/{letter.id}"' in own.text and f"/letters/{theirs.id}" not in own.text
    assert browser.get(f"/letters/{theirs.id}").status_code == 404
    shown = browser.get(f"/letters/{letter.id}")
    assert shown.status_code == 200 and "5,000.00 万元" in shown.text and "签收责任书" not in shown.text
    refused = browser.post(
        f"/letters/{letter.id}/acknowledge",
        data={"csrf_token": csrf_from(shown.text), "version": str(letter.version), "text_hash": letter.text_hash},
    )
    assert refused.status_code == 403

    head_browser = signed_in(head)
    page = head_browser.get(f"/letters/{letter.id}")
    assert "签收责任书" in page.text and letter.text_hash in page.text
    signed = head_browser.post(
        f"/letters/{letter.id}/acknowledge",
        data={"csrf_token": csrf_from(page.text), "version": str(letter.version), "text_hash": letter.text_hash},
    )
    assert signed.status_code == 303
    after = head_browser.get(f"/letters/{letter.id}")
    assert "李春燕" in after.text and "签收责任书</button>" not in after.text
    db.expire_all()
    assert letters.letter_for(db, town.id, YEAR).id == letter.id  # type: ignore[union-attr]
    assert signed_in(other_head).get(f"/letters/{letter.id}").status_code == 404
