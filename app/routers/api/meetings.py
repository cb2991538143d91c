"""Meetings (会议) and their decisions over the API: the same service as the pages (app.services.meetings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.meeting import Meeting, MeetingKind
from app.principal import Principal
from app.routing import IndexedRouter
from app.schemas.changes import UpdatedSince, aware
from app.schemas.common import Page, json_response
from app.schemas.meetings import (
    DecisionCreate,
    DecisionRead,
    MaterialProject,
    MeetingCreate,
    MeetingHold,
    MeetingRead,
    MeetingUpdate,
    NamedRef,
    StageCount,
    TargetLine,
    UnitMaterials,
)
from app.services import meetings

router = IndexedRouter(prefix="/meetings", tags=["会议"])
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _refs(pairs: list[tuple[int, str]]) -> list[NamedRef]:
    return [NamedRef(id=i, name=n) for i, n in pairs]


def _decision(row: meetings.DecisionRow) -> DecisionRead:
    d, task = row.decision, row.task
    return DecisionRead(
        id=d.id,
        meeting_id=d.meeting_id,
        number=d.number,
        content=row.content,
        owner_unit=NamedRef(id=d.owner_unit_id, name=row.unit_name),
        owner_user=NamedRef(id=d.owner_user_id, name=row.person or "") if d.owner_user_id else None,
        due_days=d.due_days,
        task_id=d.task_id,
        task_status=task.status if task else None,
        task_status_label=task.status.label if task else "",
        task_due_on=task.due_on if task else None,
        task_light=row.light,
        created_at=d.created_at,
    )


def _materials(m: meetings.Materials) -> UnitMaterials:
    data = m.data
    return UnitMaterials(
        unit_id=m.unit_id,
        unit_name=m.unit_name,
        frozen=m.frozen,
        as_of=m.as_of,
        year=data["year"],
        targets=[TargetLine(**t) for t in data["targets"]],
        funds_domestic=data["funds_domestic"],
        funds_out_of_province=data["funds_out_of_province"],
        foreign_capital=data["foreign_capital"],
        stages=[StageCount(**s) for s in data["stages"]],
        paused=data["paused"],
        projects=[
            MaterialProject(**{k: p[k] for k in MaterialProject.model_fields})  # the name as this reader sees it
            for p in m.projects
        ],
        open_tasks=data["open_tasks"],
        overdue_tasks=data["overdue_tasks"],
        overdue_tickets=data["overdue_tickets"],
    )


def _read(row: meetings.MeetingRow) -> MeetingRead:
    m = row.meeting
    return MeetingRead(
        id=m.id,
        kind=m.kind,
        kind_label=m.kind.label,
        title=row.title,
        held_on=m.held_on,
        place=m.place,
        chair=m.chair,
        status=m.status,
        status_label=m.status.label,
        attendees=_refs(row.lists.attendees),
        attendee_names=m.attendee_names,
        units=_refs(row.lists.units),
        projects=_refs(row.lists.projects),
        summary=row.summary,
        decision_count=row.decision_count,
        recorded_at=m.recorded_at,
        materials_as_of=m.materials_as_of,
        version=m.version,
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


def _one(db: DbSession, principal: Principal, meeting: Meeting) -> MeetingRead:
    db.flush()
    db.refresh(meeting)  # updated_at and version as stored
    read = _read(meetings.row_of(db, principal, meeting))
    read.decisions = [_decision(r) for r in meetings.decisions(db, principal, meeting)]
    read.materials = [_materials(m) for m in meetings.materials(db, principal, meeting)]
    return read


@router.get("", summary="会议列表（日期新的在前；单位令牌只见研究本单位或有本单位决定事项的会议）")
def list_meetings(
    principal: ApiPrincipal,
    db: DbSession,
    kind: Annotated[MeetingKind | None, Query(description="会议类别")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度（会议日期）")] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="研究的单位")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    updated_since: UpdatedSince = None,
) -> Page[MeetingRead]:
    f = meetings.MeetingFilter(kind=kind, year=year, unit_id=unit_id, updated_since=aware(updated_since))
    rows, total = meetings.list_meetings(db, principal, f, limit=limit, offset=offset)
    return Page[MeetingRead](items=[_read(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=201,
    response_model=MeetingRead,
    summary="安排会议（督查室或招商局；令牌须为招商局角色并有 reports 范围；可带 Idempotency-Key）",
)
def create_meeting(body: MeetingCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    meeting = meetings.create(db, principal, body)
    return guard.finish(json_response(_one(db, principal, meeting), 201))


@router.get("/{meeting_id}", summary="单个会议：参会人员、研究的单位和项目、各单位汇报材料、决定事项及督办情况")
def get_meeting(meeting_id: IdPath, principal: ApiPrincipal, db: DbSession) -> MeetingRead:
    meeting = meetings.get(db, principal, meeting_id)
    return _one(db, principal, meeting)


@router.patch(
    "/{meeting_id}",
    response_model=MeetingRead,
    summary="修改会议：参会人员、研究的单位和项目、纪要等（只改所给的字段；列表整体替换；需带 version，过期 409）",
)
def update_meeting(
    meeting_id: IdPath, body: MeetingUpdate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    meeting = meetings.update(db, principal, meeting_id, body)
    return guard.finish(json_response(_one(db, principal, meeting)))


@router.post(
    "/{meeting_id}/hold",
    response_model=MeetingRead,
    summary="记录会议已召开：按会议日期冻结各单位汇报材料（会议日期不能晚于今天；需带 version；可带 Idempotency-Key）",
)
def hold_meeting(
    meeting_id: IdPath, body: MeetingHold, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    meeting = meetings.hold(db, principal, meeting_id, body)
    return guard.finish(json_response(_one(db, principal, meeting)))


@router.post(
    "/{meeting_id}/decisions",
    status_code=201,
    response_model=DecisionRead,
    summary="记录决定事项：同时向责任单位交办督办事项（会议须已召开；督查室或招商局；可带 Idempotency-Key）",
)
def add_decision(
    meeting_id: IdPath, body: DecisionCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    decision = meetings.add_decision(db, principal, meeting_id, body)
    meeting = meetings.get(db, principal, meeting_id)
    row = next(r for r in meetings.decisions(db, principal, meeting) if r.decision.id == decision.id)
    return guard.finish(json_response(_decision(row), 201))
