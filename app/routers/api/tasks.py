"""Supervised tasks (督办事项) over the API: the same service as the pages (app.services.tasks)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import File, Form, Path, Query, UploadFile
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession, SettingsDep
from app.errors import Invalid
from app.models.task import SupervisedTask, TaskSourceKind, TaskStatus
from app.routing import IndexedRouter
from app.schemas.changes import UpdatedSince, aware
from app.schemas.common import Page, json_response, multipart_example
from app.schemas.tasks import (
    NOTE_ACTION_HELP,
    TaskCancel,
    TaskCreate,
    TaskFileRead,
    TaskNoteIn,
    TaskNoteRead,
    TaskRead,
    TaskReassign,
    TaskReschedule,
    TaskReview,
)
from app.services import files as file_store
from app.services import tasks

router = IndexedRouter(prefix="/tasks", tags=["督办事项"])
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _read(row: tasks.TaskRow, *, with_notes: bool = False, db: DbSession | None = None) -> TaskRead:
    t = row.task
    notes = None
    if with_notes and db is not None:
        notes = [
            TaskNoteRead(
                id=n.id,
                action=n.action,
                action_label=tasks.action_label(n.action),
                at=n.at,
                actor_label=n.actor_label,
                note=n.note,
                files=[
                    TaskFileRead(
                        id=f.id,
                        kind=f.kind,
                        content_type=f.content_type,
                        size=f.size,
                        original_name=f.original_name,
                        link=f"/api/v1/tasks/{t.id}/files/{f.id}",
                    )
                    for f in files
                ],
            )
            for n, files in tasks.timeline(db, t)
        ]
    return TaskRead(
        id=t.id,
        title=t.title,
        content=t.content,
        source_kind=t.source_kind,
        source_label=t.source_kind.label,
        source_id=t.source_id,
        source_ref=t.source_ref,
        owner_unit_id=t.owner_unit_id,
        owner_unit_name=row.unit_name,
        owner_user_id=t.owner_user_id,
        owner_user_name=row.person,
        assigned_on=t.assigned_on,
        due_days=t.due_days,
        due_on=t.due_on,
        status=t.status,
        status_label=t.status.label,
        light=row.light,
        remaining_days=row.remaining,
        overdue=row.overdue,
        done_on=t.done_on,
        closed_at=t.closed_at,
        review_note=t.review_note,
        returned_count=t.returned_count,
        escalation_level=t.escalation_level,
        version=t.version,
        created_at=t.created_at,
        updated_at=t.updated_at,
        notes=notes,
    )


def _one(db: DbSession, task: SupervisedTask) -> TaskRead:
    db.flush()
    db.refresh(task)  # updated_at and version as stored
    return _read(tasks.row_of(db, task), with_notes=True, db=db)


@router.get("", summary="督办事项列表（期限近的在前；单位令牌只见本单位的）")
def list_tasks(
    principal: ApiPrincipal,
    db: DbSession,
    status: TaskStatus | None = None,
    overdue: Annotated[bool, Query(description="只列出逾期未办结的（待办理、办理中、退回重办且已过期限）")] = False,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="责任单位（单位令牌只见本单位）")] = None,
    source_kind: TaskSourceKind | None = None,
    source_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="来源记录编号")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    updated_since: UpdatedSince = None,
) -> Page[TaskRead]:
    f = tasks.TaskFilter(
        status=status,
        overdue=overdue,
        unit_id=unit_id,
        source_kind=source_kind,
        source_id=source_id,
        updated_since=aware(updated_since),
    )
    rows, total = tasks.list_tasks(db, principal, f, limit=limit, offset=offset)
    return Page[TaskRead](items=[_read(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=201,
    response_model=TaskRead,
    summary="交办督办事项（督查室或招商局；令牌须为招商局角色并有 reports 范围；可带 Idempotency-Key）",
)
def create_task(body: TaskCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    task = tasks.assign(db, principal, body)
    return guard.finish(json_response(_one(db, task), 201))


@router.get("/{task_id}", summary="单个督办事项及其办理过程")
def get_task(task_id: IdPath, principal: ApiPrincipal, db: DbSession) -> TaskRead:
    task = tasks.get(db, principal, task_id)
    return _read(tasks.row_of(db, task), with_notes=True, db=db)


@router.get(
    "/{task_id}/files/{file_id}",
    summary="下载佐证材料",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "application/pdf": {}}}},
)
def download_file(
    task_id: IdPath, file_id: IdPath, principal: ApiPrincipal, db: DbSession, settings: SettingsDep
) -> Response:
    row = tasks.get_file(db, principal, task_id, file_id)
    return Response(
        file_store.read(settings.files_dir, row.storage_key),
        media_type=row.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.post(
    "/{task_id}/notes",
    response_model=TaskRead,
    summary="报告进展或办结报请销号，可附佐证材料（照片或 PDF，每个不超过 10 MB，最多 10 个）；"
    "责任单位（进展也可由督查室记录）；可带 Idempotency-Key",
    openapi_extra=multipart_example(
        "办结并报请销号，附两张现场照片",
        {
            "version": 3,
            "action": "submit",
            "note": "两户补偿协议已于 12 月 18 日签订，场地已移交施工单位。",
            "files": ["协议签订现场.jpg", "场地移交.jpg"],
        },
    ),
)
def add_note(
    task_id: IdPath,
    principal: ApiPrincipal,
    db: DbSession,
    settings: SettingsDep,
    guard: ApiIdempotency,
    version: Annotated[int, Form(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")],
    action: Annotated[Literal["progress", "submit"], Form(description=NOTE_ACTION_HELP)],
    note: Annotated[str, Form(min_length=1, max_length=4000, description="进展情况或办结情况")],
    files: Annotated[list[UploadFile] | None, File(description="佐证材料：照片或 PDF")] = None,
) -> Response:
    data = TaskNoteIn(version=version, action=action, note=note)
    tasks.get(db, principal, task_id)  # one who may not see it is refused before its files are read
    uploads = [u for u in files or [] if u.filename]
    if len(uploads) > 10:
        raise Invalid({"files": "一次最多上传 10 个文件"})
    prepared = [
        file_store.prepare_upload(
            upload.file.read(settings.max_file_bytes + 1),
            field=f"files.{index}",
            max_bytes=settings.max_file_bytes,
            max_side=settings.photo_max_side,
            keep_position=False,
        )
        for index, upload in enumerate(uploads)
    ]
    task = tasks.add_note(db, principal, task_id, data, prepared, [u.filename or "" for u in uploads])
    file_store.store(db, settings.files_dir, prepared)
    return guard.finish(json_response(_one(db, task)))


@router.post(
    "/{task_id}/review",
    response_model=TaskRead,
    summary="审核报请销号的督办事项：销号，或退回重办（可重新给定期限）（督查室或招商局；可带 Idempotency-Key）",
)
def review_task(
    task_id: IdPath, body: TaskReview, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    task = tasks.review(db, principal, task_id, body)
    return guard.finish(json_response(_one(db, task)))


@router.post(
    "/{task_id}/reassign",
    response_model=TaskRead,
    summary="改派督办事项到另一单位或责任人（须说明理由；督查室或招商局；新责任单位收到通知；可带 Idempotency-Key）",
)
def reassign_task(
    task_id: IdPath, body: TaskReassign, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    task = tasks.reassign(db, principal, task_id, body)
    return guard.finish(json_response(_one(db, task)))


@router.post(
    "/{task_id}/reschedule",
    response_model=TaskRead,
    summary="调整督办期限：自今日起若干工作日（须说明理由；逾期记录保留；督查室或招商局；可带 Idempotency-Key）",
)
def reschedule_task(
    task_id: IdPath, body: TaskReschedule, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    task = tasks.reschedule(db, principal, task_id, body)
    return guard.finish(json_response(_one(db, task)))


@router.post(
    "/{task_id}/cancel",
    response_model=TaskRead,
    summary="撤销督办事项（须说明理由；仅督查室或招商局；已逾期的保留逾期记录；可带 Idempotency-Key）",
)
def cancel_task(
    task_id: IdPath, body: TaskCancel, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    task = tasks.cancel(db, principal, task_id, body)
    return guard.finish(json_response(_one(db, task)))
