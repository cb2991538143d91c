"""Factories: real rows in the test database, built through the models (no mocks)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, Role, User
from app.scopes import ROLE_SCOPES, SCOPES, TokenRole
from app.services.security import hash_password, sha256_hex

PASSWORD = "Test@Pass2026"
_counter = itertools.count(1)
_PASSWORD_HASH: str | None = None


def _hash(password: str) -> str:
    global _PASSWORD_HASH
    if password == PASSWORD:
        if _PASSWORD_HASH is None:
            _PASSWORD_HASH = hash_password(PASSWORD)
        return _PASSWORD_HASH
    return hash_password(password)


def make_unit(db: Session, **overrides: Any) -> Unit:
    n = next(_counter)
    values: dict[str, Any] = {"name": f"测试单位{n}", "short_name": f"单位{n}", "kind": UnitKind.town, "tier": None}
    values.update(overrides)
    if values["kind"] is UnitKind.department and values.get("tier") is None:
        values["tier"] = 2
    unit = Unit(**values)
    db.add(unit)
    db.flush()
    return unit


def make_user(
    db: Session,
    unit: Unit | None = None,
    role: Role = Role.unit_staff,
    *,
    password: str = PASSWORD,
    must_change_password: bool = False,
    **overrides: Any,
) -> User:
    n = next(_counter)
    unit = unit or make_unit(db)
    values: dict[str, Any] = {
        "username": f"user{n}",
        "display_name": f"测试用户{n}",
        "unit_id": unit.id,
        "role": role,
        "password_hash": _hash(password),
        "must_change_password": must_change_password,
    }
    values.update(overrides)
    user = User(**values)
    db.add(user)
    db.flush()
    return user


def make_token(
    db: Session,
    unit: Unit | None = None,
    *,
    read_only: bool = False,
    role: TokenRole | None = None,
    scopes: Iterable[str] | None = None,
    **overrides: Any,
) -> str:
    """Create a token; returns the bearer secret. Without a role: its unit's staff, or a reader of everything
    when it has no unit; without scopes: every scope its role may hold (only "read" when read-only)."""
    n = next(_counter)
    secret = f"zs_test_token_{n}_{'x' * 20}"
    role = role or (TokenRole.unit_staff if unit else TokenRole.reader)
    granted = {"read"} if read_only else set(ROLE_SCOPES[role] if scopes is None else scopes)
    token = ApiToken(
        name=f"测试系统{n}",
        prefix=secret[:10],
        token_hash=sha256_hex(secret),
        unit_id=unit.id if unit else None,
        read_only=read_only or not (granted - {"read"}),
        role=role,
        scopes=" ".join(code for code in SCOPES if code in granted),
        **overrides,
    )
    db.add(token)
    db.flush()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
