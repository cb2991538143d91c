from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str = Field(description="稳定的错误代码，如 not_found、forbidden、validation_error、version_conflict")
    message: str = Field(description="中文说明")
    field: str | None = Field(default=None, description="出错的字段（校验错误时）")
    details: Any = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "请求无法解析（如请求体不是 UTF-8 编码）"},
    401: {"model": ErrorBody, "description": "未认证：缺少或无效的令牌"},
    403: {"model": ErrorBody, "description": "无权执行此操作"},
    404: {"model": ErrorBody, "description": "不存在，或不属于本单位"},
    409: {"model": ErrorBody, "description": "版本冲突：记录已被他人修改"},
    413: {"model": ErrorBody, "description": "请求体过大"},
    422: {"model": ErrorBody, "description": "输入有误（中文说明，含字段）"},
    503: {"model": ErrorBody, "description": "系统繁忙（数据库连接全部占用），请稍后重试"},
}

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
"""The methods a 405's `Allow` header is built from (every method some route at the path answers)."""
