"""Helpers shared by the services: optimistic-lock checks and applying validated changes."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid
from app.schemas.common import translate_errors
from app.services import audit

ModelT = TypeVar("ModelT", bound=BaseModel)


def check_version(db: Session, obj: Any, expected: int) -> None:
    """Refuse an edit based on a stale version, saying who changed what since."""
    if obj.version == expected:
        return
    key = obj.id if hasattr(obj, "id") else "/".join(str(v) for v in inspect(obj).identity or ())  # e.g. a year
    newer = audit.changes_since_version(db, obj.__tablename__, key, expected)
    details = [
        {
            "by": e.actor_label,
            "at": e.at.isoformat(),
            "changes": {k: v for k, v in audit.masked_changes(e.entity, e.changes).items() if k != "version"},
        }
        for e in newer
    ]
    raise Conflict(details={"current_version": obj.version, "your_version": expected, "changes": details})


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Set the given attributes; return those that actually changed."""
    changed = {}
    for key, value in values.items():
        if key == "version":
            continue
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed[key] = value
    return changed


def merge_sent(model: type[ModelT], obj: Any, data: BaseModel) -> ModelT:
    """An edit that sends only some fields (an API PATCH): the fields sent over `obj`'s current values,
    checked as a whole as `model` (a refusal is an `Invalid` naming its field). A form sends every
    field, so for a page this is `data` itself."""
    current = {name: getattr(obj, name) for name in model.model_fields if hasattr(obj, name)}
    try:
        return model.model_validate({**current, **data.model_dump(exclude_unset=True)})
    except ValidationError as exc:
        raise Invalid(translate_errors(exc.errors())) from None


def release_memory() -> None:
    """Give back to the system what a long request (a 10,000-row import, an export) built and let go of:
    collect, then ask glibc's allocator to return its free pages (`malloc_trim`). Without it a worker kept
    the import's ~40 MB after the answer (bench/FINDINGS.md). A no-op where there is no glibc."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a computation builds a large graph of objects that holds
    no cycles (the per-mu evaluation of every firm: some 750,000 containers). Each full collection walks every
    object built so far, and there are many as the graph grows: on the province data set the evaluation took
    9.3 s with the collector and 2.9 s without (bench/FINDINGS.md). Reference counting still frees everything;
    the collector is enabled again (if it was) when the block ends, however it ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
