"""What the pages and the API take and answer for responsibility letters (目标责任书) and the year's rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from app.models.letter import LetterStatus
from app.schemas.common import InputModel, ReadModel

INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}
HASH_EXAMPLE = "3f0c5a1e9b7d2c4f6a8e0b1d3c5e7f9a2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f1a"


class RulesSave(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "text": "一、考核内容：引进项目、合同投资额、内资到位资金、新开工项目、有效线索。\n"
                    "二、考核办法：定量考核与定性评价相结合，年底按完成情况排名通报。",
                    "base_revision": 0,
                }
            ]
        }
    )

    year: int = Field(ge=2000, le=2100, description="年度")
    text: str = Field(min_length=1, max_length=20000, description="本年度竞赛与考核规则全文")
    base_revision: int = Field(
        ge=0, le=100_000, description="在哪一版的基础上修改（尚无为 0）；期间已被他人改过时返回 409"
    )


class RulesRead(ReadModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "year": 2026,
                    "revision": 2,
                    "text": "一、考核内容：……\n二、考核办法：……",
                    "written_by_id": 1,
                    "created_at": "2026-01-05T09:30:00Z",
                }
            ]
        },
    )

    id: int
    year: int
    revision: int
    text: str
    written_by_id: int | None
    created_at: datetime


class LetterIssue(InputModel):
    """Issue one unit's letter for a year; when it has one already, a new version (a reason is required)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"unit_id": 18, "year": 2026},
                {"unit_id": 18, "year": 2026, "reason": "县政府调整该镇内资到位资金目标，重新下达"},
            ]
        }
    )

    unit_id: int = Field(**INT_ID, description="责任单位")
    year: int = Field(ge=2000, le=2100, description="年度")
    reason: str = Field(default="", max_length=500, description="重新下达的理由（已下达过时必填）")


class LetterIssueAll(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"year": 2026}]})

    year: int = Field(ge=2000, le=2100, description="年度：给本年度有目标、尚未下达的全部单位下达")


class LetterAcknowledge(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 1, "text_hash": HASH_EXAMPLE}]})

    version: int = Field(**INT_ID, description="阅读时的版本号；不一致时返回 409")
    text_hash: str = Field(
        min_length=64,
        max_length=64,
        pattern=r"^[0-9a-f]{64}$",
        description="所阅读责任书文本的 SHA-256（与责任书一致才能签收）",
    )


class LetterTarget(ReadModel):
    metric: str
    label: str
    unit: str
    amount: str = Field(description="下达时冻结的目标值")


LETTER_EXAMPLE: dict[str, Any] = {
    "id": 57,
    "unit_id": 18,
    "unit_name": "城关镇人民政府",
    "year": 2026,
    "revision": 1,
    "status": "acknowledged",
    "tier": None,
    "targets": [
        {"metric": "projects_introduced", "label": "引进项目", "unit": "个", "amount": "3.00"},
        {"metric": "funds_domestic", "label": "内资到位资金（已确认）", "unit": "万元", "amount": "20000.00"},
    ],
    "rules_revision": 2,
    "rules_text": "一、考核内容：……",
    "text_hash": HASH_EXAMPLE,
    "issued_on": "2026-01-06",
    "issued_by_name": "陈志远",
    "reason": "",
    "supersedes_id": None,
    "acknowledged_at": "2026-01-08T02:15:00Z",
    "acknowledged_by_id": 12,
    "acknowledged_token_id": None,
    "acknowledged_by_name": "李春燕",
    "acknowledged_from": "10.12.0.8",
    "acknowledged_hash": HASH_EXAMPLE,
    "version": 2,
}


class LetterRead(ReadModel):
    """A letter as issued (frozen) and its acknowledgement."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [LETTER_EXAMPLE]})

    id: int
    unit_id: int
    unit_name: str
    year: int
    revision: int = Field(description="第几版")
    status: LetterStatus = Field(description="issued 待签收、acknowledged 已签收、superseded 已被新版本取代")
    tier: int | None
    targets: list[LetterTarget]
    rules_revision: int
    rules_text: str
    text_hash: str = Field(description="责任书内容的 SHA-256")
    issued_on: date
    issued_by_name: str
    reason: str = Field(description="重新下达的理由")
    supersedes_id: int | None = Field(description="所取代的上一版")
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None = Field(description="签收的账号（单位负责人本人登录签收时）")
    acknowledged_token_id: int | None = Field(description="签收的系统令牌（单位系统代为报送时）")
    acknowledged_by_name: str
    acknowledged_from: str = Field(description="签收时的客户端地址")
    acknowledged_hash: str = Field(description="签收人确认的文本哈希")
    version: int


class LetterStateRow(ReadModel):
    """A unit's letter for the year: its current version's state, and the one that binds."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": 18,
                    "unit_name": "城关镇人民政府",
                    "state": "acknowledged",
                    "letter": LETTER_EXAMPLE,
                    "binding_letter_id": 57,
                }
            ]
        }
    )

    unit_id: int
    unit_name: str
    state: Literal["none", "issued", "acknowledged"] = Field(
        description="none 未下达、issued 待签收、acknowledged 已签收"
    )
    letter: LetterRead | None = Field(description="本年度最新一版")
    binding_letter_id: int | None = Field(description="考核所依据的已签收版本（可能是较早一版）")


class LetterStates(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "counts": {"none": 3, "issued": 10, "acknowledged": 20},
                    "items": [LetterStateRow.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
                    "total": 33,
                    "limit": 50,
                    "offset": 0,
                }
            ]
        }
    )

    year: int
    counts: dict[str, int] = Field(description="各状态的单位数")
    items: list[LetterStateRow]
    total: int
    limit: int
    offset: int


class IssueAllRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"year": 2026, "issued": [57, 58, 59], "already": 2, "without_targets": ["青山县委县政府督查室"]}
            ]
        }
    )

    year: int
    issued: list[int] = Field(description="新下达的责任书")
    already: int = Field(description="本年度已有责任书的单位数（重新下达须逐个说明理由）")
    without_targets: list[str] = Field(description="本年度尚无目标、未下达的单位")
