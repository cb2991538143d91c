"""Policies and awards over the API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app import policy
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
from app.models.project import Project
from app.routing import IndexedRouter
from app.schemas.agreements import ConditionIn, ConditionRead
from app.schemas.awards import (
    AgreementMove,
    AgreementRead,
    AwardStep,
    BudgetRead,
    BudgetSet,
    CreditRead,
    CreditSet,
    PolicyCreate,
    PolicyVersionCreate,
)
from app.schemas.common import NOT_AFTER_TODAY, Page, decimal_text, json_response, stated
from app.services import agreements, awards, bulletin_docx, export, projects, workdays

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "name": "招商引资到位资金奖励",
                    "kind": "per_funds",
                    "document_no": "县政发〔2026〕12 号",
                    "is_active": True,
                    "versions": [
                        {
                            "id": 6,
                            "number": 1,
                            "effective_from": "2026-01-01",
                            "effective_to": "2026-06-30",
                            "params": {"yuan_per_10k": "500", "cap_per_project": "2000000"},
                            "recipients": "unit,introducer",
                            "exclusions": "duty_official",
                            "claim_window_days": 180,
                        },
                        {
                            "id": 9,
                            "number": 2,
                            "effective_from": "2026-07-01",
                            "effective_to": None,
                            "params": {"yuan_per_10k": "600", "cap_per_project": "2500000"},
                            "recipients": "unit,introducer",
                            "exclusions": "duty_official",
                            "claim_window_days": 180,
                        },
                    ],
                }
            ]
        }
    )

    id: int
    name: str
    kind: PolicyKind
    document_no: str
    is_active: bool
    versions: list[VersionRead]


_AWARD_EXAMPLE: dict[str, Any] = {
    "id": 318,
    "policy_version_id": 9,
    "project_id": 1207,
    "applicant_unit_id": 3,
    "recipient_type": "unit",
    "recipient_name": "城关镇人民政府",
    "recipient_unit_id": 3,
    "share": "70.00",
    "period_year": None,
    "budget_year": 2026,
    "basis": {"funds_confirmed_wan": "18000.00", "yuan_per_10k": "600"},
    "calculation": "已确认到位资金 18,000.00 万元 ÷ 10 万元 × 600.00 元 = 1,080,000.00 元；"
    "按功劳份额 70.00% 计 756,000.00 元",
    "amount": "756000.00",
    "decision_ref": "",
    "status": "notice",
    "notice_from": "2026-12-01",
    "notice_to": "2026-12-07",
    "approved_on": None,
    "paid_on": None,
    "voucher_no": "",
    "rejected_reason": "",
    "created_at": "2026-11-26T02:15:00Z",
    "version": 3,
}


class AwardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_AWARD_EXAMPLE]})
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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"policy_id": 4, "project_id": 1207}]})
    policy_id: int = Field(ge=1, le=2_147_483_647)
    project_id: int = Field(ge=1, le=2_147_483_647)
    year: int | None = Field(default=None, ge=2000, le=2100, description="长效奖励的年度")
    amount: Decimal | None = Field(
        default=None,
        ge=0,
        le=Decimal("1e12"),
        max_digits=16,
        decimal_places=2,
        description="一事一议的金额（元）：一事一议的政策必填",
        json_schema_extra=stated(text_pattern=decimal_text(16, 2)),
    )
    decision_ref: str = Field(
        default="", max_length=100, description="一事一议的会议纪要或批复文号：一事一议的政策必填"
    )


class IntroducerCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "person",
                    "name": "王建军",
                    "phone": "13609317788",
                    "investor_confirmed": True,
                    "investor_confirmation": "客商法定代表人刘志强 2026-12-02 书面确认（确认函扫描件已存档）",
                }
            ]
        },
    )
    kind: IntroducerKind = IntroducerKind.person
    name: str = Field(min_length=1, max_length=100, description="引荐人")
    phone: str = Field(default="", max_length=30)
    investor_confirmed: bool = Field(
        description="客商已确认：须为 true（备案须有客商的确认）", json_schema_extra=stated(enum=[True])
    )
    investor_confirmation: str = Field(min_length=1, max_length=2000, description="确认人及方式")
    registered_on: date | None = Field(
        default=None,
        description="备案日期：缺省为服务器当天（Asia/Shanghai）；早于当天为补登，只有招商局可以，"
        f"须带 backdate_reason；{NOT_AFTER_TODAY}，也不能在项目签约之日或之后",
    )
    backdate_reason: str = Field(
        default="", max_length=2000, description="补登理由（记入审计）：registered_on 早于今天时必填，至少 2 个字"
    )


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


class ObjectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    raised_on: date
    raised_by: str
    content: str
    answer: str
    answered_on: date | None
    upheld: bool | None
    version: int


class ClawbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    amount: Decimal = Field(description="元")
    reason: str
    decided_on: date
    recovered: bool
    recovered_on: date | None
    version: int


class AwardDetail(AwardRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _AWARD_EXAMPLE
                | {
                    "objections": [
                        {
                            "id": 15,
                            "raised_on": "2026-12-03",
                            "raised_by": "青石镇人民政府",
                            "content": "该项目最初由我镇对接，功劳份额应予调整",
                            "answer": "",
                            "answered_on": None,
                            "upheld": None,
                            "version": 1,
                        }
                    ],
                    "clawbacks": [],
                    "commitment_id": 88,
                    "condition": {
                        "commitment_id": 88,
                        "promise": "年税收不低于 300.00 万元（2028-12-31 前）",
                        "status": "behind",
                        "status_label": "滞后",
                        "basis": "2027 年已确认税收 120.00，承诺不低于 300.00，约定 2028-12-31 前",
                    },
                }
            ]
        }
    )

    objections: list[ObjectionRead] = Field(description="公示期内登记的异议（答复时带其 id 和 version）")
    clawbacks: list[ClawbackRead] = Field(description="追回记录（登记已追回时带其 id 和 version）")
    commitment_id: int | None = Field(default=None, description="奖励所附条件：项目投资协议中的承诺事项")
    condition: ConditionRead | None = Field(default=None, description="该承诺事项及其今天的状态")


def _detail(db: Any, principal: Any, award: Any) -> AwardDetail:
    """The award with its objections and clawbacks; a recipient hidden from this principal (a confidential
    project's introducer or enterprise) is named nowhere, nor in the figures and text it was computed from."""
    recipient = awards.recipient_shown(db, principal, award)
    data = AwardRead.model_validate(award).model_dump()
    if recipient != award.recipient_name:
        data.update(basis={}, calculation="（保密）", decision_ref="")
    project = db.get(Project, award.project_id) if award.project_id is not None else None
    shown = projects.view(principal, project) if project is not None else None

    def text(value: str) -> str:
        return shown.redact(value) if shown is not None else value

    return AwardDetail(
        **data | {"recipient_name": recipient},
        objections=[
            ObjectionRead.model_validate(o).model_copy(
                update={"raised_by": text(o.raised_by), "content": text(o.content), "answer": text(o.answer)}
            )
            for o in awards.objections(db, award.id)
        ],
        clawbacks=[
            ClawbackRead.model_validate(c).model_copy(update={"reason": text(c.reason)})
            for c in awards.clawbacks(db, award.id)
        ],
        commitment_id=award.commitment_id,
        condition=agreements.condition_read(awards.condition_of(db, principal, award)),
    )


@router.get("/awards/{award_id}", summary="奖励详情（含计算过程、公示异议和追回记录）")
def get_award(award_id: IdPath, principal: ApiPrincipal, db: DbSession) -> AwardDetail:
    return _detail(db, principal, awards.get(db, principal, award_id))


def _step_input(body: AwardStep) -> awards.StepInput:
    text = {"reject": body.reason, "object": body.content}.get(body.step, body.note)
    values = body.model_dump(exclude={"note", "reason", "content"})
    return awards.StepInput(**values, note=text)


@router.post(
    "/awards/{award_id}/steps",
    summary="奖励的一步（招商局；核查也可由督查室）：verify 核查、notice 公示（日期、天数）、approve 审批、"
    "pay 兑现（凭证号）、reject 不予通过、object 登记异议、answer 答复异议、clawback 决定追回、recovered 登记已追回。"
    "需带 version；可带 Idempotency-Key",
    response_model=AwardDetail,
)
def award_step(
    award_id: IdPath, body: AwardStep, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    award = awards.take_step(db, principal, award_id, _step_input(body))
    return guard.finish(json_response(_detail(db, principal, award)))


@router.put(
    "/awards/{award_id}/condition",
    summary="奖励所附条件（招商局）：关联项目投资协议中的一项承诺事项，或解除（commitment_id 为空）；需带 version。"
    "承诺未达标时，违约处置案件据此追回",
    response_model=AwardDetail,
)
def award_condition(award_id: IdPath, body: ConditionIn, principal: ApiPrincipal, db: DbSession) -> Response:
    award = awards.set_condition(db, principal, award_id, body)
    return json_response(_detail(db, principal, award))


# --- the year's fund -------------------------------------------------------------------------


def _budget(db: Any, year: int) -> BudgetRead:
    figures = awards.budget(db, year)
    return BudgetRead(
        year=year,
        total=figures.total,
        note=figures.note,
        committed=figures.committed,
        paid=figures.paid,
        clawed_back=figures.clawed_back,
        available=figures.available,
        version=figures.version,
    )


YearPath = Annotated[int, Path(ge=2000, le=2100, description="年度")]


@router.get("/award-budget/{year}", summary="年度奖励专项资金：预算、已承诺、已兑现、追回、可用（招商局、领导）")
def get_budget(year: YearPath, principal: ApiPrincipal, db: DbSession) -> BudgetRead:
    if not principal.reads_everything:
        raise policy.DeniedForbidden()
    return _budget(db, year)


@router.put(
    "/award-budget/{year}",
    summary="设定年度奖励专项资金（招商局；不能少于已承诺和已兑现的合计；需带 version，尚无预算时为 0）",
    response_model=BudgetRead,
)
def set_budget(
    year: YearPath, body: BudgetSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    awards.set_budget(db, principal, year, body.total, body.note, version=body.version)
    return guard.finish(json_response(_budget(db, year)))


# --- policies --------------------------------------------------------------------------------


@router.post(
    "/policies",
    status_code=201,
    summary="新建奖励政策及其第一版（招商局；同名政策已存在时请增加版本）。可带 Idempotency-Key",
    responses={201: {"model": PolicyRead}},
)
def create_policy(body: PolicyCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    pol, _version = awards.create_policy(
        db,
        principal,
        name=body.name,
        kind=body.kind,
        document_no=body.document_no,
        effective_from=body.effective_from,
        params=body.model_dump(mode="json")["params"],  # numbers as text: Decimal, never float
        recipients=[r.value for r in body.recipients],
        exclusions=body.exclusions,
        claim_window_days=body.claim_window_days,
    )
    return guard.finish(json_response(_policy(db, pol), 201))


@router.post(
    "/policies/{policy_id}/versions",
    status_code=201,
    summary="政策的新版本（招商局；上一版本至新版本生效前一日止，已算出的奖励仍按原版本）。"
    "需带政策的 version；可带 Idempotency-Key",
    responses={201: {"model": PolicyRead}},
)
def add_policy_version(
    policy_id: IdPath, body: PolicyVersionCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    awards.add_version(
        db,
        principal,
        policy_id,
        effective_from=body.effective_from or workdays.today(),
        params=body.model_dump(mode="json")["params"],  # numbers as text: Decimal, never float
        recipients=[r.value for r in body.recipients],
        exclusions=body.exclusions,
        claim_window_days=body.claim_window_days,
        expected_version=body.version,
    )
    pol = db.get(IncentivePolicy, policy_id)
    assert pol is not None  # add_version found it
    return guard.finish(json_response(_policy(db, pol), 201))


# --- a project's agreement and credit --------------------------------------------------------


def _agreement(db: Any, principal: Any, project_id: int) -> AgreementRead:
    project, shown, version = awards.agreement_of(db, principal, project_id)
    return AgreementRead(
        project_id=project.id,
        project_name=projects.display_name(principal, project),
        state=shown.state,
        signed_on=shown.signed_on,
        note=projects.view(principal, project).redact(shown.note),
        maintenance_years=shown.maintenance_years,
        version=version,
    )


@router.get("/projects/{project_id}/agreement", summary="项目的奖励协议：按合同履约节点推算的状态")
def get_agreement(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> AgreementRead:
    return _agreement(db, principal, project_id)


@router.put(
    "/projects/{project_id}/agreement",
    summary="奖励协议的决定（招商局）：违约、纠正、进入追缴、结束，写明依据；需带 version（协议尚未生成时为 0）",
    response_model=AgreementRead,
)
def move_agreement(
    project_id: IdPath, body: AgreementMove, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    awards.move_agreement(db, principal, project_id, body.state, body.reason, version=body.version)
    return guard.finish(json_response(_agreement(db, principal, project_id)))


def _credits(db: Any, principal: Any, project_id: int) -> list[CreditRead]:
    project = projects.get(db, principal, project_id)
    shown = projects.view(principal, project)
    return [
        CreditRead(
            party=c.party,
            name=c.name if c.party is RecipientType.unit else str(shown.reveal(c.name)),
            share=c.share,
            unit_id=c.unit_id,
            introducer_id=c.introducer_id,
            is_duty_official=bool(c.is_duty_official),  # False also for the credit followed from the lead
            is_investor_controller=bool(c.is_investor_controller),
        )
        for c in awards.credits(db, project)
    ]


@router.get("/projects/{project_id}/credit", summary="项目的功劳归属（未设定时沿用线索的份额，或引进单位 100%）")
def get_credit(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[CreditRead]:
    return _credits(db, principal, project_id)


@router.put(
    "/projects/{project_id}/credit",
    summary="设定项目的功劳归属（招商局）：各方份额合计 100%，引荐人须为首个备案；整体替换；"
    "需带项目的 version。可带 Idempotency-Key",
    response_model=list[CreditRead],
)
def set_credit(
    project_id: IdPath, body: CreditSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    awards.set_credits(
        db,
        principal,
        project_id,
        [
            awards.CreditInput(
                party=p.party,
                name=p.name,
                share=p.share,
                unit_id=p.unit_id,
                introducer_id=p.introducer_id,
                is_duty_official=p.is_duty_official,
                is_investor_controller=p.is_investor_controller,
            )
            for p in body.parts
        ],
        version=body.version,
    )
    payload = [c.model_dump(mode="json") for c in _credits(db, principal, project_id)]
    return guard.finish(JSONResponse(payload))


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
