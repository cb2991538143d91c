"""Supervised task pages (督办事项): the list across units (a unit sees its own), a task with its timeline,
progress notes with photos from a phone, the report that it is done, the office's review, and a new task
(also prefilled from a ticket or a spot-check finding)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from app.config import Settings
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Invalid
from app.models.task import TaskSourceKind, TaskStatus
from app.models.user import User
from app.routing import IndexedRouter
from app.schemas.common import validate_form
from app.schemas.tasks import TaskCancel, TaskCreate, TaskNoteIn, TaskReassign, TaskReschedule, TaskReview
from app.services import files as file_store
from app.services import history, notify, tasks, units
from app.templating import go, render

router = IndexedRouter()
PAGE = 50
LIGHT_LABELS = {"green": "正常", "yellow": "即将到期", "red": "逾期", "grey": "不计时"}
STATUSES = [(s.value, s.label) for s in TaskStatus]
SOURCES = [(s.value, s.label) for s in TaskSourceKind]


def _files(form: FormData, settings: Settings) -> tuple[list[file_store.StoredFile], list[str]]:
    """The form's evidence (photos or PDFs), judged and converted in memory: written only once the note
    has been accepted."""
    uploads = [u for u in form.getlist("files") if isinstance(u, UploadFile) and u.filename]
    if len(uploads) > 10:
        raise Invalid({"files": "一次最多上传 10 个文件"})
    stored, names = [], []
    for upload in uploads:
        data = upload.file.read(settings.max_file_bytes + 1)
        stored.append(
            file_store.prepare_upload(
                data,
                field="files",
                max_bytes=settings.max_file_bytes,
                max_side=settings.photo_max_side,
                keep_position=False,
            )
        )
        names.append(upload.filename or "")
    return stored, names


def _choice(value: str, allowed: list[tuple[str, str]], field: str) -> str:
    if value and value not in dict(allowed):
        raise Invalid({field: "请选择有效的选项"})
    return value


@router.get("/tasks")
def task_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    status: str = Query("", max_length=20),
    source_kind: str = Query("", max_length=20),
    unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
    overdue: bool = Query(False),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    _choice(status, STATUSES, "status")
    _choice(source_kind, SOURCES, "source_kind")
    f = tasks.TaskFilter(
        status=TaskStatus(status) if status else None,
        source_kind=TaskSourceKind(source_kind) if source_kind else None,
        unit_id=unit_id,
        overdue=overdue,
    )
    rows, total = tasks.list_tasks(db, principal, f, limit=PAGE, offset=offset)
    query = "&".join(
        f"{k}={v}"
        for k, v in (
            ("status", status),
            ("source_kind", source_kind),
            ("unit_id", unit_id or ""),
            ("overdue", "1" if overdue else ""),
        )
        if v
    )
    unit_rows, _ = units.list_units(db) if principal.reads_everything else ([], 0)
    return render(
        request,
        "tasks/list.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "page": PAGE,
            "query": query,
            "f": {"status": status, "source_kind": source_kind, "unit_id": unit_id, "overdue": overdue},
            "statuses": STATUSES,
            "sources": SOURCES,
            "unit_options": [(u.id, u.name) for u, _depth in units.tree(unit_rows)],
            "light_labels": LIGHT_LABELS,
            "may_assign": tasks.is_office(principal),
        },
        block="results",
    )


def _form(
    request: Request,
    db: DbSession,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    unit_rows, _ = units.list_units(db)
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    return render(
        request,
        "tasks/new.html",
        {
            "values": values,
            "errors": errors or {},
            "sources": SOURCES,
            "unit_options": [(u.id, u.name) for u, _depth in units.tree(unit_rows)],
            "people": tasks.people(db),
        },
        status_code=status_code,
        block="form",
    )


@router.get("/tasks/new")
def task_new(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    source_kind: str = Query("", max_length=20),
    source_id: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    tasks.ensure_office(principal)
    _choice(source_kind, SOURCES, "source_kind")
    values = tasks.prefill(db, principal, TaskSourceKind(source_kind) if source_kind else None, source_id)
    return _form(request, db, dict(values))


@router.post("/tasks/new")
def task_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    tasks.ensure_office(principal)  # before validating: a refused form is never echoed back
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        task = tasks.assign(db, principal, validate_form(TaskCreate, form))
    except Invalid as exc:
        return _form(request, db, values, exc.errors, 422)
    return guard.finish(go(request, f"/tasks/{task.id}?created=1"))


def _page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    task_id: int,
    *,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
    refused: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    """The task's page; `refused` names the form sent back ("note", "review", "reassign", "reschedule" or
    "cancel") with its messages."""
    task = tasks.get(db, principal, task_id)
    office = tasks.is_office(principal)
    unit_rows, _ = units.list_units(db) if office else ([], 0)
    if principal.user_id is not None:  # opening the task reads its notifications
        notify.mark_read(db, principal.user_id, link=f"/tasks/{task.id}")
    return render(
        request,
        "tasks/detail.html",
        {
            "task": task,
            "row": tasks.row_of(db, task),
            "timeline": tasks.timeline(db, task),
            "action_label": tasks.action_label,
            "light_labels": LIGHT_LABELS,
            "is_owner": tasks.is_owner(principal, task),
            "is_office": tasks.is_office(principal),
            "assigned_by": db.get(User, task.assigned_by_id) if task.assigned_by_id else None,
            "errors": errors or {},
            "conflict": conflict,
            "refused": refused,
            "values": values or {},
            "history": history.of(db, principal, "supervised_task", task.id),
            "unit_options": [(u.id, u.name) for u, _depth in units.tree(unit_rows)],
            "people": tasks.people(db) if office else [],
        },
        status_code=status_code,
    )


@router.get("/tasks/{task_id}")
def task_page(request: Request, db: DbSession, principal: PagePrincipal, task_id: int) -> Response:
    return _page(request, db, principal, task_id)


@router.get("/tasks/{task_id}/files/{file_id}")
def task_file(db: DbSession, principal: PagePrincipal, settings: SettingsDep, task_id: int, file_id: int) -> Response:
    row = tasks.get_file(db, principal, task_id, file_id)
    suffix = "pdf" if row.kind == "document" else "jpg"
    return Response(
        file_store.read(settings.files_dir, row.storage_key),
        media_type=row.content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "Content-Disposition": f'inline; filename="task-{task_id}-{row.id}.{suffix}"',
        },
    )


def _refused(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    task_id: int,
    exc: Invalid | Conflict,
    form: FormData,
    refused: str,
) -> Response:
    """The task page again after its `refused` form was refused: 409 for a stale version, else 422, with
    the messages and what was typed (files are never sent back)."""
    typed = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf_token", "version")}
    if isinstance(exc, Conflict):
        return _page(
            request, db, principal, task_id, conflict=exc.details, status_code=409, refused=refused, values=typed
        )
    return _page(request, db, principal, task_id, errors=exc.errors, status_code=422, refused=refused, values=typed)


@router.post("/tasks/{task_id}/notes")
def task_note(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, task_id: int, form: RequestForm
) -> Response:
    tasks.get(db, principal, task_id)  # one who may not see it is refused before its files are read
    try:
        stored, names = _files(form, settings)
        tasks.add_note(db, principal, task_id, validate_form(TaskNoteIn, form, ignore=["files"]), stored, names)
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, task_id, exc, form, "note")
    file_store.store(db, settings.files_dir, stored)
    return go(request, f"/tasks/{task_id}")


@router.post("/tasks/{task_id}/review")
def task_review(request: Request, db: DbSession, principal: PagePrincipal, task_id: int, form: RequestForm) -> Response:
    tasks.get(db, principal, task_id)
    tasks.ensure_office(principal, "督办事项由督查室或招商局审核销号")
    try:
        tasks.review(db, principal, task_id, validate_form(TaskReview, form))
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, task_id, exc, form, "review")
    return go(request, f"/tasks/{task_id}")


def _office_action(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    task_id: int,
    form: RequestForm,
    refused: str,
    act: Any,
) -> Response:
    """One of the office's operations on a task (改派, 调整期限, 撤销): refused before its form is read when
    the principal is not the office; sent back with its messages when its input is refused."""
    tasks.get(db, principal, task_id)
    tasks.ensure_office(principal, "只有督查室或招商局可以改派、调整期限或撤销督办事项")
    try:
        act()
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, task_id, exc, form, refused)
    return go(request, f"/tasks/{task_id}")


@router.post("/tasks/{task_id}/reassign")
def task_reassign(
    request: Request, db: DbSession, principal: PagePrincipal, task_id: int, form: RequestForm
) -> Response:
    return _office_action(
        request,
        db,
        principal,
        task_id,
        form,
        "reassign",
        lambda: tasks.reassign(db, principal, task_id, validate_form(TaskReassign, form)),
    )


@router.post("/tasks/{task_id}/reschedule")
def task_reschedule(
    request: Request, db: DbSession, principal: PagePrincipal, task_id: int, form: RequestForm
) -> Response:
    return _office_action(
        request,
        db,
        principal,
        task_id,
        form,
        "reschedule",
        lambda: tasks.reschedule(db, principal, task_id, validate_form(TaskReschedule, form)),
    )


@router.post("/tasks/{task_id}/cancel")
def task_cancel(request: Request, db: DbSession, principal: PagePrincipal, task_id: int, form: RequestForm) -> Response:
    return _office_action(
        request,
        db,
        principal,
        task_id,
        form,
        "cancel",
        lambda: tasks.cancel(db, principal, task_id, validate_form(TaskCancel, form)),
    )
