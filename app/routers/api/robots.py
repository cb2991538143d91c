"""Group robots (DingTalk, WeCom) and the event catalogue over the API: the same service as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.deps import ApiIdempotency, ApiPrincipal, DbSession, SettingsDep
from app.routing import IndexedRouter
from app.schemas.robots import RobotCreate, RobotDeliveryRead, RobotRead, RobotUpdate
from app.services import events, robots

router = IndexedRouter(tags=["群机器人与事件"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


class EventTypeRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "funds.confirmed",
                    "label": "到位资金已确认",
                    "group": "funds",
                    "group_label": "到位资金",
                    "payload_schema": {  # abridged: the answer's references ($ref, $defs) shown inline
                        "title": "FundsEvent",
                        "type": "object",
                        "properties": {
                            "project": {"type": "object", "description": "项目：编号、名称、阶段、负责单位……"},
                            "funds": {"type": "object", "description": "到位资金：编号、金额（万元）、到位日期……"},
                            "project_funds_confirmed": {
                                "anyOf": [{"type": "number"}, {"type": "string"}],
                                "description": "项目已确认的内资到位资金合计（万元）",
                            },
                        },
                        "required": ["project", "funds", "project_funds_confirmed"],
                    },
                }
            ]
        }
    )

    type: str = Field(description="稳定的事件类型，如 project.stage_reached")
    label: str
    group: str
    group_label: str
    payload_schema: dict[str, Any] = Field(description="data 字段的 JSON Schema")


class TestQueued(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"delivery_id": 3121, "message": "测试消息已排队，数秒内发出"}]}
    )

    delivery_id: int
    message: str


def _json(status: int, model: BaseModel) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=status)


@router.get("/event-types", summary="事件目录：可订阅的事件类型及其数据结构")
def event_types(principal: ApiPrincipal) -> list[EventTypeRead]:
    return [
        EventTypeRead(
            type=kind.code,
            label=kind.label,
            group=kind.group,
            group_label=events.GROUPS[kind.group],
            payload_schema=kind.model.model_json_schema(),
        )
        for kind in events.EVENT_TYPES.values()
    ]


@router.get("/robots", summary="群机器人（单位令牌只见本单位的）")
def list_robots(principal: ApiPrincipal, db: DbSession) -> list[RobotRead]:
    return [robots.read(r) for r in robots.list_robots(db, principal)]


@router.post(
    "/robots",
    status_code=201,
    summary="添加群机器人（钉钉须带加签密钥；地址与密钥保存后不再返回）",
    responses={201: {"model": RobotRead}},
)
def add_robot(
    body: RobotCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency, settings: SettingsDep
) -> JSONResponse:
    robot = robots.add(db, principal, body, settings.robot_hosts)
    return guard.finish(_json(201, robots.read(robot)))  # type: ignore[return-value]


@router.get("/robots/{robot_id}", summary="群机器人详情")
def get_robot(robot_id: IdPath, principal: ApiPrincipal, db: DbSession) -> RobotRead:
    return robots.read(robots.get(db, principal, robot_id))


@router.patch("/robots/{robot_id}", summary="启用、停用群机器人，或改名称、事件（需带 version）")
def update_robot(robot_id: IdPath, body: RobotUpdate, principal: ApiPrincipal, db: DbSession) -> RobotRead:
    return robots.read(robots.update(db, principal, robot_id, body))


@router.delete("/robots/{robot_id}", status_code=204, summary="删除群机器人（未发出的消息不再发送）")
def delete_robot(robot_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    robots.delete(db, principal, robot_id)
    return Response(status_code=204)


@router.post(
    "/robots/{robot_id}/test",
    status_code=202,
    summary="发送测试消息（排队，数秒内发出）",
    responses={202: {"model": TestQueued}},
)
def test_robot(robot_id: IdPath, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> JSONResponse:
    delivery = robots.send_test(db, principal, robot_id)
    return guard.finish(  # type: ignore[return-value]
        _json(202, TestQueued(delivery_id=delivery.id, message="测试消息已排队，数秒内发出"))
    )


@router.get("/robots/{robot_id}/deliveries", summary="该机器人最近的消息及发送结果")
def robot_deliveries(robot_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[RobotDeliveryRead]:
    robot = robots.get(db, principal, robot_id)
    return [
        RobotDeliveryRead(
            id=d.id,
            event_type=event_type,
            status=d.status.value,
            attempts=d.attempts,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
        )
        for d, event_type, _name in robots.deliveries(db, principal, robot_id=robot.id)
    ]
