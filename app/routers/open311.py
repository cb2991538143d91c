"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2, for published Open311
clients (the 12345 hotline, service-centre systems), beside the JSON API at /api/v1.

Every resource answers in XML (services.xml) or JSON (services.json). Errors are the spec's arrays,
`[{"code": 403, "description": "…"}]` or `<errors><error><code/><description/></error></errors>`, with
the HTTP status the spec names: 403 for a missing or wrong api_key, 404 for what does not exist
(a jurisdiction, a service code, a request), 400 for anything else; app.main sends every error under
/open311/ here (`handles`, `error_response`).

Ticket data is not public: every method but the discovery document needs an api_key, which is one of
the platform's API tokens (app.deps.token_principal, as a bearer token): the query or form field
api_key as the spec has it, `Authorization: Bearer`, or HTTP Basic with the key as user name or
password (for clients that send api_key only when posting). Session cookies are never read here, so a
form posted from another site carries no one's authority.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Security
from fastapi.responses import Response
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from app import deps
from app.deps import DbSession, Fingerprint, IdemKey, RequestForm, SettingsDep
from app.errors import DomainError, Invalid, LoginRequired
from app.principal import Principal
from app.routers.api import bearer_scheme
from app.routing import IndexedRouter
from app.schemas.common import CONTROL_CHARACTERS, CONTROL_MESSAGE, translate_errors
from app.schemas.open311 import (
    XML_ITEM,
    Format,
    GeoReportDiscovery,
    GeoReportError,
    GeoReportRequestCreated,
    GeoReportRequestForm,
    GeoReportService,
    GeoReportServiceDefinition,
    GeoReportServiceRequest,
    GeoReportTokenAnswer,
)
from app.services import idempotency, open311

PREFIX = "/open311"
REFUSED_AS = {401: 403, 409: 400, 422: 400}
"""The spec's statuses: 403 for a missing or wrong api_key, 400 for any other request it cannot fulfil."""

# --- the two formats -------------------------------------------------------------------------

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_IN_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _append(element, XML_ITEM[name], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    else:
        element.text = _text(value)


def to_xml(root: str, content: Sequence[Any] | Mapping[str, Any]) -> bytes:
    """The spec's XML: the JSON shape's fields as elements in order, a list as a wrapper element with
    an element per item, null as an empty element; UTF-8 with its declaration, no namespace."""
    element = ET.Element(root)
    if isinstance(content, Mapping):
        for key, item in content.items():
            _append(element, key, item)
    else:
        for item in content:
            _append(element, XML_ITEM[root], item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def render(fmt: str, root: str, content: BaseModel | Sequence[BaseModel], status_code: int = 200) -> Response:
    data: Any = (
        content.model_dump(mode="json")
        if isinstance(content, BaseModel)
        else [item.model_dump(mode="json") for item in content]
    )
    if fmt == "xml":
        return Response(to_xml(root, data), status_code=status_code, media_type="text/xml; charset=utf-8")
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status_code, media_type="application/json; charset=utf-8")


# --- errors (app.main hands every error under /open311/ to these) ----------------------------


def handles(request: Request) -> bool:
    return request.url.path.startswith(PREFIX + "/")


def _format_of(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def error_response(
    request: Request, status_code: int, descriptions: Sequence[str], headers: Mapping[str, str] | None = None
) -> Response:
    status_code = REFUSED_AS.get(status_code, status_code)
    errors = [GeoReportError(code=status_code, description=text) for text in descriptions]
    response = render(_format_of(request), "errors", errors, status_code)
    response.headers.update(headers or {})
    return response


def domain_error_response(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, Invalid):
        texts = [message if field == "__all__" else f"{field}：{message}" for field, message in exc.errors.items()]
    elif isinstance(exc, LoginRequired) and exc.message == LoginRequired.message:
        texts = ["缺少或无效的 api_key"]
    else:
        texts = [exc.message]
    return error_response(request, exc.status_code, texts)


def invalid_response(request: Request, raw_errors: Sequence[Mapping[str, Any]]) -> Response:
    """A parameter the route itself refused: a path that names no resource (an unknown format) is 404."""
    if any(tuple(e.get("loc", ()))[:1] == ("path",) for e in raw_errors):
        return error_response(request, 404, ["找不到该资源（格式只能是 .json 或 .xml）"])
    errors = translate_errors(raw_errors)
    return error_response(request, 400, [f"{field}：{message}" for field, message in errors.items()])


def http_error_response(request: Request, status_code: int, message: str, headers: Mapping[str, str]) -> Response:
    texts = {401: "api_key 无效（HTTP Basic 认证信息无法解析）", 404: "找不到该资源"}
    return error_response(request, status_code, [texts.get(status_code, message)], headers)


# --- who is asking ---------------------------------------------------------------------------

api_key_query = APIKeyQuery(
    name="api_key",
    auto_error=False,
    scheme_name="open311ApiKey",
    description="Open311 api_key：本平台的系统令牌，放在查询参数（提交问题时也可放在表单字段）api_key 中",
)
basic_scheme = HTTPBasic(
    auto_error=False,
    scheme_name="open311Basic",
    description="HTTP Basic：api_key 作用户名（密码留空）或作密码，供只在提交时才带 api_key 的 Open311 客户端使用",
)


async def _api_key(
    request: Request,
    query_key: Annotated[str | None, Security(api_key_query)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    basic: Annotated[HTTPBasicCredentials | None, Security(basic_scheme)],
) -> str:
    if query_key:
        return query_key
    if request.method == "POST" and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get("api_key")
        if isinstance(value, str) and value.strip():
            return value.strip()
    if bearer is not None:
        return bearer.credentials
    if basic is not None:
        return basic.password or basic.username
    return ""


def open311_principal(request: Request, db: DbSession, key: Annotated[str, Depends(_api_key)]) -> Principal:
    if not key:
        raise LoginRequired("缺少 api_key：本平台的问题数据不公开，每个请求都需要 api_key（见 /open311/discovery.xml）")
    return deps.token_principal(request, db, key, "api_key 无效、已过期或已被吊销")


Open311Principal = Annotated[Principal, Depends(open311_principal)]


async def _checked(
    request: Request,
    principal: Open311Principal,
    settings: SettingsDep,
    jurisdiction_id: Annotated[
        str, Query(max_length=100, description="可不填（本接口只服务一个辖区）；填写时须为发现文档中的辖区")
    ] = "",
) -> None:
    """After authentication: no query parameter carries control characters, and the jurisdiction
    asked for (in the query, or the form of a POST) is the one served."""
    for name, value in request.query_params.multi_items():
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
            raise Invalid({name: CONTROL_MESSAGE})
    if not jurisdiction_id and request.method == "POST" and "form" in request.headers.get("content-type", ""):
        sent = (await request.form()).get("jurisdiction_id")
        jurisdiction_id = sent if isinstance(sent, str) else ""
    open311.check_jurisdiction(settings, jurisdiction_id)


def open311_guard(
    principal: Open311Principal, db: DbSession, key: IdemKey, fingerprint: Fingerprint
) -> idempotency.Guard:
    return idempotency.begin(db, principal.key, key, fingerprint)


Open311Idempotency = Annotated[idempotency.Guard, Depends(open311_guard)]
FormatPath = Annotated[Format, Path(description="返回格式：json 或 xml")]


# --- the OpenAPI document: each answer in both formats ---------------------------------------


def _xml_schema(model: type[BaseModel], root: str | None) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    if root is None:
        return ref
    return {"type": "array", "items": ref, "xml": {"name": root, "wrapped": True}}


def _answers(model: type[BaseModel], root: str | None, status_code: int = 200, *more: int) -> dict[int | str, Any]:
    errors = {
        400: "请求有误（缺少或不正确的参数）",
        403: "缺少 api_key，或 api_key 无效、无权执行",
        404: "不存在：jurisdiction_id、service_code、问题，或路径",
        413: "请求体过大",
        503: "系统繁忙，请稍后重试",
    }
    answers: dict[int | str, Any] = {status_code: {"content": {"text/xml": {"schema": _xml_schema(model, root)}}}}
    for status in (400, 403, 404, 503, *more):
        answers[status] = {
            "model": list[GeoReportError],
            "description": errors[status],
            "content": {"text/xml": {"schema": _xml_schema(GeoReportError, "errors")}},
        }
    return answers


def _form_body() -> dict[str, Any]:
    schema = GeoReportRequestForm.model_json_schema(by_alias=True)
    schema["description"] = (
        "application/x-www-form-urlencoded（UTF-8）。位置须提供其一：lat 与 long（WGS84），或 address_string，"
        "或 address_id。附加属性写作 attribute[代码]=值（见 GET services/{service_code}）。"
        "可带 Idempotency-Key 请求头：同一键的重试返回第一次的响应，不重复报告。"
    )
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


# --- the routes ------------------------------------------------------------------------------

router = IndexedRouter(prefix=PREFIX, tags=["Open311 GeoReport v2"])
v2 = IndexedRouter(prefix="/v2", dependencies=[Depends(_checked)])


@router.get(
    "/discovery.{fmt}",
    summary="Service Discovery：本平台的 GeoReport v2 接口、格式与 api_key 的申请方式（无需 api_key）",
    response_model=GeoReportDiscovery,
    responses=_answers(GeoReportDiscovery, None),
)
def discovery(fmt: FormatPath, request: Request, db: DbSession, settings: SettingsDep) -> Response:
    return render(fmt, "discovery", open311.discovery(db, settings, str(request.base_url)))


@v2.get(
    "/services.{fmt}",
    summary="GET Service List：服务（问题类别）列表",
    response_model=list[GeoReportService],
    responses=_answers(GeoReportService, "services"),
)
def service_list(fmt: FormatPath, principal: Open311Principal, db: DbSession) -> Response:
    return render(fmt, "services", open311.services(db))


@v2.get(
    "/services/{service_code}.{fmt}",
    summary="GET Service Definition：报告该类问题时可带的属性",
    response_model=GeoReportServiceDefinition,
    responses=_answers(GeoReportServiceDefinition, None),
)
def service_definition(
    service_code: Annotated[str, Path(max_length=30)], fmt: FormatPath, principal: Open311Principal, db: DbSession
) -> Response:
    return render(fmt, "service_definition", open311.definition(db, service_code))


@v2.post(
    "/requests.{fmt}",
    status_code=201,
    summary="POST Service Request：报告问题（单位令牌；表单提交；可带 Idempotency-Key）",
    response_model=list[GeoReportRequestCreated],
    responses=_answers(GeoReportRequestCreated, "service_requests", 201, 413),
    openapi_extra=_form_body(),
)
def create_request(
    fmt: FormatPath,
    request: Request,
    principal: Open311Principal,
    db: DbSession,
    form: RequestForm,
    guard: Open311Idempotency,
) -> Response:
    if "form" not in request.headers.get("content-type", ""):
        raise Invalid("请以表单提交：Content-Type: application/x-www-form-urlencoded")
    values = {name: value for name, value in form.multi_items() if isinstance(value, str)}
    created = open311.report(db, principal, GeoReportRequestForm.model_validate(values), list(values))
    return guard.finish(render(fmt, "service_requests", [created], 201))


@v2.get(
    "/requests.{fmt}",
    summary="GET Service Requests：问题列表（本单位报告或办理的；只读全县令牌见全部；最多 1000 条）",
    response_model=list[GeoReportServiceRequest],
    responses=_answers(GeoReportServiceRequest, "service_requests"),
)
def list_requests(
    fmt: FormatPath,
    principal: Open311Principal,
    db: DbSession,
    service_request_id: Annotated[
        str, Query(max_length=2400, description="问题编号，逗号分隔，最多 200 个；给出时忽略其他条件")
    ] = "",
    service_code: Annotated[
        list[Annotated[str, Field(max_length=500)]] | None,
        Query(max_length=20, description="问题类别代码：逗号分隔，或重复给出"),
    ] = None,
    start_date: Annotated[str, Query(max_length=40, description="报告时间起（ISO 8601）")] = "",
    end_date: Annotated[str, Query(max_length=40, description="报告时间止（ISO 8601）；与起点相隔不超过 90 天")] = "",
    status: Annotated[
        list[Annotated[str, Field(max_length=20)]] | None,
        Query(max_length=4, description="open、closed：逗号分隔，或重复给出"),
    ] = None,
) -> Response:
    found = open311.search(
        db,
        principal,
        service_request_id=service_request_id,
        service_code=",".join(service_code or []),
        start_date=start_date,
        end_date=end_date,
        status=",".join(status or []),
    )
    return render(fmt, "service_requests", found)


@v2.get(
    "/requests/{service_request_id}.{fmt}",
    summary="GET Service Request：单个问题（按规范以数组返回）",
    response_model=list[GeoReportServiceRequest],
    responses=_answers(GeoReportServiceRequest, "service_requests"),
)
def get_request(
    service_request_id: Annotated[str, Path(max_length=20)],
    fmt: FormatPath,
    principal: Open311Principal,
    db: DbSession,
) -> Response:
    return render(fmt, "service_requests", open311.one(db, principal, open311.request_id(service_request_id)))


@v2.get(
    "/tokens/{token}.{fmt}",
    summary="GET service_request_id from a token：本接口实时受理、不签发 token，任何 token 均答 404",
    response_model=list[GeoReportTokenAnswer],
    responses=_answers(GeoReportTokenAnswer, "service_requests"),
)
def token(
    token: Annotated[str, Path(max_length=200)], fmt: FormatPath, principal: Open311Principal, db: DbSession
) -> Response:
    open311.token(token)


router.include_router(v2)
