"""The year's assessment pages (年度考核): the ranked results, one unit's result with every point's source,
the assessors' qualitative scores, the coordinator's bonuses and deductions, the scheme, publishing and the
XLSX. The same service as /api/v1/assessment."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.models.assessment import AdjustmentKind
from app.routing import IndexedRouter
from app.schemas.assessment import DEDUCTION_LABELS, AdjustmentIn, PublishIn, SchemeIn, ScoresIn, WithdrawIn
from app.schemas.common import translate_errors, validate_form
from app.services import assessment, export, metrics, workdays
from app.templating import go, render

router = IndexedRouter()
PAGE = 50
ITEM_ROWS = 6
SECTIONS = [("quantitative", "定量"), ("qualitative", "定性"), ("bonus", "加分"), ("deduction", "扣分")]
SECTIONS.append(("info", "参考信息（不计分）"))  # compliance cases opened in the year (issue 20)
KINDS = [(k.value, k.label) for k in AdjustmentKind]


def _year(year: int | None) -> int:
    return year or workdays.today().year


def _validated(model: type[BaseModel], data: dict[str, Any], names: dict[str, str]) -> Any:
    """Validate a nested body built from a flat form; each error under the form field it came from."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = translate_errors(exc.errors())
        raise Invalid({names.get(k, k): v for k, v in errors.items()}) from None


# --- the results ------------------------------------------------------------------------------------


@router.get("/assessment")
def assessment_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int | None = Query(None, ge=2000, le=2100),
    offset: int = Query(0, ge=0, le=100_000),
) -> Response:
    y = _year(year)
    v = assessment.view(db, principal, y)
    return render(
        request,
        "assessment/results.html",
        {
            "v": v,
            "rows": v.rows[offset : offset + PAGE],
            "total": len(v.rows),
            "offset": offset,
            "page": PAGE,
            "year": y,
            "years": list(range(workdays.today().year, 2019, -1)),
            "is_coordinator": principal.is_coordinator,
            "publish_values": {"idempotency_key": uuid.uuid4().hex},
            "errors": {},
        },
    )


@router.get("/assessment/{year}/export.xlsx")
def assessment_xlsx(db: DbSession, principal: PagePrincipal, year: int) -> Response:
    v = assessment.view(db, principal, year)
    rows = [
        [
            r["rank"],
            r["unit_name"],
            r["quantitative"],
            r["qualitative"] if r["qualitative"] is not None else "",
            r["bonus"],
            r["deduction"],
            r["score"],
            "红牌" if r["red_card"] else "",
        ]
        for r in v.rows
    ]
    body = export.xlsx(
        f"{year}年度考核",
        ["名次", "单位", "定量得分", "定性得分", "加分", "扣分", "综合得分", "红牌"],
        rows,
        number_formats={i: "0.00" for i in range(2, 7)},
    )
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": export.content_disposition(f"{year}年度考核结果.xlsx")},
    )


def _unit_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int,
    unit_id: int,
    *,
    errors: dict[str, str] | None = None,
    refused: str = "",
    values: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    result = assessment.unit_view(db, principal, year, unit_id)
    scheme = assessment.scheme_of(db, year)
    params = assessment.params_of(scheme)
    scores = assessment.scores_of(db, principal, year, unit_id)
    mine = {s.item: s for s, _name in scores if s.assessor_id == principal.user_id}
    vals = dict(values or {})
    vals.setdefault("idempotency_key", uuid.uuid4().hex)
    return render(
        request,
        "assessment/unit.html",
        {
            "year": year,
            "r": result,
            "lines": {code: [ln for ln in result["lines"] if ln["section"] == code] for code, _ in SECTIONS},
            "sections": SECTIONS,
            "params": params,
            "published": scheme is not None and scheme.status.value == "published",
            "scores": scores,
            "mine": mine,
            "adjustments": assessment.adjustments_of(db, principal, year, unit_id),
            "is_assessor": assessment.is_assessor(principal),
            "is_coordinator": principal.is_coordinator,
            "assessor_options": [(u.id, f"{u.display_name}（{u.role.label}）") for u in assessment.assessors(db)]
            if principal.is_coordinator
            else [],
            "kinds": KINDS,
            "errors": errors or {},
            "refused": refused,
            "values": vals,
            "conflict": conflict,
        },
        status_code=status_code,
    )


@router.get("/assessment/{year}/units/{unit_id}")
def assessment_unit(request: Request, db: DbSession, principal: PagePrincipal, year: int, unit_id: int) -> Response:
    return _unit_page(request, db, principal, year, unit_id)


def _typed(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _unit_refused(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int,
    unit_id: int,
    exc: Invalid | Conflict,
    form: FormData,
    refused: str,
) -> Response:
    if isinstance(exc, Conflict):
        return _unit_page(
            request,
            db,
            principal,
            year,
            unit_id,
            conflict=exc.details,
            refused=refused,
            values=_typed(form),
            status_code=409,
        )
    return _unit_page(
        request, db, principal, year, unit_id, errors=exc.errors, refused=refused, values=_typed(form), status_code=422
    )


@router.post("/assessment/{year}/units/{unit_id}/scores")
def assessment_scores(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int,
    unit_id: int,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    if not assessment.is_assessor(principal):
        raise policy.DeniedForbidden("定性评分由县级领导、督查室或招商局评分")
    params = assessment.params_of(assessment.scheme_of(db, year))
    lines: list[dict[str, Any]] = []
    names = {"assessor_id": "assessor_id"}
    for item in params["qualitative_items"]:
        code = item["code"]
        given, reason = str(form.get(f"score_{code}", "")).strip(), str(form.get(f"reason_{code}", "")).strip()
        if not given and not reason:
            continue
        index = len(lines)
        names.update({f"scores.{index}.score": f"score_{code}", f"scores.{index}.reason": f"reason_{code}"})
        names[f"scores.{index}.version"] = f"score_{code}"
        version = str(form.get(f"version_{code}", "")).strip()
        lines.append({"item": code, "score": given or None, "reason": reason, "version": version or None})
    assessor = str(form.get("assessor_id", "")).strip()
    try:
        if not lines:
            raise Invalid({"__all__": "请至少为一个评分项打分并写明理由"})
        data = _validated(ScoresIn, {"assessor_id": assessor or None, "scores": lines}, names)
        assessment.set_scores(db, principal, year, unit_id, data)
    except (Invalid, Conflict) as exc:
        return _unit_refused(request, db, principal, year, unit_id, exc, form, "scores")
    return guard.finish(go(request, f"/assessment/{year}/units/{unit_id}#scores"))


@router.post("/assessment/{year}/units/{unit_id}/adjustments")
def assessment_adjustment(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int,
    unit_id: int,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    policy.ensure_coordinator(principal)
    try:
        assessment.add_adjustment(db, principal, year, unit_id, validate_form(AdjustmentIn, form))
    except (Invalid, Conflict) as exc:
        return _unit_refused(request, db, principal, year, unit_id, exc, form, "adjustment")
    return guard.finish(go(request, f"/assessment/{year}/units/{unit_id}#adjustments"))


@router.post("/assessment/{year}/adjustments/{adjustment_id}/withdraw")
def assessment_withdraw(
    request: Request, db: DbSession, principal: PagePrincipal, year: int, adjustment_id: int, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)
    row = assessment.get_adjustment(db, year, adjustment_id)
    try:
        assessment.withdraw_adjustment(db, principal, year, adjustment_id, validate_form(WithdrawIn, form))
    except (Invalid, Conflict) as exc:
        return _unit_refused(request, db, principal, year, row.unit_id, exc, form, f"withdraw-{adjustment_id}")
    return go(request, f"/assessment/{year}/units/{row.unit_id}#adjustments")


# --- the scheme and publishing ---------------------------------------------------------------------


def _scheme_values(params: dict[str, Any], version: int | None) -> dict[str, str]:
    values = {
        "version": str(version or ""),
        "quantitative_weight": params["quantitative_weight"],
        "qualitative_weight": params["qualitative_weight"],
        "deduction_cap": params["deduction_cap"],
        "bonus_cap": params["bonus_cap"],
    }
    values.update({f"mw_{k}": v for k, v in params["metric_weights"].items()})
    values.update({f"ded_{k}": v for k, v in params["deductions"].items()})
    for i, item in enumerate(params["qualitative_items"]):
        values.update(
            {f"item_code_{i}": item["code"], f"item_label_{i}": item["label"], f"item_weight_{i}": item["weight"]}
        )
    return values


def _scheme_form(
    request: Request,
    db: DbSession,
    year: int,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    scheme = assessment.scheme_of(db, year)
    return render(
        request,
        "assessment/scheme.html",
        {
            "year": year,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "published": scheme is not None and scheme.status.value == "published",
            "metrics": [(code, m.label) for code, m in metrics.METRICS.items()],
            "deductions": list(DEDUCTION_LABELS.items()),
            "item_rows": range(ITEM_ROWS),
        },
        status_code=status_code,
    )


@router.get("/assessment/{year}/scheme")
def assessment_scheme(request: Request, db: DbSession, principal: PagePrincipal, year: int) -> Response:
    policy.ensure_coordinator(principal)
    scheme = assessment.scheme_of(db, year)
    return _scheme_form(
        request, db, year, _scheme_values(assessment.params_of(scheme), scheme.version if scheme else None)
    )


@router.post("/assessment/{year}/scheme")
def assessment_scheme_save(
    request: Request, db: DbSession, principal: PagePrincipal, year: int, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)
    typed = _typed(form)
    names = {
        "quantitative_weight": "quantitative_weight",
        "qualitative_weight": "qualitative_weight",
        "deduction_cap": "deduction_cap",
        "bonus_cap": "bonus_cap",
        "version": "version",
    }
    metric_weights = {}
    for code in metrics.METRICS:
        value = typed.get(f"mw_{code}", "").strip()
        if value:
            metric_weights[code] = value
            names[f"metric_weights.{code}"] = f"mw_{code}"
    items: list[dict[str, Any]] = []
    for i in range(ITEM_ROWS):
        row = {f: typed.get(f"item_{f}_{i}", "").strip() for f in ("code", "label", "weight")}
        if any(row.values()):
            index = len(items)
            names.update({f"qualitative_items.{index}.{f}": f"item_{f}_{i}" for f in row})
            items.append({k: v or None for k, v in row.items()})
    names["qualitative_items"] = "item_label_0"
    deductions = {}
    for code in DEDUCTION_LABELS:
        deductions[code] = typed.get(f"ded_{code}", "").strip() or "0"
        names[f"deductions.{code}"] = f"ded_{code}"
    data = {
        "version": typed.get("version") or None,
        "quantitative_weight": typed.get("quantitative_weight") or None,
        "qualitative_weight": typed.get("qualitative_weight") or None,
        "metric_weights": metric_weights,
        "qualitative_items": items,
        "deductions": deductions,
        "deduction_cap": typed.get("deduction_cap") or None,
        "bonus_cap": typed.get("bonus_cap") or None,
    }
    try:
        body = _validated(SchemeIn, data, {**names, "__all__": "__all__"})
        assessment.set_scheme(db, principal, year, body)
    except Conflict as exc:
        return _scheme_form(request, db, year, typed, conflict=exc.details, status_code=409)
    except Invalid as exc:
        return _scheme_form(request, db, year, typed, exc.errors, status_code=422)
    return go(request, f"/assessment?year={year}&saved=1")


@router.post("/assessment/{year}/publish")
def assessment_publish(
    request: Request, db: DbSession, principal: PagePrincipal, year: int, form: RequestForm, guard: PageIdempotency
) -> Response:
    policy.ensure_coordinator(principal)
    try:
        assessment.publish(db, principal, year, validate_form(PublishIn, form))
    except (Invalid, Conflict) as exc:
        v = assessment.view(db, principal, year)
        errors = exc.errors if isinstance(exc, Invalid) else {"__all__": "方案已被他人修改，请刷新后再发布"}
        return render(
            request,
            "assessment/results.html",
            {
                "v": v,
                "rows": v.rows[:PAGE],
                "total": len(v.rows),
                "offset": 0,
                "page": PAGE,
                "year": year,
                "years": list(range(workdays.today().year, 2019, -1)),
                "is_coordinator": True,
                "publish_values": _typed(form),
                "errors": errors,
            },
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
    return guard.finish(go(request, f"/assessment?year={year}&published=1"))
