"""Quality of a project beyond money (项目质量): technology level (高新技术企业, 专精特新, 科技型中小企业),
environmental and energy class, and fit with the county's leading industries (主导产业, a list the
coordinator keeps). Edited on the project's page and over the API (audited, versioned), and filters of the
project list: `filter_values` and `conditions` are called by `projects._filter_values` and
`projects._shaped_conditions`, so a quality filter is one more named value of the list's statement shape
and a list without one runs the statement it ran before."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Conflict, Invalid, NotFound
from app.models.project import Project
from app.models.quality import EnergyClass, EnvClass, LeadingIndustry, ProjectQuality, TechLevel
from app.principal import Principal
from app.schemas.land import IndustryCreate, IndustryUpdate, QualityUpdate
from app.services.common import apply_changes, check_version

FIELDS = ("high_tech", "specialised", "tech_sme", "env_class", "energy_class", "leading_industry")


def _services_projects() -> Any:
    from app.services import projects  # projects imports this module for its filters

    return projects


def of(db: Session, principal: Principal, project_id: int) -> tuple[Project, ProjectQuality]:
    """The project and its quality (an unsaved blank, version 0, when never filled in)."""
    project = _services_projects().get(db, principal, project_id)
    row = db.get(ProjectQuality, project_id)
    if row is None:
        row = ProjectQuality(project_id=project_id, high_tech=False, specialised=False, tech_sme=False,
                             leading_industry="", version=0)  # fmt: skip
    return project, row


def update(db: Session, principal: Principal, project_id: int, data: QualityUpdate) -> ProjectQuality:
    _services_projects().get_for_write(db, principal, project_id)
    row = db.get(ProjectQuality, project_id)
    if row is None and data.version != 0:
        raise Conflict(details={"current_version": 0, "your_version": data.version, "changes": []})
    if row is not None:
        check_version(db, row, data.version)
    kept = row is not None and data.leading_industry == row.leading_industry  # a retired one may stay
    if data.leading_industry and not kept and data.leading_industry not in active_industries(db):
        raise Invalid({"leading_industry": "请从主导产业目录中选择"})
    values = data.model_dump(include=set(FIELDS))
    if row is None:
        row = ProjectQuality(project_id=project_id, **values)
        db.add(row)
    else:
        apply_changes(row, values)
    db.flush()
    return row


# --- the leading industries ----------------------------------------------------------------------


def active_industries(db: Session) -> list[str]:
    return list(
        db.execute(
            select(LeadingIndustry.name).where(LeadingIndustry.is_active.is_(True)).order_by(LeadingIndustry.id)
        ).scalars()
    )


def industries(db: Session) -> list[LeadingIndustry]:
    return list(db.execute(select(LeadingIndustry).order_by(LeadingIndustry.id)).scalars())


def add_industry(db: Session, principal: Principal, data: IndustryCreate) -> LeadingIndustry:
    policy.ensure_coordinator(principal)
    if db.execute(select(LeadingIndustry.id).where(LeadingIndustry.name == data.name)).first():
        raise Invalid({"name": "已有该主导产业"})
    row = LeadingIndustry(name=data.name)
    db.add(row)
    db.flush()
    return row


def update_industry(db: Session, principal: Principal, industry_id: int, data: IndustryUpdate) -> LeadingIndustry:
    policy.ensure_coordinator(principal)
    row = db.get(LeadingIndustry, industry_id)
    if row is None:
        raise NotFound("找不到该主导产业")
    check_version(db, row, data.version)
    row.is_active = data.is_active
    db.flush()
    return row


# --- the project list's filters ------------------------------------------------------------------

FILTER_PARAMS = ("tech", "env_class", "energy_class", "leading")


def filter_params(params: Mapping[str, str], errors: dict[str, str]) -> dict[str, str]:
    """The quality filters of a page's query (`ProjectFilter.extra`), checked: a bad one goes to `errors`."""
    extra = {}
    choices: dict[str, Any] = {"tech": TechLevel, "env_class": EnvClass, "energy_class": EnergyClass}
    for name in FILTER_PARAMS:
        value = str(params.get(name, "") or "")
        if not value:
            continue
        if name == "leading":
            if value not in ("1", "0"):
                errors[name] = "请选择有效的选项"
                continue
        else:
            try:
                choices[name](value)
            except ValueError:
                errors[name] = "请选择有效的选项"
                continue
        extra[name] = value
    return extra


def filter_values(extra: Mapping[str, Any]) -> dict[str, Any]:
    """The named values of the quality filters in `extra` (none: the list's statement is unchanged)."""
    values: dict[str, Any] = {}
    tech = extra.get("tech")
    if tech:
        values[f"quality_{TechLevel(tech).value}"] = True
    if extra.get("env_class"):
        values["quality_env_class"] = EnvClass(extra["env_class"])
    if extra.get("energy_class"):
        values["quality_energy_class"] = EnergyClass(extra["energy_class"])
    if extra.get("leading") == "1":
        values["quality_leading"] = ""
    elif extra.get("leading") == "0":
        values["quality_not_leading"] = ""
    return values


def conditions(names: tuple[str, ...], bind: Callable[[str], Any]) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the quality values named in a filter's shape."""
    where: list[ColumnElement[bool]] = []
    for level in TechLevel:
        name = f"quality_{level.value}"
        if name in names:
            column = getattr(ProjectQuality, level.value)
            where.append(Project.id.in_(select(ProjectQuality.project_id).where(column == bind(name))))
    for name, column in (
        ("quality_env_class", ProjectQuality.env_class),
        ("quality_energy_class", ProjectQuality.energy_class),
    ):
        if name in names:
            where.append(Project.id.in_(select(ProjectQuality.project_id).where(column == bind(name))))
    if "quality_leading" in names:
        fits = ProjectQuality.leading_industry != bind("quality_leading")
        where.append(Project.id.in_(select(ProjectQuality.project_id).where(fits)))
    if "quality_not_leading" in names:
        fits = ProjectQuality.leading_industry != bind("quality_not_leading")
        where.append(Project.id.not_in(select(ProjectQuality.project_id).where(fits)))
    return where
