"""Leads, investors, duplicates and the first-report registry over the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import JSONResponse

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.lead import Channel, DuplicateStatus, LeadStatus, RegistryEntry
from app.routing import IndexedRouter, reads_only
from app.schemas.changes import UpdatedSince, aware
from app.schemas.common import Page, answer_example
from app.schemas.errors import ErrorBody
from app.schemas.leads import (
    DecideClaim,
    DuplicateRead,
    InvestorCreate,
    InvestorRead,
    InvestorUpdate,
    LeadCreate,
    LeadJudge,
    LeadListItem,
    LeadRead,
    LeadUpdate,
    NativeCreate,
    NativeRead,
    RegisterProject,
    RegistryClaimRead,
    RegistryEntryRead,
    SettleDuplicate,
)
from app.services import investors, leads, natives, registry

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _json(status: int, model: Any) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=status)


@router.get("/leads", tags=["线索"], summary="线索列表（单位令牌只见本单位）")
@reads_only
def list_leads(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 50,
    offset: Offset = 0,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    channel: Channel | None = None,
    status: LeadStatus | None = None,
    industry: Annotated[str, Query(max_length=60)] = "",
    month: Annotated[str, Query(pattern=r"^$|^\d{4}-\d{2}$", description="YYYY-MM")] = "",
    q: Annotated[str, Query(max_length=100, description="客商或项目名称的一部分")] = "",
    duplicates_only: bool = False,
    updated_since: UpdatedSince = None,
) -> Page[LeadListItem]:
    f = leads.LeadFilter(
        unit_id=unit_id,
        channel=channel,
        status=status,
        industry=industry,
        month=month,
        q=q,
        duplicates_only=duplicates_only,
        updated_since=aware(updated_since),
    )
    rows, total = leads.list_leads(db, principal, f, limit=limit, offset=offset)
    items = [
        LeadListItem.model_validate(
            {**LeadRead.model_validate(lead).model_dump(), "investor_name": inv, "unit_name": unit}
        )
        for lead, inv, unit in rows
    ]
    return Page[LeadListItem](items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/leads",
    tags=["线索"],
    status_code=201,
    summary="报送线索（可带 Idempotency-Key）",
    responses={
        201: {"model": LeadRead},
        409: {
            "model": ErrorBody,
            "description": "疑似重复（details 列出已报的单位和日期），"
            "确认后带 acknowledge_duplicates=true 重新提交；或版本冲突",
        },
    },
)
def create_lead(body: LeadCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> JSONResponse:
    lead = leads.create(db, principal, body)
    return guard.finish(_json(201, LeadRead.model_validate(lead)))  # type: ignore[return-value]


@router.post("/leads/check-duplicates", tags=["线索"], summary="报送前查重：返回各单位已报的疑似同一客商的线索")
def check_duplicates(body: LeadCreate, principal: ApiPrincipal, db: DbSession) -> list[dict[str, Any]]:
    return [m.to_dict() for m in leads.check_duplicates(db, principal, body)]


@router.get("/leads/{lead_id}", tags=["线索"], summary="线索详情")
@reads_only
def get_lead(lead_id: IdPath, principal: ApiPrincipal, db: DbSession) -> LeadRead:
    return LeadRead.model_validate(leads.get(db, principal, lead_id))


@router.patch("/leads/{lead_id}", tags=["线索"], summary="修改待认定的线索（需带 version）")
def update_lead(lead_id: IdPath, body: LeadUpdate, principal: ApiPrincipal, db: DbSession) -> LeadRead:
    return LeadRead.model_validate(leads.update(db, principal, lead_id, body))


@router.post(
    "/leads/{lead_id}/judge",
    tags=["线索"],
    summary="招商局认定线索有效或无效（无效须说明理由；需带 version）。可带 Idempotency-Key",
    response_model=LeadRead,
)
def judge_lead(
    lead_id: IdPath, body: LeadJudge, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> JSONResponse:
    lead = leads.judge(db, principal, lead_id, body)
    return guard.finish(_json(200, LeadRead.model_validate(lead)))  # type: ignore[return-value]


@router.get(
    "/leads/{lead_id}/credits",
    tags=["线索"],
    summary="线索功劳归属（百分比；合并的重复线索不计）",
    responses=answer_example([{"unit_id": 3, "share": "60.00"}, {"unit_id": 7, "share": "40.00"}]),
)
def lead_credits(lead_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[dict[str, Any]]:
    lead = leads.get(db, principal, lead_id)
    return [{"unit_id": unit_id, "share": str(share)} for unit_id, share in leads.credits(db, lead)]


_QUOTA_MONTHS = [
    {"month": month, "count": count, "quota": 2, "met": count >= 2, "closed": month < 12}
    for month, count in enumerate([3, 1, 2, 4, 2, 3, 1, 2, 5, 2, 3, 1], start=1)
]


@router.get(
    "/units/{unit_id}/lead-quota",
    tags=["线索"],
    summary="单位本年每月有效线索与任务数、未完成的月份",
    responses=answer_example(
        {"year": 2026, "quota": 2, "months": _QUOTA_MONTHS, "missed": [2, 7], "this_month": _QUOTA_MONTHS[-1]}
    ),
)
def lead_quota(unit_id: IdPath, principal: ApiPrincipal, db: DbSession) -> dict[str, Any]:
    return leads.quota_standing(db, principal, unit_id)


@router.get("/duplicates", tags=["线索"], summary="疑似重复线索（只读令牌或领导可见）")
def list_duplicates(
    principal: ApiPrincipal,
    db: DbSession,
    status: DuplicateStatus | None = DuplicateStatus.open,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DuplicateRead]:
    rows, total = leads.list_pairs(db, principal, status, limit=limit, offset=offset)
    return Page[DuplicateRead](
        items=[DuplicateRead.model_validate(r["pair"]).model_copy(update={"decision": r["decision"]}) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/duplicates/{pair_id}/decision",
    tags=["线索"],
    summary="招商局处理疑似重复：不是同一客商（dismiss），或合并并分配功劳（shares 为报送单位的份额，"
    "合计 100；全归一个单位即该单位 100）。需带 version；可带 Idempotency-Key",
    response_model=DuplicateRead,
)
def settle_duplicate(
    pair_id: IdPath, body: SettleDuplicate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> JSONResponse:
    pair = leads.settle(db, principal, pair_id, body)
    return guard.finish(_json(200, DuplicateRead.model_validate(pair)))  # type: ignore[return-value]


@router.get("/investors", tags=["客商"], summary="客商库查找（名称的一部分、信用代码或电话）")
def list_investors(
    principal: ApiPrincipal,
    db: DbSession,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Limit = 20,
    offset: Offset = 0,
    updated_since: UpdatedSince = None,
) -> Page[InvestorRead]:
    rows, total = investors.search(db, principal, q, limit=limit, offset=offset, updated_since=aware(updated_since))
    return Page[InvestorRead](
        items=[InvestorRead.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.post(
    "/investors",
    tags=["客商"],
    status_code=201,
    summary="新建客商（可带 Idempotency-Key）",
    responses={201: {"model": InvestorRead}},
)
def create_investor(
    body: InvestorCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> JSONResponse:
    investor = investors.create(db, principal, body)
    return guard.finish(_json(201, InvestorRead.model_validate(investor)))  # type: ignore[return-value]


@router.get("/investors/{investor_id}", tags=["客商"], summary="客商详情")
def get_investor(investor_id: IdPath, principal: ApiPrincipal, db: DbSession) -> InvestorRead:
    return InvestorRead.model_validate(investors.get_shown(db, principal, investor_id))


@router.patch("/investors/{investor_id}", tags=["客商"], summary="修改客商（本单位建立的；需带 version）")
def update_investor(investor_id: IdPath, body: InvestorUpdate, principal: ApiPrincipal, db: DbSession) -> InvestorRead:
    return InvestorRead.model_validate(investors.update(db, principal, investor_id, body))


_REGISTRY_EXAMPLE = {
    "total": 1,
    "limit": 100,
    "offset": 0,
    "items": [
        {
            "id": 42,
            "investor_id": 5120,
            "lead_id": 3388,
            "project_name": "年产 2GWh 储能电池项目",
            "intended_investment": "120000.00",
            "holder_unit_id": 3,
            "registered_at": "2026-11-19T01:30:00Z",
            "status": "disputed",
            "version": 2,
            "investor_name": "甘肃陇原新能源科技有限公司",
            "holder_name": "城关镇人民政府",
            "claims": [
                {
                    "id": 7,
                    "entry_id": 42,
                    "claimant_unit_id": 8,
                    "lead_id": 3402,
                    "claimed_at": "2026-11-21T06:10:00Z",
                    "statement": "我镇 2026 年 11 月 10 日已在西安与该企业首次洽谈，有会议纪要和照片",
                    "status": "open",
                    "winner_unit_id": None,
                    "decision_reason": "",
                    "decided_at": None,
                    "version": 1,
                    "claimant_name": "青石镇人民政府",
                }
            ],
        }
    ],
}


@router.get(
    "/registry",
    tags=["首报首谈"],
    summary="首报首谈登记簿：谁在何时登记了什么，及其争议",
    responses=answer_example(_REGISTRY_EXAMPLE),
)
def list_registry(principal: ApiPrincipal, db: DbSession, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    rows, total = registry.listing(db, principal, limit=limit, offset=offset)
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "items": [
            {
                **RegistryEntryRead.model_validate(r["entry"]).model_dump(mode="json"),
                "project_name": r["project_name"],
                "investor_name": r["investor_name"],
                "holder_name": r["holder_name"],
                "claims": [
                    {
                        **RegistryClaimRead.model_validate(c["claim"]).model_dump(mode="json"),
                        "claimant_name": c["unit_name"],
                    }
                    for c in r["claims"]
                ],
            }
            for r in rows
        ],
    }


@router.post(
    "/registry",
    tags=["首报首谈"],
    status_code=201,
    summary="登记大项目；已被其他单位登记时记为争议，由招商局裁定（可带 Idempotency-Key）",
)
def register_project(
    body: RegisterProject, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> JSONResponse:
    result = registry.register(db, principal, body)
    if isinstance(result, RegistryEntry):
        payload: dict[str, Any] = {
            "result": "registered",
            "entry": RegistryEntryRead.model_validate(result).model_dump(mode="json"),
        }
    else:
        payload = {"result": "disputed", "claim": RegistryClaimRead.model_validate(result).model_dump(mode="json")}
    return guard.finish(JSONResponse(payload, status_code=201))  # type: ignore[return-value]


@router.post(
    "/registry/claims/{claim_id}/decision",
    tags=["首报首谈"],
    summary="招商局裁定首报争议：归首报单位或提出争议的单位，写明理由（需带 version）。可带 Idempotency-Key",
    response_model=RegistryClaimRead,
)
def decide_claim(
    claim_id: IdPath, body: DecideClaim, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> JSONResponse:
    claim = registry.decide(db, principal, claim_id, body)
    return guard.finish(_json(200, RegistryClaimRead.model_validate(claim)))  # type: ignore[return-value]


@router.get("/natives", tags=["在外乡贤"], summary="在外乡贤名录（单位令牌只见本单位登记的）；按姓名、单位、籍贯查找")
def list_natives(
    principal: ApiPrincipal,
    db: DbSession,
    q: Annotated[str, Query(max_length=60)] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[NativeRead]:
    rows, total = investors.list_natives(db, principal, q, limit=limit, offset=offset)
    return Page[NativeRead](items=[NativeRead.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post(
    "/natives",
    tags=["在外乡贤"],
    status_code=201,
    summary="登记本单位的在外乡贤（单位令牌）。可带 Idempotency-Key",
    responses={201: {"model": NativeRead}},
)
def create_native(body: NativeCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> JSONResponse:
    native = natives.create(db, principal, body)
    return guard.finish(_json(201, NativeRead.model_validate(native)))  # type: ignore[return-value]
