"""Responsibility letters (目标责任书): the year's rules the coordinator keeps, each unit's letter issued at the
start of the year (one at a time or all at once), reissued as a new version, and acknowledged (签收) by the
unit's head.

- Issuing freezes what the letter says: the unit's name and tier, its targets for the year as
  `performance.targets_for_year` resolves them then, and the text of the year's current rules revision;
  the letter's `text_hash` is the SHA-256 of that content (`canonical_text`). Later changes to targets or
  rules do not touch an issued letter: a new version has to be issued.
- A unit has one current letter a year (its latest version). Issuing again needs a reason. Before the unit
  acknowledged the current version, the new one replaces it at once (status superseded, kept). After, the
  acknowledged version stays the one that binds until the unit acknowledges the new version, which then
  supersedes it.
- Acknowledging is the unit head's act: the signed-in account named the unit's head (`Unit.head_user_id`), or
  the unit's own API token (the unit's system, reporting its head's signature); the head confirms the hash
  of the text they were shown, and the letter records who, when, from which account or token and address.
- `letter_for(db, unit_id, year)` is what the year's assessment cites: the unit's latest acknowledged letter
  of the year, or None.

Who may: the coordinator keeps the rules and issues letters; those who read everything read every letter;
a unit's staff and token read only their own unit's letters (another unit's: 404).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Conflict, Invalid, NotFound
from app.models.base import utcnow
from app.models.letter import LetterRules, LetterStatus, ResponsibilityLetter
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import metrics, people, performance, workdays
from app.services.common import check_version
from app.services.security import sha256_hex

CENT = Decimal("0.01")
LETTER_NOT_FOUND = "找不到该责任书"
RULES_MAX = 20000
REASON_MAX = 500
STATUS_FILTERS = {"none": "未下达", "issued": "待签收", "acknowledged": "已签收"}
"""The letters page's filter by the current letter's state: none issued yet, waiting, acknowledged."""


def _check_year(year: int) -> None:
    if not performance.FIRST_TARGET_YEAR <= year <= performance.LAST_TARGET_YEAR:
        raise Invalid({"year": "年度应在 2000–2100 之间"})


# --- who may ---------------------------------------------------------------------------------


def can_read(principal: Principal, unit_id: int) -> bool:
    return principal.reads_everything or principal.unit_id == unit_id


def get(db: Session, principal: Principal, letter_id: int) -> ResponsibilityLetter:
    letter = db.get(ResponsibilityLetter, letter_id)
    if letter is None:
        raise NotFound(LETTER_NOT_FOUND)
    if not can_read(principal, letter.unit_id):
        raise policy.DeniedNotFound(LETTER_NOT_FOUND)
    return letter


def can_acknowledge(db: Session, principal: Principal, letter: ResponsibilityLetter) -> bool:
    """The unit's head, signed in; or the unit's own token that may write."""
    if letter.status is not LetterStatus.issued:
        return False
    if principal.token_id is not None:
        return principal.role is Role.unit_staff and principal.can_write and principal.unit_id == letter.unit_id
    return principal.can_write and people.is_unit_head(db, principal, letter.unit_id)


# --- the year's rules -------------------------------------------------------------------------


def current_rules(db: Session, year: int) -> LetterRules | None:
    return db.execute(
        select(LetterRules).where(LetterRules.year == year).order_by(LetterRules.revision.desc()).limit(1)
    ).scalar_one_or_none()


def rules_history(db: Session, year: int) -> list[LetterRules]:
    return list(
        db.execute(select(LetterRules).where(LetterRules.year == year).order_by(LetterRules.revision.desc())).scalars()
    )


def save_rules(db: Session, principal: Principal, year: int, text: str, base_revision: int) -> LetterRules:
    """A new revision of the year's rules (the earlier ones are kept). `base_revision` is the revision the
    coordinator edited (0 when there was none): another's save in between is a 409."""
    policy.ensure_coordinator(principal)
    _check_year(year)
    text = text.strip()
    if not text:
        raise Invalid({"text": "请填写考核规则"})
    if len(text) > RULES_MAX:
        raise Invalid({"text": f"考核规则不能超过 {RULES_MAX} 个字"})
    current = current_rules(db, year)
    revision = current.revision if current is not None else 0
    if base_revision != revision:
        raise Conflict(
            f"{year} 年的考核规则已被他人改为第 {revision} 版，请在其基础上修改",
            details={"current_version": revision, "your_version": base_revision, "changes": []},
        )
    row = LetterRules(year=year, revision=revision + 1, text=text, written_by_id=principal.user_id)
    db.add(row)
    db.flush()
    return row


# --- issuing ----------------------------------------------------------------------------------


def canonical_text(letter: ResponsibilityLetter) -> str:
    """What a letter says, as hashed: the unit, the year, the version, the tier, the targets, the rules, the
    day of issue (JSON with sorted keys)."""
    content = {
        "unit": letter.unit_name,
        "unit_id": letter.unit_id,
        "year": letter.year,
        "revision": letter.revision,
        "tier": letter.tier,
        "targets": [
            {"metric": t["metric"], "label": t["label"], "unit": t["unit"], "amount": t["amount"]}
            for t in letter.targets
        ],
        "rules_revision": letter.rules_revision,
        "rules": letter.rules_text,
        "issued_on": letter.issued_on.isoformat(),
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def compute_hash(letter: ResponsibilityLetter) -> str:
    return sha256_hex(canonical_text(letter))


def frozen_targets(targets: dict[tuple[str, int], Decimal], unit_id: int) -> list[dict[str, str]]:
    """The unit's targets as a letter keeps them: in the metrics catalogue's order, amounts as text."""
    return [
        {"metric": code, "label": m.label, "unit": m.unit, "amount": str(targets[(code, unit_id)].quantize(CENT))}
        for code, m in metrics.METRICS.items()
        if (code, unit_id) in targets
    ]


def _latest(db: Session, unit_id: int, year: int) -> ResponsibilityLetter | None:
    return db.execute(
        select(ResponsibilityLetter)
        .where(ResponsibilityLetter.unit_id == unit_id, ResponsibilityLetter.year == year)
        .order_by(ResponsibilityLetter.revision.desc())
        .limit(1)
    ).scalar_one_or_none()


def _issuable(unit: Unit | None) -> Unit:
    if unit is None or not unit.is_active or unit.kind is UnitKind.jurisdiction:
        raise Invalid({"unit_id": "请选择在用的责任单位"})
    return unit


def _new_letter(
    principal: Principal,
    unit: Unit,
    year: int,
    targets: list[dict[str, str]],
    rules: LetterRules,
    previous: ResponsibilityLetter | None,
    reason: str,
) -> ResponsibilityLetter:
    letter = ResponsibilityLetter(
        unit_id=unit.id,
        year=year,
        revision=(previous.revision + 1) if previous is not None else 1,
        status=LetterStatus.issued,
        unit_name=unit.name,
        tier=unit.tier,
        targets=targets,
        rules_id=rules.id,
        rules_revision=rules.revision,
        rules_text=rules.text,
        issued_on=workdays.today(),
        issued_by_id=principal.user_id,
        issued_by_name=principal.label[:100],
        reason=reason,
        supersedes_id=previous.id if previous is not None else None,
        acknowledged_by_name="",
        acknowledged_from="",
        acknowledged_hash="",
    )
    letter.text_hash = compute_hash(letter)
    return letter


def _rules_for(db: Session, year: int) -> LetterRules:
    rules = current_rules(db, year)
    if rules is None:
        raise Invalid({"year": f"请先填写 {year} 年的考核规则，再下达责任书"})
    return rules


def issue(db: Session, principal: Principal, unit_id: int, year: int, reason: str = "") -> ResponsibilityLetter:
    """Issue a unit's letter for a year, or a new version of it (which needs a reason)."""
    policy.ensure_coordinator(principal)
    _check_year(year)
    unit = _issuable(db.get(Unit, unit_id))
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": f"理由不能超过 {REASON_MAX} 个字"})
    previous = _latest(db, unit.id, year)
    if previous is not None and not reason:
        raise Invalid({"reason": "该单位本年度已下达责任书，重新下达须说明理由"})
    targets = frozen_targets(performance.targets_for_year(db, year, [unit.id]), unit.id)
    if not targets:
        raise Invalid({"unit_id": f"{unit.name} {year} 年尚无目标，请先设定目标再下达"})
    rules = _rules_for(db, year)
    if previous is not None and previous.status is LetterStatus.issued:
        previous.status = LetterStatus.superseded  # never acknowledged: replaced at once, kept
    letter = _new_letter(principal, unit, year, targets, rules, previous, reason)
    db.add(letter)
    db.flush()
    return letter


@dataclass
class IssueSummary:
    year: int
    issued: list[int] = field(default_factory=list)  # the new letters' ids
    already: int = 0  # units that have a letter for the year (a new version is issued one at a time)
    without_targets: list[str] = field(default_factory=list)  # units with no target for the year


def issue_all(db: Session, principal: Principal, year: int) -> IssueSummary:
    """Issue the year's letter to every active unit that has targets and no letter yet; the others are
    counted, not touched. A constant number of statements besides the inserts."""
    policy.ensure_coordinator(principal)
    _check_year(year)
    rules = _rules_for(db, year)
    units = list(
        db.execute(
            select(Unit)
            .where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction)
            .order_by(Unit.sort_order, Unit.id)
        ).scalars()
    )
    have = set(
        db.execute(select(ResponsibilityLetter.unit_id).where(ResponsibilityLetter.year == year).distinct()).scalars()
    )
    targets = performance.targets_for_year(db, year, [u.id for u in units])
    summary = IssueSummary(year)
    new = []
    for unit in units:
        if unit.id in have:
            summary.already += 1
            continue
        frozen = frozen_targets(targets, unit.id)
        if not frozen:
            summary.without_targets.append(unit.name)
            continue
        new.append(_new_letter(principal, unit, year, frozen, rules, None, ""))
    db.add_all(new)
    db.flush()
    summary.issued = [letter.id for letter in new]
    return summary


# --- acknowledging ----------------------------------------------------------------------------


def _head_name(db: Session, unit_id: int) -> str:
    row = db.execute(
        select(Unit.head_name, User.display_name)
        .outerjoin(User, User.id == Unit.head_user_id)
        .where(Unit.id == unit_id)
    ).first()
    if row is None:
        return ""
    return str(row[1] or row[0] or "")


def acknowledge(
    db: Session, principal: Principal, letter_id: int, version: int, text_hash: str
) -> ResponsibilityLetter:
    """The unit's head acknowledges the letter they read: `text_hash` is the hash shown with the text, which
    must be the letter's; `version` the letter's as read. Any earlier acknowledged version of the year is
    superseded by this one."""
    letter = get(db, principal, letter_id)
    if letter.status is LetterStatus.acknowledged:
        raise Invalid({"__all__": "该责任书已签收"})
    if letter.status is LetterStatus.superseded:
        raise Invalid({"__all__": "该版本已被新版本取代，请签收最新版本"})
    if not can_acknowledge(db, principal, letter):
        raise policy.DeniedForbidden("仅本单位负责人可签收本单位的责任书")
    check_version(db, letter, version)
    if text_hash != letter.text_hash or compute_hash(letter) != letter.text_hash:
        raise Invalid({"text_hash": "责任书内容与您阅读的不一致，请刷新后重新阅读再签收"})
    if principal.token_id is not None:
        letter.acknowledged_token_id = principal.token_id
        letter.acknowledged_by_name = _head_name(db, letter.unit_id)[:100]
    else:
        letter.acknowledged_by_id = principal.user_id
        letter.acknowledged_by_name = principal.label[:100]
    letter.acknowledged_at = utcnow()
    letter.acknowledged_from = principal.client_addr[:64]
    letter.acknowledged_hash = text_hash
    letter.status = LetterStatus.acknowledged
    for earlier in db.execute(
        select(ResponsibilityLetter).where(
            ResponsibilityLetter.unit_id == letter.unit_id,
            ResponsibilityLetter.year == letter.year,
            ResponsibilityLetter.revision < letter.revision,
            ResponsibilityLetter.status == LetterStatus.acknowledged,
        )
    ).scalars():
        earlier.status = LetterStatus.superseded
    db.flush()
    return letter


# --- what the assessment cites ----------------------------------------------------------------


def letter_for(db: Session, unit_id: int, year: int) -> ResponsibilityLetter | None:
    """The letter the year's assessment of a unit cites: the unit's latest acknowledged version for the year
    (a newer version still waiting for the head's acknowledgement does not bind yet), or None when the unit
    has acknowledged none. Its `targets` are the targets as frozen on the letter ([{"metric", "label",
    "unit", "amount"}], amounts as text), `tier` the tier, `rules_text` the rules; no access check (the
    assessment is the coordinator's)."""
    return db.execute(
        select(ResponsibilityLetter)
        .where(
            ResponsibilityLetter.unit_id == unit_id,
            ResponsibilityLetter.year == year,
            ResponsibilityLetter.acknowledged_at.is_not(None),
        )
        .order_by(ResponsibilityLetter.revision.desc())
        .limit(1)
    ).scalar_one_or_none()


def letters_for(db: Session, year: int) -> dict[int, ResponsibilityLetter]:
    """`letter_for` of every unit at once (one statement): {unit_id: its binding letter} for the units that
    acknowledged one."""
    signed = (
        select(
            ResponsibilityLetter.id,
            func.row_number()
            .over(partition_by=ResponsibilityLetter.unit_id, order_by=ResponsibilityLetter.revision.desc())
            .label("n"),
        )
        .where(ResponsibilityLetter.year == year, ResponsibilityLetter.acknowledged_at.is_not(None))
        .subquery()
    )
    rows = db.execute(
        select(ResponsibilityLetter).join(signed, signed.c.id == ResponsibilityLetter.id).where(signed.c.n == 1)
    ).scalars()
    return {letter.unit_id: letter for letter in rows}


# --- lists ------------------------------------------------------------------------------------


@dataclass
class LetterRow:
    unit: Unit
    current: ResponsibilityLetter | None  # the unit's latest version for the year
    binding_id: int | None  # the letter `letter_for` gives (may be an earlier version)

    @property
    def state(self) -> str:
        return "none" if self.current is None else self.current.status.value


@dataclass
class LetterPage:
    year: int
    rows: list[LetterRow]
    total: int
    counts: dict[str, int]  # by state, over every unit


def status_page(
    db: Session, principal: Principal, year: int, *, state: str = "", limit: int = 50, offset: int = 0
) -> LetterPage:
    """Per unit, the state of its letter for the year (none, issued, acknowledged), a page at a time: those
    who read everything see every active unit, a unit's staff their own. Five statements."""
    _check_year(year)
    latest = (
        select(ResponsibilityLetter.unit_id, func.max(ResponsibilityLetter.revision).label("revision"))
        .where(ResponsibilityLetter.year == year)
        .group_by(ResponsibilityLetter.unit_id)
        .subquery("latest")
    )
    current = aliased(ResponsibilityLetter)
    base = (
        select(Unit, current)
        .outerjoin(latest, latest.c.unit_id == Unit.id)
        .outerjoin(
            current, and_(current.unit_id == Unit.id, current.year == year, current.revision == latest.c.revision)
        )
        .where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction)
    )
    if not principal.reads_everything:
        base = base.where(Unit.id == (principal.unit_id or 0))
    counts = {key: 0 for key in STATUS_FILTERS}
    by_state = base.with_only_columns(current.status, func.count()).group_by(current.status)
    for status, count in db.execute(by_state).all():
        counts["none" if status is None else LetterStatus(status).value] = int(count)
    if state == "none":
        base = base.where(current.id.is_(None))
    elif state in ("issued", "acknowledged"):
        base = base.where(current.status == LetterStatus(state))
    total = db.execute(base.with_only_columns(func.count())).scalar_one()
    rows = db.execute(base.order_by(Unit.sort_order, Unit.id).limit(limit).offset(offset)).all()
    ids = [unit.id for unit, _letter in rows]
    binding: dict[int, int] = {}
    if ids:
        signed = (
            select(
                ResponsibilityLetter.unit_id,
                ResponsibilityLetter.id,
                func.row_number()
                .over(partition_by=ResponsibilityLetter.unit_id, order_by=ResponsibilityLetter.revision.desc())
                .label("n"),
            )
            .where(
                ResponsibilityLetter.year == year,
                ResponsibilityLetter.unit_id.in_(ids),
                ResponsibilityLetter.acknowledged_at.is_not(None),
            )
            .subquery()
        )
        binding = dict(db.execute(select(signed.c.unit_id, signed.c.id).where(signed.c.n == 1)).tuples().all())
    return LetterPage(
        year, [LetterRow(unit, letter, binding.get(unit.id)) for unit, letter in rows], int(total), counts
    )


def unit_letters(
    db: Session, principal: Principal, unit_id: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[ResponsibilityLetter], int]:
    """Every letter of a unit, every year and version, the newest first."""
    if not can_read(principal, unit_id):
        raise policy.DeniedNotFound(LETTER_NOT_FOUND)
    condition = ResponsibilityLetter.unit_id == unit_id
    total = db.execute(select(func.count()).select_from(ResponsibilityLetter).where(condition)).scalar_one()
    rows = db.execute(
        select(ResponsibilityLetter)
        .where(condition)
        .order_by(ResponsibilityLetter.year.desc(), ResponsibilityLetter.revision.desc())
        .limit(limit)
        .offset(offset)
    ).scalars()
    return list(rows), int(total)


def versions(db: Session, letter: ResponsibilityLetter) -> list[ResponsibilityLetter]:
    """Every version of the letter's unit and year, the newest first (the letter's history)."""
    return list(
        db.execute(
            select(ResponsibilityLetter)
            .where(ResponsibilityLetter.unit_id == letter.unit_id, ResponsibilityLetter.year == letter.year)
            .order_by(ResponsibilityLetter.revision.desc())
        ).scalars()
    )


def issuable_units(db: Session) -> list[tuple[int, str]]:
    return [
        (r[0], r[1])
        for r in db.execute(
            select(Unit.id, Unit.name)
            .where(Unit.is_active.is_(True), Unit.kind != UnitKind.jurisdiction)
            .order_by(Unit.sort_order, Unit.id)
        ).all()
    ]
