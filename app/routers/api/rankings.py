"""Rankings over the API (排名): per unit, per section or per person, with the 十佳 of the dimension; the same
services as the rankings page (app.services.performance for units, app.services.rankings below the unit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from app.deps import ApiPrincipal, DbSession
from app.models.unit import UnitKind
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.rankings import (
    Dimension,
    IndividualRead,
    RankingsRead,
    StandingRead,
    TopEntryRead,
    UnitStandingRead,
)
from app.services import performance, workdays
from app.services import rankings as ranking_service

router = IndexedRouter(tags=["考核与通报"])
CENT = Decimal("0.01")
Year = Annotated[int, Query(ge=2000, le=2100, description="年度", examples=[2026])]


@router.get(
    "/rankings",
    response_model=RankingsRead,
    summary="排名：按单位（规则与并列处理见 tie_rule）、按科室或按个人，及本维度的十佳与十佳引资个人",
)
def rankings(
    principal: ApiPrincipal,
    db: DbSession,
    year: Year,
    dimension: Annotated[Dimension, Query(description="unit 按单位（默认）；section 按科室；person 按个人")] = "unit",
    kind: Annotated[UnitKind | None, Query(description="只排该类别的单位（及其科室、人员）")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="科室、个人排名每页条数")] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    as_of = min(workdays.today(), date(year, 12, 31))
    kinds = [kind.value] if kind is not None else None
    people_ranking = ranking_service.rank_people(db, principal, year, kinds)
    answer = RankingsRead(
        year=year,
        dimension=dimension,
        tie_rule=performance.TIE_RULE if dimension == "unit" else ranking_service.TIE_RULE,
        units=[],
        standings=[],
        total=0,
        top_ten=[],
        individuals=[
            IndividualRead(
                user_id=p.user_id,
                cadre_id=p.id,
                name=p.name,
                investment=p.contract_investment,
                valid_leads=p.valid_leads,
            )
            for p in ranking_service.top_ten(db, principal, year, "person", kinds, people_ranking)
        ],
    )
    if dimension == "unit":
        rows = performance.rank_units(db, None, year, as_of, kinds)
        answer.units = [
            UnitStandingRead(
                rank=r["rank"],
                unit_id=r["unit"].id,
                unit=r["unit"].name,
                score=r["score"].quantize(CENT),
                deductions=r["deductions"],
                stale=r["stale"],
                gap_to_above=None if r["gap_to_above"] is None else r["gap_to_above"].quantize(CENT),
            )
            for r in rows
        ]
        answer.total = len(rows)
        standings: list[ranking_service.Standing] = []
    else:
        standings = (
            people_ranking if dimension == "person" else ranking_service.rank_sections(db, principal, year, kinds)
        )
        answer.total = len(standings)
        answer.standings = [
            StandingRead(
                rank=s.rank,
                kind=s.kind,
                id=s.id,
                name=s.name,
                title=s.title,
                unit_id=s.unit_id,
                unit=s.unit_name,
                section=s.section_name if s.kind == "person" else None,
                score=s.score.quantize(CENT),
                gap_to_above=None if s.gap_to_above is None else s.gap_to_above.quantize(CENT),
                figures=s.figures,
                targets=s.targets,
            )
            for s in standings[offset : offset + limit]
        ]
    answer.top_ten = [
        TopEntryRead(
            rank=t.rank,
            kind=t.kind,
            id=t.id,
            name=t.name,
            unit_id=t.unit_id,
            unit=t.unit_name,
            contract_investment=t.contract_investment,
            valid_leads=t.valid_leads,
        )
        for t in ranking_service.top_ten(db, principal, year, dimension, kinds, standings or None)
    ]
    return json_response(answer)
