"""Responsibility letters (目标责任书) over the API, as on /letters: the year's state per unit, one letter, issuing
one or all, acknowledging (the unit's own token, reporting its head's signature), and the year's rules.
Same services as the pages (app.services.letters)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.letters import (
    IssueAllRead,
    LetterAcknowledge,
    LetterIssue,
    LetterIssueAll,
    LetterRead,
    LetterStateRow,
    LetterStates,
    RulesRead,
    RulesSave,
)
from app.services import letters, workdays

router = IndexedRouter(tags=["目标责任书"])

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度（默认今年）")]


def _year(year: int | None) -> int:
    return year or workdays.today().year


@router.get(
    "/letters",
    response_model=LetterStates,
    summary="责任书下达与签收情况：按单位（单位令牌只见本单位），可按状态筛选、分页",
)
def list_letters(
    principal: ApiPrincipal,
    db: DbSession,
    year: YearQuery = None,
    state: Annotated[
        Literal["", "none", "issued", "acknowledged"],
        Query(description="none 未下达、issued 待签收、acknowledged 已签收"),
    ] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    page = letters.status_page(db, principal, _year(year), state=state, limit=limit, offset=offset)
    answer = LetterStates(
        year=page.year,
        counts=page.counts,
        items=[
            LetterStateRow(
                unit_id=row.unit.id,
                unit_name=row.unit.name,
                state=row.state,
                letter=LetterRead.model_validate(row.current) if row.current is not None else None,
                binding_letter_id=row.binding_id,
            )
            for row in page.rows
        ],
        total=page.total,
        limit=limit,
        offset=offset,
    )
    return json_response(answer)


@router.get(
    "/letters/{letter_id}", response_model=LetterRead, summary="一份责任书（下达时冻结的目标、档次、规则及签收记录）"
)
def get_letter(letter_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(LetterRead.model_validate(letters.get(db, principal, letter_id)))


@router.post(
    "/letters",
    status_code=201,
    response_model=LetterRead,
    summary="下达一个单位的年度责任书；已下达过的为重新下达新版本，须说明理由"
    "（招商局令牌，targets 范围；可带 Idempotency-Key）",
)
def issue(body: LetterIssue, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    letter = letters.issue(db, principal, body.unit_id, body.year, body.reason)
    return guard.finish(json_response(LetterRead.model_validate(letter), 201))


@router.post(
    "/letters/issue-all",
    response_model=IssueAllRead,
    summary="批量下达：给本年度有目标、尚未下达的全部单位下达责任书（招商局令牌，targets 范围；可带 Idempotency-Key）",
)
def issue_all(body: LetterIssueAll, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    summary = letters.issue_all(db, principal, body.year)
    answer = IssueAllRead(
        year=summary.year, issued=summary.issued, already=summary.already, without_targets=summary.without_targets
    )
    return guard.finish(json_response(answer))


@router.post(
    "/letters/{letter_id}/acknowledge",
    response_model=LetterRead,
    summary="签收责任书：本单位的令牌报送其负责人的签收，须带所阅读文本的哈希和 version"
    "（reports 范围；可带 Idempotency-Key）",
)
def acknowledge(
    letter_id: IdPath, body: LetterAcknowledge, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    letter = letters.acknowledge(db, principal, letter_id, body.version, body.text_hash)
    return guard.finish(json_response(LetterRead.model_validate(letter)))


@router.get("/letter-rules", response_model=list[RulesRead], summary="本年度竞赛与考核规则的各版本（最新在前）")
def list_rules(principal: ApiPrincipal, db: DbSession, year: YearQuery = None) -> list[RulesRead]:
    return [RulesRead.model_validate(r) for r in letters.rules_history(db, _year(year))]


@router.post(
    "/letter-rules",
    status_code=201,
    response_model=RulesRead,
    summary="保存本年度考核规则的新版本（旧版本保留；招商局令牌，targets 范围；base_revision 过期 409）",
)
def save_rules(body: RulesSave, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = letters.save_rules(db, principal, body.year, body.text, body.base_revision)
    return guard.finish(json_response(RulesRead.model_validate(row), 201))
