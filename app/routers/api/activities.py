"""The activities a unit records (外出招商, 接待客商, 推介活动, 外贸进出口) over the API: the same service as
the activities page (app.services.activities). Each kind takes its own body; a unit's token records its
own unit's."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.performance import PromotionEvent, Trip
from app.routing import IndexedRouter
from app.schemas.activities import (
    ACTIVITY_BODIES,
    ActivitiesRead,
    ActivityRecorded,
    EventCreate,
    EventRead,
    ReceptionCreate,
    ReceptionRead,
    TradeRead,
    TradeSet,
    TripCreate,
    TripRead,
)
from app.schemas.common import InputModel, ReadModel, json_response
from app.schemas.people import PersonShareRead
from app.services import activities, cadre_credits

router = IndexedRouter(prefix="/activities", tags=["招商活动"])

ActivityKind = Literal["trip", "reception", "event", "trade"]
assert set(ACTIVITY_BODIES) == set(activities.KINDS)

_EXAMPLE_SUMMARIES = {
    "trip": "外出招商（kind=trip）",
    "reception": "接待客商（kind=reception）",
    "event": "推介活动及现场签约项目（kind=event）",
    "trade": "外贸进出口月度数（kind=trade）",
}


def _schema(model: type[InputModel]) -> dict[str, Any]:
    """A body's JSON Schema inline, its nested models (the people's shares) named from the document's
    components (where PUT …/people declares them)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "按路径中的活动类别提交对应的请求体：trip 外出招商，reception 接待客商，"
        "event 推介活动（现场签约项目按编号），trade 外贸进出口（按月，重复提交即更正该月）",
        "content": {
            "application/json": {
                "schema": {"oneOf": [_schema(model) for model in ACTIVITY_BODIES.values()]},
                "examples": {
                    kind: {"summary": _EXAMPLE_SUMMARIES[kind], "value": model.model_json_schema()["examples"][0]}
                    for kind, model in ACTIVITY_BODIES.items()
                },
            }
        },
    }
}
"""The body's schema in the OpenAPI document: one of the four kinds' (the handler reads and checks it
against the kind its path names, so FastAPI declares no body of its own)."""


async def _activity_body(request: Request, principal: ApiPrincipal, kind: ActivityKind) -> InputModel:
    """The body checked as the path's kind of activity (a refusal names its field: 422)."""
    return ACTIVITY_BODIES[kind].model_validate_json(await request.body())


def _people(db: DbSession, kind: str, rows: list[Any]) -> dict[int, list[PersonShareRead]]:
    """Each record's people (one statement for the list)."""
    found = cadre_credits.people_of_records(db, kind, [r.id for r in rows])
    return {record_id: [PersonShareRead.model_validate(p) for p in shares] for record_id, shares in found.items()}


def _read(model: type[ReadModel], row: Any, people: dict[int, list[PersonShareRead]]) -> Any:
    return model.model_validate(row).model_copy(update={"cadres": people.get(row.id, [])})


def _trip_read(
    db: DbSession,
    trip: Trip,
    linked: dict[int, list[int]] | None = None,
    people: dict[int, list[PersonShareRead]] | None = None,
) -> TripRead:
    """A trip with its sections (条线) and its people."""
    sections = (linked if linked is not None else activities.trip_sections(db, [trip.id]))[trip.id]
    people = people if people is not None else _people(db, "trip", [trip])
    return _read(TripRead, trip, people).model_copy(update={"section_ids": sections})


def _event_read(
    db: DbSession,
    event: PromotionEvent,
    linked: dict[int, list[int]] | None = None,
    people: dict[int, list[PersonShareRead]] | None = None,
) -> EventRead:
    project_ids = (linked if linked is not None else activities.event_projects(db, [event.id]))[event.id]
    people = people if people is not None else _people(db, "event", [event])
    return EventRead(
        id=event.id,
        unit_id=event.unit_id,
        held_on=event.held_on,
        name=event.name,
        place=event.place,
        project_ids=project_ids,
        cadres=people.get(event.id, []),
        version=event.version,
        created_at=event.created_at,
    )


@router.get("", summary="最近登记的招商活动（单位令牌只见本单位的；每类最多 limit 条，最新在前）")
def list_activities(
    principal: ApiPrincipal,
    db: DbSession,
    unit_id: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="只看该单位的（单位令牌只能是本单位）")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="每类最多几条")] = 30,
) -> ActivitiesRead:
    recent = activities.recent(db, principal, limit=limit, unit_id=unit_id)
    linked = activities.event_projects(db, [e.id for e in recent["events"]])
    sections = activities.trip_sections(db, [t.id for t in recent["trips"]])
    trip_people = _people(db, "trip", recent["trips"])
    reception_people = _people(db, "reception", recent["receptions"])
    event_people = _people(db, "event", recent["events"])
    trade_people = _people(db, "trade", recent["trade"])
    return ActivitiesRead(
        trips=[_trip_read(db, t, sections, trip_people) for t in recent["trips"]],
        receptions=[_read(ReceptionRead, r, reception_people) for r in recent["receptions"]],
        events=[_event_read(db, e, linked, event_people) for e in recent["events"]],
        trade=[_read(TradeRead, t, trade_people) for t in recent["trade"]],
    )


@router.post(
    "/{kind}",
    status_code=201,
    response_model=ActivityRecorded,
    responses={200: {"model": ActivityRecorded, "description": "外贸进出口：该月的数已填报或更正"}},
    summary="登记本单位的招商活动：外出招商、接待客商、推介活动（含现场签约项目）或外贸进出口（可带 Idempotency-Key）",
    openapi_extra=_REQUEST_BODY,
)
def record_activity(
    kind: Annotated[ActivityKind, Path(description="活动类别")],
    body: Annotated[InputModel, Depends(_activity_body)],
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    record: Any
    status = 201
    cadres = [(p.cadre_id, p.share) for p in getattr(body, "cadres", [])]
    fields = body.model_dump(exclude={"cadres"})
    if isinstance(body, TripCreate):
        record = _trip_read(db, activities.add_trip(db, principal, **fields, cadres=cadres))
    elif isinstance(body, ReceptionCreate):
        reception = activities.add_reception(db, principal, **fields, cadres=cadres)
        record = _read(ReceptionRead, reception, _people(db, "reception", [reception]))
    elif isinstance(body, EventCreate):
        record = _event_read(db, activities.add_event(db, principal, **fields, cadres=cadres))
    else:
        assert isinstance(body, TradeSet)
        entry = activities.set_trade(
            db, principal, body.first_day(), body.amount_usd, version=body.version, cadres=cadres
        )
        status = 200  # the month's figure set (new or corrected), as a PUT would
        record = _read(TradeRead, entry, _people(db, "trade", [entry]))
    return guard.finish(json_response(ActivityRecorded(kind=kind, record=record), status))
