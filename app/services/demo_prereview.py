"""Demo pre-review and signing approvals (项目预审、签约审批, issue 22): the departments named per category, every
demo project at 正式签约 or later passed by them and approved at the level its figures need, and two projects
before signing on the pre-review page: one vetoed on its environmental assessment, one waiting for a
department."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models.prereview import OpinionVerdict, PrereviewDepartment, PrereviewOpinion, SigningApproval
from app.models.project import ApprovalLevel, Category, NegativeReason, PrereviewResult, Project, Stage
from app.models.unit import Unit
from app.services import prereview

# the departments (short names) that pre-review each category
DEPARTMENTS: dict[Category, tuple[str, ...]] = {
    Category.industrial: ("县发改局", "县自然资源局", "县工信局"),
    Category.agriculture: ("县发改局", "县自然资源局", "县农业农村局"),
    Category.culture_tourism: ("县发改局", "县自然资源局", "县文旅局"),
    Category.infrastructure_social: ("县发改局", "县住建局"),
    Category.clean_energy: ("县发改局", "县自然资源局"),
    Category.commerce_services: ("县发改局", "县商务局"),
}
APPROVED_BY = {
    ApprovalLevel.within_policy: "县委县政府主要领导",
    ApprovalLevel.leadership_group: "县招商引资工作领导小组",
    ApprovalLevel.case_by_case: "县委常委会（一事一议）",
}


def load(db: Session) -> bool:
    if db.execute(select(PrereviewDepartment.id).limit(1)).first() is not None:
        return False
    units = {u.short_name: u.id for u in db.execute(select(Unit)).scalars()}
    named: dict[Category, list[int]] = {}
    for category, shorts in DEPARTMENTS.items():
        named[category] = [units[s] for s in shorts if s in units]
        db.add_all(PrereviewDepartment(category=category, unit_id=uid) for uid in named[category])
    if not any(named.values()):
        return False
    db.flush()
    rules = prereview.signing_rules(db)
    signed = db.execute(select(Project).where(Project.signed_on.is_not(None)).order_by(Project.id)).scalars().all()
    by_level: dict[ApprovalLevel, list[int]] = {level: [] for level in ApprovalLevel}
    rows: list[object] = []
    for project in signed:
        assert project.signed_on is not None
        for uid in named[project.category]:
            rows.append(
                PrereviewOpinion(
                    project_id=project.id,
                    unit_id=uid,
                    verdict=OpinionVerdict.passed,
                    note="符合产业政策和用地、环保要求",
                    given_on=project.signed_on - timedelta(days=20),
                )
            )
        figures = prereview.Figures(project.intensity_commitment, project.plot_ratio, project.land_area_mu)
        level, _ = prereview.required_level(rules, figures)
        year = project.signed_on.year
        rows.append(
            SigningApproval(
                project_id=project.id,
                level=level,
                required_level=level,
                approved_by=APPROVED_BY[level],
                approved_on=project.signed_on - timedelta(days=7),
                document_no=f"青政专纪〔{year}〕{project.id % 90 + 1} 号",
            )
        )
        by_level[level].append(project.id)
    # before signing: one vetoed on its environmental assessment, one waiting for its last department
    waiting = (
        db.execute(
            select(Project)
            .where(Project.stage == Stage.intent, Project.category == Category.industrial)
            .order_by(Project.id)
            .limit(2)
        )
        .scalars()
        .all()
    )
    industrial = named[Category.industrial]
    for index, project in enumerate(waiting):
        first, *rest = industrial or [0]
        if not industrial:
            break
        given = project.intent_on or project.stage_since
        if index == 0:
            rows.append(
                PrereviewOpinion(
                    project_id=project.id,
                    unit_id=first,
                    verdict=OpinionVerdict.vetoed,
                    reason=NegativeReason.environment_safety,
                    note="环评：选址位于饮用水水源二级保护区，废水排放不能达标",
                    given_on=given,
                )
            )
        for uid in rest[: len(rest) - index]:
            rows.append(
                PrereviewOpinion(
                    project_id=project.id, unit_id=uid, verdict=OpinionVerdict.passed, note="同意", given_on=given
                )
            )
    db.add_all(rows)
    db.flush()
    # the derived columns, without moving the projects' versions or their "last updated"
    for level, ids in by_level.items():
        for start in range(0, len(ids), 500):
            db.execute(
                update(Project)
                .where(Project.id.in_(ids[start : start + 500]))
                .values(prereview=PrereviewResult.passed, approval_level=level, updated_at=Project.updated_at)
            )
    if waiting:
        db.execute(
            update(Project)
            .where(Project.id == waiting[0].id)
            .values(
                prereview=PrereviewResult.rejected,
                prereview_reason=NegativeReason.environment_safety,
                updated_at=Project.updated_at,
            )
        )
    db.flush()
    return True
