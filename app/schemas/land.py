"""Inputs and answers of land and buildings (载体资源), deposits (押金、定金、保证金) and a project's quality."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from app.models.deposit import DepositAction, DepositKind, DepositStatus
from app.models.land import BuildingKind, BuildingStatus, LandUse, PlotStatus, PriceUnit
from app.models.quality import EnergyClass, EnvClass
from app.schemas.agreements import ConditionRead
from app.schemas.common import Day, InputModel, ReadModel, decimal_text, stated
from app.schemas.projects import INT_ID, MAX_MONEY, MONEY_TEXT, _attachment_ids, _entered_date, _not_future

UnitId = Annotated[int, Field(**INT_ID)]
AREA_TEXT = decimal_text(12, 2)
PRICE_TEXT = decimal_text(14, 2)


def _area(description: str) -> Any:
    return Field(
        gt=0,
        le=Decimal("9999999999.99"),
        max_digits=12,
        decimal_places=2,
        description=description,
        json_schema_extra=stated(text_pattern=AREA_TEXT),
    )


def _price() -> Any:
    return Field(
        default=None,
        ge=0,
        le=Decimal("999999999999.99"),
        max_digits=14,
        decimal_places=2,
        description="价格（单位见 price_unit）；空为面议",
        json_schema_extra=stated(text_pattern=PRICE_TEXT),
    )


# --- land plots ---------------------------------------------------------------------------------

_PLOT_EXAMPLE: dict[str, Any] = {
    "code": "QS-2026-07",
    "name": "经开区纬三路北侧地块",
    "park_unit_id": 12,
    "unit_id": 13,
    "area_mu": "86.5",
    "land_use": "industrial",
    "price": "18",
    "price_unit": "wan_per_mu",
    "location": "纬三路与经五路交叉口东北角",
    "services": "七通一平，110kV 变电站 1 公里",
    "note": "",
}


class CarrierFields(InputModel):
    code: str = Field(min_length=1, max_length=40, description="编号（全县唯一）")
    name: str = Field(min_length=1, max_length=100)
    park_unit_id: UnitId = Field(description="所在园区（单位类别为园区、开发区）")
    unit_id: UnitId | None = Field(default=None, description="管理单位；空为园区本身")
    price: Decimal | None = _price()
    price_unit: PriceUnit
    location: str = Field(default="", max_length=200, description="位置")
    services: str = Field(default="", max_length=2000, description="配套服务")
    note: str = Field(default="", max_length=2000)


class PlotFields(CarrierFields):
    area_mu: Decimal = _area("面积（亩），须大于 0")
    land_use: LandUse = Field(default=LandUse.industrial, description="用途")
    price_unit: PriceUnit = PriceUnit.wan_per_mu


class PlotCreate(PlotFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_PLOT_EXAMPLE | {"status": "available"}]})

    status: PlotStatus = Field(
        default=PlotStatus.available,
        description="状态：规划、批而未供、可供（供而未用、闲置、在用须由项目取得）",
        json_schema_extra=stated(enum=["planned", "approved", "available"]),
    )

    @field_validator("status")
    @classmethod
    def _not_taken(cls, value: PlotStatus) -> PlotStatus:
        if value not in (PlotStatus.planned, PlotStatus.approved, PlotStatus.available):
            raise ValueError("新建地块只能是规划、批而未供或可供；供地须由项目取得")
        return value


class PlotUpdate(PlotFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_PLOT_EXAMPLE | {"version": 2}]})

    version: int = Field(**INT_ID)


class StatusChange(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 3, "status": "idle", "reason": "两年未动工"}]}
    )

    version: int = Field(**INT_ID)
    status: str = Field(max_length=20, description="新状态（见各自的状态表）")
    reason: str = Field(default="", max_length=500, description="原因（记入审计）")


class Take(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 3, "project_id": 1207}]})

    version: int = Field(**INT_ID)
    project_id: int = Field(**INT_ID, description="取得该地块或楼宇的项目")
    taken_on: Day | None = Field(default=None, description="取得日期；空为今天")


class Release(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 4, "reason": "项目违约，收回土地"}]})

    version: int = Field(**INT_ID)
    reason: str = Field(min_length=2, max_length=500, description="收回原因（记入审计）")


class PhotoRead(ReadModel):
    id: int
    kind: str
    width: int | None
    height: int | None
    original_name: str
    uploaded_at: datetime


class CarrierRead(ReadModel):
    id: int
    code: str
    name: str
    park_unit_id: int
    park_name: str = ""
    unit_id: int
    unit_name: str = ""
    status: str
    status_label: str = ""
    price: Decimal | None
    price_unit: PriceUnit
    location: str
    services: str
    note: str
    project_id: int | None = Field(description="取得它的项目；无权查看该项目者为空")
    project_name: str | None = Field(default=None, description="保密项目对无权者显示代号")
    taken_on: date | None
    photos: list[PhotoRead] = Field(default_factory=list)
    version: int


_PLOT_READ: dict[str, Any] = _PLOT_EXAMPLE | {
    "id": 31,
    "park_name": "青山经济开发区管理委员会",
    "unit_name": "青山经济开发区招商局",
    "status": "supplied_unused",
    "status_label": "供而未用",
    "project_id": 1207,
    "project_name": "年产 2GWh 储能电池项目",
    "taken_on": "2026-11-02",
    "photos": [],
    "version": 4,
    "area_mu": "86.50",
    "price": "18.00",
    "unit_id": 13,
    "commitment_id": None,
    "condition": None,
}


class PlotRead(CarrierRead):
    model_config = ConfigDict(json_schema_extra={"examples": [_PLOT_READ]})

    area_mu: Decimal
    land_use: LandUse
    commitment_id: int | None = Field(default=None, description="地价优惠所附条件：取得项目投资协议中的承诺事项")
    condition: ConditionRead | None = Field(
        default=None, description="该承诺事项及其今天的状态（详情中给出；无权查看取得项目者为空）"
    )


# --- buildings ------------------------------------------------------------------------------------

_BUILDING_EXAMPLE: dict[str, Any] = {
    "code": "JK-CF-03",
    "name": "经开区标准化厂房 3 号楼",
    "kind": "factory",
    "park_unit_id": 12,
    "unit_id": 13,
    "floor_area_m2": "6400",
    "floors": 3,
    "floor_load_t_m2": "1.5",
    "price": "8",
    "price_unit": "yuan_per_m2_month",
    "location": "经五路 18 号",
    "services": "货梯 2 部，前三年租金减半",
    "note": "",
}


class BuildingFields(CarrierFields):
    kind: BuildingKind
    floor_area_m2: Decimal = Field(
        gt=0,
        le=Decimal("999999999999.99"),
        max_digits=14,
        decimal_places=2,
        description="面积（㎡），须大于 0",
        json_schema_extra=stated(text_pattern=decimal_text(14, 2)),
    )
    floors: int = Field(default=1, ge=1, le=200, description="层数")
    floor_load_t_m2: Decimal | None = Field(
        default=None,
        gt=0,
        le=Decimal("9999.99"),
        max_digits=6,
        decimal_places=2,
        description="楼面荷载（吨/㎡）",
        json_schema_extra=stated(text_pattern=decimal_text(6, 2)),
    )
    price_unit: PriceUnit = PriceUnit.yuan_per_m2_month


class BuildingCreate(BuildingFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_BUILDING_EXAMPLE | {"status": "available"}]})

    status: BuildingStatus = Field(
        default=BuildingStatus.available,
        description="状态：在建、可供（已入驻须由项目取得）",
        json_schema_extra=stated(enum=["planned", "available"]),
    )

    @field_validator("status")
    @classmethod
    def _not_taken(cls, value: BuildingStatus) -> BuildingStatus:
        if value is BuildingStatus.in_use:
            raise ValueError("新建楼宇只能是在建或可供；入驻须由项目取得")
        return value


class BuildingUpdate(BuildingFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_BUILDING_EXAMPLE | {"version": 2}]})

    version: int = Field(**INT_ID)


class BuildingRead(CarrierRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _BUILDING_EXAMPLE
                | {
                    "id": 7,
                    "park_name": "青山经济开发区管理委员会",
                    "unit_name": "青山经济开发区招商局",
                    "status": "available",
                    "status_label": "可供",
                    "project_id": None,
                    "project_name": None,
                    "taken_on": None,
                    "photos": [],
                    "version": 1,
                    "floor_area_m2": "6400.00",
                    "floor_load_t_m2": "1.50",
                    "price": "8.00",
                }
            ]
        }
    )

    kind: BuildingKind
    floor_area_m2: Decimal
    floors: int
    floor_load_t_m2: Decimal | None


class MatchNeed(InputModel):
    area_mu: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2, description="需用地（亩）")
    park_unit_id: UnitId | None = None
    land_use: LandUse | None = None


class MatchRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plot": _PLOT_READ | {"status": "available", "status_label": "可供", "project_id": None},
                    "score": 3,
                    "reasons": ["同一园区", "用途相符", "面积满足（多 6.5 亩）"],
                }
            ]
        }
    )

    plot: PlotRead
    score: int = Field(description="越大越合适：同一园区、用途相符、面积满足各计 1 分")
    reasons: list[str]


# --- land quota -----------------------------------------------------------------------------------

_QUOTA_EXAMPLE: dict[str, Any] = {
    "year": 2026,
    "unit_id": 12,
    "area_mu": "320",
    "source": "省级重大产业项目用地指标",
    "won_on": "2026-06-18",
    "evidence": "甘自然资函〔2026〕118号",
    "note": "",
}


class QuotaFields(InputModel):
    year: int = Field(ge=2000, le=2100)
    unit_id: UnitId = Field(description="争取到指标的单位")
    area_mu: Decimal = _area("指标面积（亩），须大于 0")
    source: str = Field(min_length=2, max_length=100, description="来源")
    won_on: date = _entered_date("批复日期")
    evidence: str = Field(min_length=2, max_length=200, description="佐证：批复文号等")
    note: str = Field(default="", max_length=2000)

    @field_validator("won_on")
    @classmethod
    def _date(cls, value: date) -> date:
        result = _not_future(value)
        assert result is not None
        return result


class QuotaCreate(QuotaFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_QUOTA_EXAMPLE]})


class QuotaUpdate(QuotaFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_QUOTA_EXAMPLE | {"version": 1}]})

    version: int = Field(**INT_ID)


class QuotaRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _QUOTA_EXAMPLE | {"id": 5, "unit_name": "青山经济开发区管理委员会", "version": 1, "area_mu": "320.00"}
            ]
        }
    )

    id: int
    year: int
    unit_id: int
    unit_name: str = ""
    area_mu: Decimal
    source: str
    won_on: date
    evidence: str
    note: str
    version: int


# --- deposits -------------------------------------------------------------------------------------

_DEPOSIT_EXAMPLE: dict[str, Any] = {
    "kind": "land_earnest",
    "action": "received",
    "amount": "30",
    "happened_on": "2026-11-20",
    "voucher_no": "SJ-20261120-07",
    "note": "土地款定金",
    "attachment_ids": [8820],
}


class DepositCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_DEPOSIT_EXAMPLE]})

    kind: DepositKind = Field(description="deposit 押金，land_earnest 土地款定金，performance_bond 履约保证金")
    action: DepositAction = Field(description="received 收取，refunded 退还，forfeited 没收")
    amount: Decimal = Field(
        gt=0,
        le=MAX_MONEY,
        max_digits=16,
        decimal_places=2,
        description="金额（万元），须大于 0；退还、没收不能超过已收未退的余额",
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )
    happened_on: date = _entered_date("日期")
    voucher_no: str = Field(default="", max_length=60, description="收据或回单号")
    note: str = Field(default="", max_length=1000)
    attachment_ids: list[int] = _attachment_ids("凭证（收据、回单的照片或 PDF）")

    @field_validator("happened_on")
    @classmethod
    def _date(cls, value: date) -> date:
        result = _not_future(value)
        assert result is not None
        return result


class DepositReview(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 1, "decision": "confirm", "note": "已核对收据", "vouchers_checked": True}]
        }
    )

    version: int = Field(**INT_ID)
    decision: Literal["confirm", "reject"] = Field(description="confirm 确认，reject 退回")
    note: str = Field(default="", max_length=1000, validate_default=True, description="意见：退回时必填")
    vouchers_checked: bool = Field(default=False, description="已核对凭证：确认时须为 true")

    @field_validator("note")
    @classmethod
    def _reason_for_reject(cls, note: str, info: ValidationInfo) -> str:
        if info.data.get("decision") == "reject" and not note.strip():
            raise ValueError("退回须说明理由")
        return note


class DepositRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {k: v for k, v in _DEPOSIT_EXAMPLE.items() if k != "attachment_ids"}
                | {
                    "id": 44,
                    "project_id": 1207,
                    "amount": "30.00",
                    "status": "confirmed",
                    "review_note": "已核对收据",
                    "reviewed_at": "2026-11-21T09:30:00Z",
                    "voucher_ids": [8820],
                    "version": 2,
                }
            ]
        }
    )

    id: int
    project_id: int
    kind: DepositKind
    action: DepositAction
    amount: Decimal
    happened_on: date
    voucher_no: str
    note: str
    status: DepositStatus
    review_note: str
    reviewed_at: datetime | None
    voucher_ids: list[int] = Field(default_factory=list)
    version: int


class DepositTotals(ReadModel):
    kind: DepositKind
    received: Decimal = Field(description="已确认收取（万元）")
    refunded: Decimal
    forfeited: Decimal
    held: Decimal = Field(description="在手余额：已确认收取减去已确认退还、没收")
    pending: Decimal = Field(description="待确认的笔数金额合计")


class DepositLedger(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [DepositRead.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
                    "totals": [
                        {
                            "kind": "land_earnest",
                            "received": "30.00",
                            "refunded": "0",
                            "forfeited": "0",
                            "held": "30.00",
                            "pending": "0",
                        }
                    ],
                }
            ]
        }
    )

    items: list[DepositRead]
    totals: list[DepositTotals]


# --- quality --------------------------------------------------------------------------------------

_QUALITY_EXAMPLE: dict[str, Any] = {
    "high_tech": True,
    "specialised": False,
    "tech_sme": True,
    "env_class": "b",
    "energy_class": "low",
    "leading_industry": "新能源",
}


class QualityUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_QUALITY_EXAMPLE | {"version": 0}]})

    version: int = Field(ge=0, le=2_147_483_647, description="读取时的 version；尚未填写过为 0")
    high_tech: bool = Field(default=False, description="高新技术企业")
    specialised: bool = Field(default=False, description="专精特新")
    tech_sme: bool = Field(default=False, description="科技型中小企业")
    env_class: EnvClass | None = Field(default=None, description="环保绩效分级")
    energy_class: EnergyClass | None = Field(default=None, description="能耗等级")
    leading_industry: str = Field(
        default="", max_length=60, description="符合的主导产业（须在主导产业目录中）；空为不符合"
    )


class QualityRead(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_QUALITY_EXAMPLE | {"project_id": 1207, "version": 2}]})

    project_id: int
    high_tech: bool
    specialised: bool
    tech_sme: bool
    env_class: EnvClass | None
    energy_class: EnergyClass | None
    leading_industry: str
    version: int = Field(description="0：尚未填写")


class IndustryCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "新能源"}]})

    name: str = Field(min_length=2, max_length=60, description="主导产业名称")


class IndustryUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 1, "is_active": False}]})

    version: int = Field(**INT_ID)
    is_active: bool


class IndustryRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": 3, "name": "新能源", "is_active": True, "version": 1}]}
    )

    id: int
    name: str
    is_active: bool
    version: int
