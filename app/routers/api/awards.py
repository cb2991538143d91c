"""Policies and awards over the API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.errors import NotFound
from app.models.award import (
    AwardStatus,
    IncentivePolicy,
    IntroducerKind,
    PolicyKind,
    PolicyVersion,
    RecipientType,
)
from app.routing import IndexedRouter
from app.schemas.common import Page
from app.services import awards, bulletin_docx, export

router = IndexedRouter(tags=["招商奖励"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: int
    effective_from: date
    effective_to: date | None
    params: dict[str, Any]
    recipients: str
    exclusions: str
    claim_window_days: int | None


class PolicyRead(BaseModel):
    id: int
    name: str
    kind: PolicyKind
    document_no: str
    is_active: bool
    versions: list[VersionRead]


class AwardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    policy_version_id: int
    project_id: int | None
    applicant_unit_id: int
    recipient_type: RecipientType
    recipient_name: str
    recipient_unit_id: int | None
    share: Decimal = Field(description="功劳份额（%）")
    period_year: int | None = Field(description="长效奖励的年度")
    budget_year: int = Field(description="计入哪一年的奖励专项资金（审批时定为审批当年）")
    basis: dict[str, Any] = Field(description="计算所用的已确认数据")
    calculation: str = Field(description="计算过程（文字和数字）")
    amount: Decimal = Field(description="元，精确到分")
    decision_ref: str
    status: AwardStatus
    notice_from: date | None
    notice_to: date | None
    approved_on: date | None
    paid_on: date | None
    voucher_no: str
    rejected_reason: str
    created_at: datetime
    version: int


class AwardProposal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy_id: int = Field(ge=1, le=2_147_483_647)
    project_id: int = Field(ge=1, le=2_147_483_647)
    year: int | None = Field(default=None, ge=2000, le=2100, description="长效奖励的年度")
    amount: Decimal | None = Field(
        default=None, ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2, description="一事一议的金额（元）"
    )
    decision_ref: str = Field(default="", max_length=100, description="一事一议的决定文号")


class IntroducerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: IntroducerKind = IntroducerKind.person
    name: str = Field(min_length=1, max_length=100, description="引荐人")
    phone: str = Field(default="", max_length=30)
    investor_confirmed: bool = Field(description="客商已确认")
    investor_confirmation: str = Field(min_length=1, max_length=2000, description="确认人及方式")
    registered_on: date | None = Field(
        default=None,
        description="备案日期：缺省为服务器当天（Asia/Shanghai）；早于当天为补登，只有招商局可以，须带 backdate_reason",
    )
    backdate_reason: str = Field(default="", max_length=2000, description="补登理由（记入审计）")


class IntroducerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    project_id: int
    kind: IntroducerKind
    name: str
    registered_on: date
    investor_confirmation: str
    is_first: bool = Field(description="该项目首个备案（只有它能计功劳）")
    created_at: datetime
    version: int


def _policy(db: Any, pol: IncentivePolicy) -> PolicyRead:
    from sqlalchemy import select

    versions = (
        db.execute(select(PolicyVersion).where(PolicyVersion.policy_id == pol.id).order_by(PolicyVersion.number))
        .scalars()
        .all()
    )
    return PolicyRead(
        id=pol.id,
        name=pol.name,
        kind=pol.kind,
        document_no=pol.document_no,
        is_active=pol.is_active,
        versions=[VersionRead.model_validate(v) for v in versions],
    )


@router.get("/policies", summary="奖励政策及其各版本")
def list_policies(principal: ApiPrincipal, db: DbSession) -> list[PolicyRead]:
    return [_policy(db, p) for p, _v in awards.list_policies(db)]


@router.get("/policies/{policy_id}", summary="奖励政策")
def get_policy(policy_id: IdPath, principal: ApiPrincipal, db: DbSession) -> PolicyRead:
    pol = db.get(IncentivePolicy, policy_id)
    if pol is None:
        raise NotFound("找不到该政策")
    return _policy(db, pol)


@router.get("/awards", summary="奖励（单位令牌只见本单位申报或获得的）")
def list_awards(
    principal: ApiPrincipal,
    db: DbSession,
    status: AwardStatus | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AwardRead]:
    rows, total = awards.list_awards(db, principal, status=status, year=year, limit=limit, offset=offset)
    return Page[AwardRead](
        items=[
            AwardRead.model_validate(r["award"]).model_copy(update={"recipient_name": r["recipient"]}) for r in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/awards/notice/export.docx",
    summary="奖励公示的 Word 文档（公文格式）：今天在公示期内的奖励；保密项目按可见程度显示",
    response_class=Response,
    responses={200: {"content": {bulletin_docx.DOCX_TYPE: {}}, "description": "Word 文档（.docx）"}},
)
def award_notice_docx(principal: ApiPrincipal, db: DbSession) -> Response:
    file = bulletin_docx.award_notice(db, principal)
    return Response(
        file.body,
        media_type=file.media_type,
        headers={"Content-Disposition": export.content_disposition(file.filename)},
    )


@router.get("/awards/{award_id}", summary="奖励详情（含计算过程）")
def get_award(award_id: IdPath, principal: ApiPrincipal, db: DbSession) -> AwardRead:
    award = awards.get(db, principal, award_id)
    return AwardRead.model_validate(award).model_copy(
        update={"recipient_name": awards.recipient_shown(db, principal, award)}
    )


@router.post(
    "/awards",
    status_code=201,
    summary="按政策申报项目奖励（按已确认数据计算；可带 Idempotency-Key）",
    responses={201: {"model": list[AwardRead]}},
)
def propose(body: AwardProposal, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    created = awards.propose(
        db,
        principal,
        policy_id=body.policy_id,
        project_id=body.project_id,
        year=body.year,
        special_amount=body.amount,
        decision_ref=body.decision_ref,
    )
    payload = [AwardRead.model_validate(a).model_dump(mode="json") for a in created]
    return guard.finish(JSONResponse(payload, status_code=201))


@router.post(
    "/projects/{project_id}/introducers",
    status_code=201,
    summary="引荐人备案（日期为服务器当天；招商局补登须写明理由）",
    responses={201: {"model": IntroducerRead}},
)
def register_introducer(
    project_id: IdPath, body: IntroducerCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    reg = awards.register_introducer(
        db,
        principal,
        project_id,
        kind=body.kind.value,
        name=body.name,
        phone=body.phone,
        investor_confirmed=body.investor_confirmed,
        confirmation=body.investor_confirmation,
        registered_on=body.registered_on,
        backdate_reason=body.backdate_reason,
    )
    return guard.finish(JSONResponse(IntroducerRead.model_validate(reg).model_dump(mode="json"), status_code=201))
