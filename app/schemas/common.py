"""Shared pieces of the input and output schemas, and Chinese messages for validation errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar, cast, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from starlette.responses import Response
from typing_extensions import TypedDict

T = TypeVar("T")

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters no person types; NUL cannot even be stored in PostgreSQL text, so it is refused as
input instead of failing when written. (Lone surrogates are already refused by pydantic.)"""

CONTROL_MESSAGE = "不能包含控制字符"

PLAIN_TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
"""For one-line query parameters (search boxes): no control characters."""


COUNTY_TZ = ZoneInfo("Asia/Shanghai")

EARLIEST_ENTERED = "1990-01-01"
"""The earliest date a unit may enter for something that happened (a stage reached, funds arrived,
progress reported, land granted): earlier ones are refused as 日期过早."""

NOT_AFTER_TODAY = "不能晚于今天（按服务器的北京时间）"
"""Told in the description of a date the service refuses when it is after the county's today (a
bound no static schema keyword can carry)."""


def stated(*, text_pattern: str | None = None, **facts: Any) -> Callable[[dict[str, Any]], None]:
    """A field's `json_schema_extra`: rules the service checks itself (with its own Chinese message,
    which a generic constraint would replace) stated in the OpenAPI document, so that the document
    says what is enforced. `facts` are JSON Schema keywords (pattern, enum, minItems,
    formatMinimum …) put on the field; `text_pattern` is put on the string form of a decimal (a
    decimal is a JSON number or a string of digits: the string must be a number, never empty).
    tests/core/test_openapi_rules.py sends a value each stated rule refuses and expects the 422."""

    def extra(schema: dict[str, Any]) -> None:
        schema.update(facts)
        if text_pattern is not None:
            branches = [b for b in schema.get("anyOf", []) if b.get("type") == "string"]
            for branch in branches or [schema]:
                branch["pattern"] = text_pattern

    return extra


def answer_example(example: Any, status_code: int = 200) -> dict[int | str, Any]:
    """A route's `responses`: an example of its JSON answer, for an answer without a model to carry one
    (a dict built by the route). tests/core/test_openapi_rules.py compares its keys with a real answer."""
    return {status_code: {"content": {"application/json": {"example": example}}}}


def multipart_example(summary: str, value: dict[str, Any]) -> dict[str, Any]:
    """An operation's `openapi_extra`: an example of its multipart/form-data body (files by their names)."""
    content = {"multipart/form-data": {"examples": {"example": {"summary": summary, "value": value}}}}
    return {"requestBody": {"content": content}}


def decimal_text(max_digits: int, decimal_places: int, *, signed: bool = False) -> str:
    """The pattern of a decimal given as a string: digits, at most `decimal_places` after the point
    and `max_digits` in all (the form the service stores; pydantic also reads 1e3 or 1_000)."""
    sign = "-?" if signed else ""
    return rf"^{sign}[0-9]{{1,{max_digits - decimal_places}}}(\.[0-9]{{1,{decimal_places}}})?$"


def _storable_moment(value: datetime) -> datetime:
    """A moment the database can hold: one without a time zone is the county's time, and once in
    UTC (as stored) it must still fall within years 1-9999 (`0001-01-01T00:00+08:00` does not)."""
    try:
        (value if value.tzinfo else value.replace(tzinfo=COUNTY_TZ)).astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("时间超出可用范围") from None
    return value


Moment = Annotated[datetime, AfterValidator(_storable_moment)]
"""A datetime input (query or body) that a query or a row can use without overflowing."""

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)

Day = Annotated[
    date,
    Field(ge=FIRST_DAY, le=LAST_DAY, json_schema_extra={"formatMinimum": "2000-01-01", "formatMaximum": "2100-12-31"}),
]
"""A date input within 2000-01-01..2100-12-31 (the range every record's dates keep to)."""


class InputModel(BaseModel):
    """Inputs reject unknown fields, so nobody can post a field they may not set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValueError(CONTROL_MESSAGE)
        return value


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """A model as JSON, serialised once by pydantic-core.

    Returning a model from a handler makes FastAPI validate it again against the response model
    (in a thread-pool hop for a synchronous handler) before serialising it; handlers on hot
    paths return this instead and declare `response_model=` for the OpenAPI document.
    """
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="matching records in all pages")
    limit: int
    offset: int


def page_serializer(model: type[BaseModel]) -> TypeAdapter[Any]:
    """Page[model] as JSON from plain dicts: each item a dict of the model's fields, in its order,
    holding values already of the fields' types (rows read from the database). Serialised by the same
    field serialisers as Page[model] (the same bytes) without validating each item into a model;
    `.dump_json({"items": [...], "total": …, "limit": …, "offset": …})`."""
    typed_dict, listed = cast(Any, TypedDict), cast(Any, list)  # (types built from the model's fields at run time)
    item = typed_dict(f"{model.__name__}Item", {name: f.annotation for name, f in model.model_fields.items()})
    fields = {name: listed[item] if name == "items" else f.annotation for name, f in Page.model_fields.items()}
    return TypeAdapter(typed_dict(f"{model.__name__}Page", fields))


_MESSAGES = {
    "missing": "此项必填",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "int_parsing": "请输入整数",
    "int_type": "请输入整数",
    "int_from_float": "请输入整数",
    "decimal_parsing": "请输入数字",
    "decimal_type": "请输入数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_max_digits": "数字位数过多",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "enum": "请选择有效的选项",
    "literal_error": "请选择有效的选项",
    "bool_parsing": "请选择是或否",
    "bool_type": "请选择是或否",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601，如 2026-12-01T08:00:00+08:00",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601，如 2026-12-01T08:00:00+08:00",
    "datetime_type": "时间格式应为 ISO 8601，如 2026-12-01T08:00:00+08:00",
    "datetime_object_invalid": "时间超出可用范围",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "请输入文字",
    "string_unicode": "包含无效的字符",
    "extra_forbidden": "不允许提交此字段",
    "value_error": "{msg}",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "请求体应为 JSON 对象",
}


def _message(error: Mapping[str, Any]) -> str:
    template = _MESSAGES.get(error.get("type", ""), "格式不正确")
    ctx = dict(error.get("ctx") or {})
    if error.get("type") == "value_error":
        ctx["msg"] = str(ctx.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return "格式不正确"


def error_field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "__all__"


def translate_errors(errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Pydantic errors as {field: Chinese message}, first message per field."""
    result: dict[str, str] = {}
    for error in errors:
        result.setdefault(error_field(error.get("loc", ())), _message(error))
    return result


def _is_bool_field(annotation: Any) -> bool:
    if annotation is bool:
        return True
    return get_origin(annotation) is not None and bool in get_args(annotation)


def _is_list_field(annotation: Any) -> bool:
    """list[...] or list[...] | None: a form sends such a field as several values (checkboxes)."""
    if get_origin(annotation) is list:
        return True
    return any(get_origin(arg) is list for arg in get_args(annotation))


def parse_form(model: type[BaseModel], form: Mapping[str, Any], *, ignore: Sequence[str] = ()) -> dict[str, Any]:
    """Form fields to a dict the model can validate: blanks become None, checkboxes booleans.

    Form-only fields (CSRF token, idempotency key, version) are removed first.
    """
    skip = {"csrf_token", "idempotency_key", *ignore}
    data: dict[str, Any] = {}
    for key in form:
        if key in skip:
            continue
        values = form.getlist(key) if hasattr(form, "getlist") else [form[key]]
        field = model.model_fields.get(key)
        if field is not None and _is_list_field(field.annotation):
            data[key] = [v for v in values if not (isinstance(v, str) and not v.strip())]
            continue
        value = values[-1] if values else None
        if isinstance(value, str) and value.strip() == "" and field is not None and not field.is_required():
            value = None if field.default is None else field.default
        data[key] = value
    for name, field in model.model_fields.items():
        if _is_bool_field(field.annotation) and name not in data:
            data[name] = False
    for name, value in list(data.items()):
        field = model.model_fields.get(name)
        if field is not None and _is_bool_field(field.annotation) and isinstance(value, str):
            data[name] = value.lower() in ("on", "true", "1", "yes")
    return data


ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_form(model: type[ModelT], form: Mapping[str, Any], *, ignore: Sequence[str] = ()) -> ModelT:
    """Validate form data against an input model; raise app.errors.Invalid with Chinese messages."""
    from app.errors import Invalid

    try:
        return model.model_validate(parse_form(model, form, ignore=ignore))
    except ValidationError as exc:
        raise Invalid(translate_errors(exc.errors())) from None
