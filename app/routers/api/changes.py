"""The change feed (变更订阅): what changed since a cursor, for another system to stay in sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from app.deps import ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.changes import ChangePageRead, ChangeRead, EntityName
from app.schemas.common import json_response
from app.schemas.errors import ErrorBody
from app.services import changes

router = IndexedRouter(tags=["变更订阅"])

DESCRIPTION = """按提交顺序列出本令牌可见的记录的新建、修改和删除，供其他系统增量同步，不必反复拉取整个列表。

每条变更只有记录类型、id、动作、时间和改动后的版本号（以及到位资金、进度更新所属的项目），不含任何字段的内容：
需要内容时按 id 调用详情接口。保密项目的名称、客商等从不出现在变更中。

可见范围与读取记录相同：单位令牌只见本单位的项目（引进或责任单位）及其到位资金、进度，本单位的线索，
本单位报告、办理或协办的问题，以及客商库中可查看的客商，本单位的科室、人员、目标分解，和本单位可查看的线索、
项目、进度、招商活动的经办人员及份额；全局令牌见全部（看不到身份的保密项目的线索、仅属于这类项目的客商除外）。

同步方法：
1. 首次同步：先不带 after 请求一次（limit=1 即可），记下返回的 latest；再用各列表接口全量拉取；
   然后从 latest 开始跟进。
2. 跟进：以上一页的 next 作为 after 请求，直到 has_more 为 false；之后定时再请求。
   页可能为空而 has_more 为 true（游标前进了，但其中没有本令牌可见的变更），请继续请求。
3. 游标是稳定的：同一游标之后的变更只会增加，不会有较早提交的变更插到已读过的游标之前。
   同一记录短时间内多次改动会出现多条，按 id 去重后取最新即可。
4. 游标超过保留期（变更记录被清理）或数据已从备份恢复时返回 410，请重新全量同步。"""


@router.get(
    "/changes",
    summary="变更订阅：某一游标之后的新建、修改、删除（按提交顺序；只含 id 与元数据）",
    description=DESCRIPTION,
    response_model=ChangePageRead,
    responses={
        410: {
            "model": ErrorBody,
            "description": "游标已失效（所指变更已过保留期被清理，或数据已从备份恢复）：请重新全量同步",
        }
    },
)
def list_changes(
    principal: ApiPrincipal,
    db: DbSession,
    after: Annotated[
        str | None,
        Query(
            max_length=40,
            description="游标：上一页返回的 next（或 latest），原样传回；不带则从最早保留的变更开始",
            examples=["YzQ4MjE5"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=changes.MAX_LIMIT, description="每页条数，最多 1000")] = changes.DEFAULT_LIMIT,
    entity: Annotated[
        list[EntityName] | None,
        Query(description="只看这些类型的记录（可重复，如 entity=project&entity=funds_arrival）；不带则全部"),
    ] = None,
) -> Response:
    page = changes.feed(db, principal, after, limit=limit, entities=entity or ())
    items = [
        ChangeRead(
            entity=c.entity,
            entity_label=changes.ENTITIES[c.entity],
            id=c.id,
            action=c.action,
            action_label=changes.ACTION_LABELS[c.action],
            at=c.at,
            version=c.version,
            project_id=c.project_id,
        )
        for c in page.items
    ]
    return json_response(ChangePageRead(items=items, next=page.next, has_more=page.has_more, latest=page.latest))
