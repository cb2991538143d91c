"""Password hashing, the password policy, TOTP and random tokens."""

from __future__ import annotations

import hashlib
import secrets
import string

import pyotp
import segno
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.config import Settings

_hasher = PasswordHash((Argon2Hasher(),))
# verified against when the username is unknown, so both answers take the same time
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed verification, never a crash
        return False


def password_problems(password: str, username: str, settings: Settings) -> list[str]:
    """What the password policy finds wrong with a new password (in Chinese), empty if none."""
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(f"密码至少 {settings.password_min_length} 位")
    if len(password) > 128:
        problems.append("密码不能超过 128 位")
    classes = sum(
        [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c in string.digits for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if classes < settings.password_min_classes:
        problems.append(f"密码须包含大写字母、小写字母、数字、符号中的至少 {settings.password_min_classes} 类")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    return problems


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# --- TOTP ------------------------------------------------------------------------------------

TOTP_ISSUER = "招商引资工作平台"


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def totp_qr_svg(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff", omitsize=True))


def totp_match_step(secret: str, code: str, last_step: int | None, at: float | None = None) -> int | None:
    """The time step the code belongs to (±1 step of drift), or None; a step is never reused."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    import time

    now = at if at is not None else time.time()
    current = int(now // totp.interval)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None
