"""The coordinator's settings and the holiday/workday calendar over the API: the same services as the
settings and calendar pages (app.services.app_settings, app.services.workdays)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import policy
from app.deps import ApiPrincipal, DbSession
from app.errors import NotFound
from app.routing import IndexedRouter
from app.schemas.common import Day
from app.schemas.settings import (
    CalendarDayRead,
    CalendarDayWrite,
    SettingRead,
    SettingsPatch,
    SettingsRead,
    UnitQuotaRead,
)
from app.services import app_settings, workdays

router = IndexedRouter(tags=["参数设置与工作日历"])

DayPath = Annotated[Day, Path(description="日期 YYYY-MM-DD（2000–2100 年）")]


def _settings(db: Session) -> SettingsRead:
    values, overrides = app_settings.overview(db)
    return SettingsRead(
        settings={
            s.key: SettingRead(
                label=app_settings.LABELS.get(s.key, s.key),
                value=s.value,
                default=app_settings.DEFAULTS[s.key],
                version=s.version,
            )
            for s in values
        },
        unit_quotas=[
            UnitQuotaRead(unit_id=unit_id, value=s.value, version=s.version)
            for unit_id, s in overrides.get("lead_monthly_quota", [])
        ],
    )


@router.get("/settings", summary="参数设置：各项的值、默认值与版本号，及单位线索任务（招商局令牌）")
def get_settings(principal: ApiPrincipal, db: DbSession) -> SettingsRead:
    policy.ensure_coordinator(principal)
    return _settings(db)


@router.patch(
    "/settings",
    summary="修改参数设置与单位线索任务（招商局令牌，admin 范围；只改所发各项，各带 version，过期 409）",
)
def patch_settings(body: SettingsPatch, principal: ApiPrincipal, db: DbSession) -> SettingsRead:
    changes = [
        app_settings.Change(key, str(item.value), version=item.version) for key, item in body.settings.items()
    ] + [
        app_settings.Change("lead_monthly_quota", str(q.value), unit_id=q.unit_id, version=q.version)
        for q in body.unit_quotas
    ]
    app_settings.save(db, principal, changes)
    return _settings(db)


@router.get("/calendar", summary="工作日历：某年的法定节假日与调休上班日（招商局令牌）")
def get_calendar(
    principal: ApiPrincipal,
    db: DbSession,
    year: Annotated[int, Query(ge=2000, le=2100, description="年度")],
) -> list[CalendarDayRead]:
    policy.ensure_coordinator(principal)
    return [CalendarDayRead(day=d.day, is_workday=d.is_workday, name=d.name) for d in workdays.calendar_days(db, year)]


@router.put(
    "/calendar/{day}",
    summary="设定某日为法定节假日或调休上班日（招商局令牌，admin 范围；重复提交即覆盖）",
)
def put_calendar_day(day: DayPath, body: CalendarDayWrite, principal: ApiPrincipal, db: DbSession) -> CalendarDayRead:
    row = workdays.set_calendar_day(db, principal, day, is_workday=body.is_workday, name=body.name)
    return CalendarDayRead(day=row.day, is_workday=row.is_workday, name=row.name)


@router.delete(
    "/calendar/{day}",
    status_code=204,
    summary="取消某日的调整，恢复按周末休息（招商局令牌，admin 范围；该日无调整时 404）",
)
def delete_calendar_day(day: DayPath, principal: ApiPrincipal, db: DbSession) -> Response:
    if not workdays.remove_calendar_day(db, principal, day):
        raise NotFound("该日期没有调整")
    return Response(status_code=204)
