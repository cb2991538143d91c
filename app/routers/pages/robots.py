"""Group robots' page: a unit's staff keep their unit's DingTalk / WeCom robots, the coordinator its own (and
sees every unit's)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from app import policy
from app.deps import DbSession, PagePrincipal, RequestForm, SettingsDep
from app.errors import Invalid
from app.models.robot import RobotKind
from app.principal import Principal
from app.routing import IndexedRouter
from app.schemas.common import translate_errors
from app.schemas.robots import RobotCreate, RobotUpdate
from app.services import events, robots, units
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
KIND_OPTIONS = [(k.value, k.label) for k in RobotKind]


def _page(
    request: Request,
    db: DbSession,
    principal: Principal,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    queued: int | None = None,
    status_code: int = 200,
) -> Response:
    rows = robots.list_robots(db, principal)
    unit_rows, _ = units.list_units(db, include_inactive=True)
    names = {u.id: u.name for u in unit_rows}
    return render(
        request,
        "robots/list.html",
        {
            "rows": [
                {
                    "robot": r,
                    "owner": names.get(r.unit_id, "") if r.unit_id is not None else "招商局",
                    "events": events.chosen_labels(r.event_types),
                    "manage": robots.can_manage(principal, r.unit_id),
                }
                for r in rows
            ],
            "log": robots.deliveries(db, principal),
            "labels": {t: events.label_of(t) for t in [*events.EVENT_TYPES, events.ROBOT_TEST.code]},
            "may_add": robots.may_add(principal),
            "kind_options": KIND_OPTIONS,
            "unit_options": [(u.id, u.name) for u, _depth in units.tree(unit_rows) if u.is_active]
            if principal.is_coordinator
            else [],
            "groups": events.grouped(),
            "values": values or {"kind": "dingtalk", "event_types": []},
            "errors": errors or {},
            "queued": next((r for r in rows if r.id == queued), None),
        },
        status_code=status_code,
    )


@router.get("/robots")
def robot_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    queued: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    return _page(request, db, principal, queued=queued)


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != "event_types"}
    values["event_types"] = [v for v in form.getlist("event_types") if isinstance(v, str)]
    return values


@router.post("/robots")
def robot_add(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, settings: SettingsDep
) -> Response:
    if not robots.may_add(principal):
        raise policy.DeniedForbidden("只有单位工作人员和招商局可以添加群机器人")
    values = _form_values(form)
    shown = {k: v for k, v in values.items() if k != "secret"}  # a secret is never sent back
    try:
        data = RobotCreate.model_validate(
            {
                "kind": values.get("kind", ""),
                "name": values.get("name", "").strip(),
                "webhook_url": values.get("webhook_url", "").strip(),
                "secret": values.get("secret", "").strip(),
                "event_types": values["event_types"],
                "unit_id": values.get("unit_id") or None,
            }
        )
    except ValidationError as exc:
        errors = {k.split(".")[0]: v for k, v in reversed(translate_errors(exc.errors()).items())}
        return _page(request, db, principal, values=shown, errors=errors, status_code=422)
    try:
        robots.add(db, principal, data, settings.robot_hosts)
    except Invalid as exc:
        return _page(request, db, principal, values=shown, errors=exc.errors, status_code=422)
    return go(request, "/robots")


@router.post("/robots/{robot_id}/toggle")
def robot_toggle(
    request: Request, db: DbSession, principal: PagePrincipal, robot_id: IdPath, form: RequestForm
) -> Response:
    version = form.get("version")
    robots.update(
        db,
        principal,
        robot_id,
        RobotUpdate.model_validate(
            {"version": version if isinstance(version, str) else "", "is_active": form.get("active") == "1"}
        ),
    )
    return go(request, "/robots")


@router.post("/robots/{robot_id}/test")
def robot_test(
    request: Request, db: DbSession, principal: PagePrincipal, robot_id: IdPath, form: RequestForm
) -> Response:
    robots.send_test(db, principal, robot_id)
    return go(request, f"/robots?queued={robot_id}")


@router.post("/robots/{robot_id}/delete")
def robot_delete(
    request: Request, db: DbSession, principal: PagePrincipal, robot_id: IdPath, form: RequestForm
) -> Response:
    robots.delete(db, principal, robot_id)
    return go(request, "/robots")
