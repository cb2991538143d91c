"""Pre-review (项目预审) and the signing approval by level (签约审批) over the API: the departments named per
category, a project's gate (each department's opinion, the override, the required level and why, the
approval), and recording them. The pages (app/routers/pages/prereview.py) call the same services."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Path
from fastapi.responses import Response

from app.deps import ApiPrincipal, DbSession
from app.routing import IndexedRouter, reads_only
from app.schemas.common import json_response
from app.schemas.prereview import (
    ApprovalCreate,
    ConcessionSet,
    DepartmentsRead,
    DepartmentsSet,
    GateRead,
    OpinionCreate,
    OverrideCreate,
)
from app.services import prereview

router = IndexedRouter(tags=["项目预审与签约审批"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _departments(db: DbSession) -> Response:
    rows = [DepartmentsRead.model_validate(row).model_dump(mode="json") for row in prereview.overview(db)]
    return Response(json.dumps(rows, ensure_ascii=False), media_type="application/json")


@router.get(
    "/prereview-departments",
    summary="各类项目的预审部门（招商局指定）",
    response_model=list[DepartmentsRead],
)
@reads_only
def list_departments(principal: ApiPrincipal, db: DbSession) -> Response:
    return _departments(db)


@router.put(
    "/prereview-departments",
    summary="指定某类项目的预审部门（仅招商局；替换原有名单）",
    response_model=list[DepartmentsRead],
)
def set_departments(body: DepartmentsSet, principal: ApiPrincipal, db: DbSession) -> Response:
    prereview.set_departments(db, principal, body.category, body.unit_ids)
    return _departments(db)


def _gate(db: DbSession, principal: ApiPrincipal, project_id: int, status_code: int = 200) -> Response:
    project = prereview.get_for_review(db, principal, project_id)
    return json_response(GateRead.model_validate(prereview.gate_view(db, principal, project)), status_code)


@router.get(
    "/projects/{project_id}/prereview",
    summary="项目预审：各部门意见、放行决定、应报审批层级及理由、签约审批，能否签约",
    response_model=GateRead,
)
@reads_only
def get_gate(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return _gate(db, principal, project_id)


@router.post(
    "/projects/{project_id}/prereview/opinions",
    summary="登记预审部门的意见（同意，或按负面清单否决并说明；日期为服务器当天；再次登记即替换）",
    response_model=GateRead,
)
def record_opinion(project_id: IdPath, body: OpinionCreate, principal: ApiPrincipal, db: DbSession) -> Response:
    prereview.record_opinion(db, principal, project_id, body)
    return _gate(db, principal, project_id)


@router.post(
    "/projects/{project_id}/prereview/override",
    summary="登记预审否决项目的放行决定（一事一议；仅招商局）",
    response_model=GateRead,
)
def record_override(project_id: IdPath, body: OverrideCreate, principal: ApiPrincipal, db: DbSession) -> Response:
    prereview.record_override(db, principal, project_id, body)
    return _gate(db, principal, project_id)


@router.put(
    "/projects/{project_id}/concession",
    summary="登记项目是否申请地价或税收优惠（计入签约审批层级）",
    response_model=GateRead,
)
def set_concession(project_id: IdPath, body: ConcessionSet, principal: ApiPrincipal, db: DbSession) -> Response:
    prereview.set_concession(db, principal, project_id, body)
    return _gate(db, principal, project_id)


@router.post(
    "/projects/{project_id}/signing-approval",
    summary="登记签约审批（层级不得低于按规则算出的层级；再次登记即替换）",
    response_model=GateRead,
)
def record_approval(project_id: IdPath, body: ApprovalCreate, principal: ApiPrincipal, db: DbSession) -> Response:
    prereview.record_approval(db, principal, project_id, body)
    return _gate(db, principal, project_id)
