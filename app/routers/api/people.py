"""Sections and people over the API, as on /units/{id}/people and /people/{id}: a unit's sections and cadres
(干部), the split of its targets (目标分解), the persons credited with a lead or a project, and a cadre's
ledger (干部招商台账). Same services as the pages: the unit's head and the coordinator manage; a unit's
token reads its unit's people but manages nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import Page, json_response
from app.schemas.people import (
    CadreCreate,
    CadreRead,
    CadreUpdate,
    LedgerRead,
    MonthFigures,
    PeopleSet,
    PersonRow,
    PersonShareRead,
    SectionCreate,
    SectionRead,
    SectionUpdate,
    TargetSplitRead,
    TargetSplitSet,
)
from app.services import cadre_credits, ledgers, people, workdays

router = IndexedRouter(tags=["科室与人员"])

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度（默认今年）")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
PCT_PLACES = Decimal("0.1")


def _year(year: int | None) -> int:
    return year or workdays.today().year


def _rows(page: people.PeoplePage, limit: int, offset: int) -> Page[PersonRow]:
    return Page[PersonRow](
        items=[
            PersonRow(cadre=CadreRead.model_validate(c), figures=figures, targets=targets)
            for c, figures, targets in page.rows
        ],
        total=page.total,
        limit=limit,
        offset=offset,
    )


# --- sections ----------------------------------------------------------------------------------


@router.get("/units/{unit_id}/sections", summary="单位的科室（所、站、社区、分队），含停用的")
def list_sections(unit_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[SectionRead]:
    people.ensure_read_unit_people(db, principal, unit_id)
    return [SectionRead.model_validate(s) for s in people.sections(db, unit_id)]


@router.post(
    "/units/{unit_id}/sections",
    status_code=201,
    response_model=SectionRead,
    summary="新增科室（本单位负责人或招商局令牌，admin 范围；单位令牌 403；同名 422；可带 Idempotency-Key）",
)
def create_section(
    unit_id: IdPath, body: SectionCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    section = people.create_section(db, principal, unit_id, body)
    return guard.finish(json_response(SectionRead.model_validate(section), 201))


@router.put(
    "/sections/{section_id}",
    response_model=SectionRead,
    summary="修改科室：名称、类别、排序、停用（需带 version，过期 409）",
)
def update_section(
    section_id: IdPath, body: SectionUpdate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    return guard.finish(
        json_response(SectionRead.model_validate(people.update_section(db, principal, section_id, body)))
    )


# --- people ------------------------------------------------------------------------------------


@router.get("/units/{unit_id}/people", summary="单位的人员及本年度实绩与分解目标（本单位负责人、单位令牌、招商局）")
def unit_people(
    unit_id: IdPath,
    principal: ApiPrincipal,
    db: DbSession,
    year: YearQuery = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PersonRow]:
    page = people.list_cadres(
        db, principal, _year(year), unit_id=unit_id, active_only=False, limit=limit, offset=offset
    )
    return _rows(page, limit, offset)


@router.post(
    "/units/{unit_id}/people",
    status_code=201,
    response_model=CadreRead,
    summary="添加人员：无账号的领导干部，或本单位尚未列入的账号（本单位负责人或招商局令牌；可带 Idempotency-Key）",
)
def create_cadre(
    unit_id: IdPath, body: CadreCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    cadre = people.create_cadre(db, principal, unit_id, body)
    return guard.finish(json_response(CadreRead.model_validate(cadre), 201))


@router.get("/people", summary="全部人员及本年度实绩（招商局、县级领导、督查室与只读令牌）")
def everyone(
    principal: ApiPrincipal,
    db: DbSession,
    year: YearQuery = None,
    q: Annotated[str, Query(max_length=50, description="姓名或职务中的字")] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PersonRow]:
    page = people.list_cadres(db, principal, _year(year), q=q.strip(), limit=limit, offset=offset)
    return _rows(page, limit, offset)


@router.put(
    "/people/{cadre_id}",
    response_model=CadreRead,
    summary="修改人员：姓名、职务、所在科室（分配科室）、排序、停用（需带 version，过期 409）",
)
def update_cadre(
    cadre_id: IdPath, body: CadreUpdate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    return guard.finish(json_response(CadreRead.model_validate(people.update_cadre(db, principal, cadre_id, body))))


@router.get("/people/{cadre_id}/ledger", summary="干部招商台账：逐月线索、走访、项目、到位资金及分解目标完成情况")
def ledger(cadre_id: IdPath, principal: ApiPrincipal, db: DbSession, year: YearQuery = None) -> LedgerRead:
    book = ledgers.ledger(db, principal, cadre_id, _year(year))
    return LedgerRead(
        cadre=CadreRead.model_validate(book.cadre),
        unit_id=book.unit.id,
        section_id=book.section.id if book.section else None,
        year=book.year,
        months=[MonthFigures(month=m, figures=line) for m, line in book.months],
        total=book.total,
        targets=book.targets,
        completion={k: v.quantize(PCT_PLACES) if v is not None else None for k, v in book.completion.items()},
    )


# --- target splits -----------------------------------------------------------------------------


@router.get("/targets/splits", summary="单位目标分解到科室和人员的情况")
def list_splits(
    principal: ApiPrincipal,
    db: DbSession,
    unit_id: Annotated[int, Query(ge=1, le=2_147_483_647, description="单位")],
    year: YearQuery = None,
) -> list[TargetSplitRead]:
    return [TargetSplitRead.model_validate(r) for r in people.list_splits(db, principal, unit_id, _year(year))]


@router.put(
    "/targets/splits",
    response_model=TargetSplitRead,
    summary="把单位年度目标分解到科室或人员（本单位负责人或招商局令牌，targets 范围；合计不得超过单位目标；0 为取消）",
)
def split_target(body: TargetSplitSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = people.split_target(
        db,
        principal,
        year=body.year,
        metric=body.metric,
        amount=body.amount,
        section_id=body.section_id,
        cadre_id=body.cadre_id,
    )
    if row is None:  # removed: answered as the split now stands (nothing)
        holder = people.split_holder(db, principal, body.section_id, body.cadre_id)
        answer = TargetSplitRead(
            id=None,
            year=body.year,
            metric=body.metric,
            unit_id=holder.unit_id,
            section_id=body.section_id,
            cadre_id=body.cadre_id,
            amount=Decimal(0),
        )
        return guard.finish(json_response(answer))
    return guard.finish(json_response(TargetSplitRead.model_validate(row)))


# --- who worked a lead, a project, a visit or an activity ------------------------------------------------------------


def _shares(rows: list[cadre_credits.PersonShare]) -> list[PersonShareRead]:
    return [PersonShareRead.model_validate(r) for r in rows]


@router.get("/leads/{lead_id}/people", summary="线索的经手人及份额（未指定时为提供人）")
def lead_people(lead_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[PersonShareRead]:
    return _shares(cadre_credits.lead_people(db, principal, lead_id))


@router.put(
    "/leads/{lead_id}/people",
    response_model=list[PersonShareRead],
    summary="设定线索的经手人及份额（合计 100%；空列表恢复默认；本单位令牌只能指定本单位人员）",
)
def set_lead_people(
    lead_id: IdPath, body: PeopleSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    rows = cadre_credits.set_lead_people(db, principal, lead_id, [(p.cadre_id, p.share) for p in body.people])
    return guard.finish(Response(_list_json(_shares(rows)), media_type="application/json"))


@router.get("/projects/{project_id}/people", summary="项目的经手人及份额（未指定时随线索，或为录入人）")
def project_people(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[PersonShareRead]:
    return _shares(cadre_credits.project_people(db, principal, project_id))


@router.put(
    "/projects/{project_id}/people",
    response_model=list[PersonShareRead],
    summary="设定项目的经手人及份额（合计 100%；空列表恢复默认；本单位令牌只能指定本单位人员）",
)
def set_project_people(
    project_id: IdPath, body: PeopleSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    rows = cadre_credits.set_project_people(db, principal, project_id, [(p.cadre_id, p.share) for p in body.people])
    return guard.finish(Response(_list_json(_shares(rows)), media_type="application/json"))


ActivityKind = Literal["trip", "reception", "event", "trade"]
KindPath = Annotated[
    ActivityKind, Path(description="活动类别：trip 外出招商、reception 接待客商、event 推介活动、trade 外贸进出口")
]


@router.get("/progress/{update_id}/people", summary="项目走访（进度更新）的经办人及份额（未指定时为登记人）")
def visit_people(update_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[PersonShareRead]:
    return _shares(cadre_credits.record_people(db, principal, "visit", update_id))


@router.put(
    "/progress/{update_id}/people",
    response_model=list[PersonShareRead],
    summary="设定项目走访的经办人及份额（合计 100%；空列表恢复默认即登记人；本单位令牌只能指定本单位人员）",
)
def set_visit_people(
    update_id: IdPath, body: PeopleSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    rows = cadre_credits.set_record_people(
        db, principal, "visit", update_id, [(p.cadre_id, p.share) for p in body.people]
    )
    return guard.finish(Response(_list_json(_shares(rows)), media_type="application/json"))


@router.get(
    "/activities/{kind}/{record_id}/people",
    summary="招商活动（外出招商、接待客商、推介活动、外贸进出口）的经办人及份额",
)
def activity_people(kind: KindPath, record_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[PersonShareRead]:
    return _shares(cadre_credits.record_people(db, principal, kind, record_id))


@router.put(
    "/activities/{kind}/{record_id}/people",
    response_model=list[PersonShareRead],
    summary="设定招商活动的经办人及份额（合计 100%，至少一人；本单位令牌只能指定本单位人员；可带 Idempotency-Key）",
)
def set_activity_people(
    kind: KindPath, record_id: IdPath, body: PeopleSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    rows = cadre_credits.set_record_people(db, principal, kind, record_id, [(p.cadre_id, p.share) for p in body.people])
    return guard.finish(Response(_list_json(_shares(rows)), media_type="application/json"))


def _list_json(rows: list[PersonShareRead]) -> bytes:
    return b"[" + b",".join(r.model_dump_json().encode() for r in rows) + b"]"
