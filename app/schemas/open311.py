"""Open311 GeoReport v2 shapes (http://wiki.open311.org/GeoReport_v2), field by field as the spec
names and orders them, and the form a client posts a service request with.

One model serves both formats: JSON is the model itself; XML is the same fields as elements in the
same order, a list as a wrapper element holding one element per item (app.routers.open311.to_xml,
the spec's "Spark convention"). `XML_ITEM` names the item element of each list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.schemas.common import CONTROL_CHARACTERS, CONTROL_MESSAGE

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

Format = Literal["json", "xml"]
"""The format a client asks for by the resource's extension: services.json, requests/12.xml."""

XML_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _xml(name: str, *examples: Any) -> ConfigDict:
    """The element's name in the XML format, and examples of the JSON format (as the spec's own)."""
    extra: dict[str, Any] = {"xml": {"name": name}}
    if examples:
        extra["examples"] = list(examples)
    return ConfigDict(json_schema_extra=extra)


class GeoReportService(BaseModel):
    """A ticket category as an Open311 service."""

    model_config = _xml(
        "service",
        {
            "service_code": "land",
            "service_name": "征地拆迁",
            "description": "征地拆迁：交办后默认 15 个工作日内办结（节假日顺延）",
            "metadata": True,
            "type": "realtime",
            "keywords": "征地拆迁",
            "group": "跟踪服务",
        },
    )

    service_code: str = Field(description="问题类别代码")
    service_name: str = Field(description="问题类别名称")
    description: str = Field(description="类别说明及默认办理时限")
    metadata: bool = Field(description="true：报告时可带附加属性（见服务定义）")
    type: Literal["realtime", "batch", "blackbox"] = Field(description="realtime：提交即返回 service_request_id")
    keywords: str = Field(description="关键词，逗号分隔")
    group: str = Field(description="分组")


class GeoReportAttributeValue(BaseModel):
    model_config = _xml("value")

    key: str
    name: str


class GeoReportAttribute(BaseModel):
    model_config = _xml("attribute")

    variable: bool = Field(description="true：需要用户填写")
    code: str = Field(description="属性代码：提交时用 attribute[代码]=值")
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None = None
    order: int = Field(ge=1)
    description: str
    values: list[GeoReportAttributeValue] = Field(
        default_factory=list, description="可选值（singlevaluelist、multivaluelist）"
    )


class GeoReportServiceDefinition(BaseModel):
    model_config = _xml(
        "service_definition",
        {
            "service_code": "land",
            "attributes": [
                {
                    "variable": True,
                    "code": "project_id",
                    "datatype": "number",
                    "required": False,
                    "datatype_description": "项目编号（整数）",
                    "order": 1,
                    "description": "问题所属项目的编号：本单位负责或引进的项目。与 investor_id 二选一，必填其一",
                    "values": [],
                },
                {
                    "variable": True,
                    "code": "priority",
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": None,
                    "order": 4,
                    "description": "紧急程度；不填为一般",
                    "values": [
                        {"key": "normal", "name": "一般"},
                        {"key": "urgent", "name": "紧急"},
                        {"key": "critical", "name": "特急"},
                    ],
                },
            ],
        },
    )

    service_code: str
    attributes: list[GeoReportAttribute]


class GeoReportServiceRequest(BaseModel):
    """A ticket as an Open311 service request."""

    model_config = _xml(
        "request",
        {
            "service_request_id": "2051",
            "status": "open",
            "status_notes": "办理中：已与两户农户再次协商，补偿方案报县政府审定",
            "service_name": "征地拆迁",
            "service_code": "land",
            "description": "二期用地征收有两户未签协议\n二期 18 亩用地中两户对补偿标准有异议，影响场地平整。",
            "agency_responsible": "县自然资源局",
            "service_notice": "县自然资源局限 2026-12-18 前办结（工作日计算）",
            "requested_datetime": "2026-11-24T10:12:00+08:00",
            "updated_datetime": "2026-12-04T16:40:00+08:00",
            "expected_datetime": "2026-12-18T18:00:00+08:00",
            "address": "县工业园区东区 3 号地块",
            "address_id": None,
            "zipcode": None,
            "lat": 36.061255,
            "long": 103.834303,
            "media_url": None,
        },
    )

    service_request_id: str = Field(description="问题编号")
    status: Literal["open", "closed"] = Field(description="closed：已关闭；其余（含已办结待评价）均为 open")
    status_notes: str | None = Field(description="详细状态及最近一次处理说明")
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None = Field(description="牵头办理单位（交办前为空）")
    service_notice: str | None = Field(description="办理时限等说明")
    requested_datetime: datetime = Field(description="报告时间（ISO 8601，带时区）")
    updated_datetime: datetime = Field(description="最后更新时间（ISO 8601，带时区）")
    expected_datetime: datetime | None = Field(description="限期办结时间：办结期限当日 18:00（工作日计算）")
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None = Field(description="纬度（WGS84）")
    long: float | None = Field(description="经度（WGS84）")
    media_url: str | None


class GeoReportRequestCreated(BaseModel):
    model_config = _xml(
        "request",
        {
            "service_request_id": "2051",
            "service_notice": "已受理登记，等待招商局交办；交办后默认 15 个工作日内办结（节假日顺延）",
            "account_id": None,
        },
    )

    service_request_id: str
    service_notice: str
    account_id: str | None = None


class GeoReportTokenAnswer(BaseModel):
    """The spec's answer to a token; this endpoint issues none (type realtime), so it always answers 404."""

    model_config = _xml("request", {"service_request_id": "2051", "token": "12345"})

    service_request_id: str
    token: str


class GeoReportError(BaseModel):
    model_config = _xml("error")

    code: int = Field(description="与 HTTP 状态码相同：403 api_key 缺失或无效，404 不存在，400 其他错误")
    description: str = Field(description="中文说明（含出错的参数）")


class GeoReportEndpoint(BaseModel):
    model_config = _xml("endpoint")

    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class GeoReportDiscovery(BaseModel):
    model_config = _xml(
        "discovery",
        {
            "changeset": "2026-12-10T09:00:00+08:00",
            "contact": "请联系县招商局的平台管理员（“系统令牌”页面签发令牌的人）",
            "key_service": "api_key 即本平台的系统令牌，由县招商局在平台“系统令牌”页面签发……",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": "https://zsyz.qingshan.gov.cn/open311/v2",
                    "changeset": "2026-12-10T09:00:00+08:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )

    changeset: str
    contact: str
    key_service: str
    endpoints: list[GeoReportEndpoint]


ATTRIBUTE_FIELDS = {
    "project_id": "attribute[project_id]",
    "investor_id": "attribute[investor_id]",
    "title": "attribute[title]",
    "priority": "attribute[priority]",
    "proposed_handling": "attribute[proposed_handling]",
}
"""The attributes every service takes (app.services.open311.ATTRIBUTES), by the form field that carries each."""


class GeoReportRequestForm(BaseModel):
    """POST requests.{format}, form-encoded. Blank fields count as absent (the spec's "optional")."""

    model_config = ConfigDict(
        extra="ignore",
        str_strip_whitespace=True,
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "service_code": "land",
                    "lat": "36.061255",
                    "long": "103.834303",
                    "address_string": "县工业园区东区 3 号地块",
                    "description": "企业反映园区东区道路未通，施工车辆无法进场，影响 12 月开工",
                    "first_name": "志强",
                    "last_name": "刘",
                    "phone": "13809311234",
                    "attribute[project_id]": "1207",
                    "attribute[priority]": "urgent",
                }
            ]
        },
    )

    api_key: str = Field(default="", max_length=200, description="令牌（也可用请求头 Authorization）")
    jurisdiction_id: str = Field(default="", max_length=100)
    service_code: str = Field(default="", max_length=30, description="问题类别代码（GET services）")
    lat: str = Field(default="", max_length=40, description="纬度（WGS84）；与 long 同时提供")
    long: str = Field(default="", max_length=40, description="经度（WGS84）；与 lat 同时提供")
    address_string: str = Field(default="", max_length=200, description="问题地点（未提供 lat/long 时必填其一）")
    address_id: str = Field(default="", max_length=60, description="报告系统地址库中的地址编码")
    email: str = Field(default="", max_length=100)
    device_id: str = Field(default="", max_length=100, description="接受但不保存")
    account_id: str = Field(default="", max_length=100, description="接受但不保存")
    first_name: str = Field(default="", max_length=40)
    last_name: str = Field(default="", max_length=40)
    phone: str = Field(default="", max_length=30)
    description: str = Field(default="", max_length=4000, description="问题描述（必填，2–4000 字）")
    media_url: str = Field(default="", max_length=500, description="图片或视频链接（http/https）")
    attribute_project_id: str = Field(
        default="", max_length=20, alias="attribute[project_id]", description="项目编号；与客商编号二选一"
    )
    attribute_investor_id: str = Field(
        default="", max_length=20, alias="attribute[investor_id]", description="尚未落地的客商编号"
    )
    attribute_title: str = Field(default="", max_length=200, alias="attribute[title]")
    attribute_priority: str = Field(default="", max_length=20, alias="attribute[priority]")
    attribute_proposed_handling: str = Field(default="", max_length=2000, alias="attribute[proposed_handling]")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValueError(CONTROL_MESSAGE)
        return value
