"""Demo assessment (年度考核) of the current year: the default scheme saved by the bureau, two leaders' and the
supervisor's qualitative scores of most units (a few left to score, so the page shows what is missing), a
bonus and a deduction entered by hand. Made through the service, as the bureau and the assessors would."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.assessment import AssessmentScheme
from app.models.user import User
from app.principal import Principal
from app.schemas.assessment import AdjustmentIn, SchemeIn, ScoresIn
from app.services import assessment, workdays

ASSESSORS = ("leader_wang", "leader_zhou", "dcs_zhao")
REASONS = {
    "leadership": "主要领导带队外出招商，招商专班运转正常",
    "service": "企业诉求办理及时，督办事项按期办结",
    "innovation": "开展以商招商、驻点招商，方式有新意",
}


def _principal(user: User) -> Principal:
    return Principal(role=user.role, unit_id=user.unit_id, label=user.display_name, user_id=user.id)


def load(db: Session, today: date | None = None) -> bool:
    today = today or workdays.today()
    year = today.year
    if db.execute(select(AssessmentScheme.id).where(AssessmentScheme.year == year)).first():
        return False
    users = {u.username: u for u in db.execute(select(User)).scalars()}
    if "zsj_admin" not in users:
        return False
    bureau = _principal(users["zsj_admin"])
    assessment.set_scheme(db, bureau, year, SchemeIn.model_validate(assessment.DEFAULT_PARAMS), today=today)
    units = [r["unit_id"] for r in assessment.view(db, bureau, year, today=today).rows]
    for index, unit_id in enumerate(units[:-3]):  # the last three are left for the page to show what is missing
        for offset, name in enumerate(ASSESSORS):
            if name not in users:
                continue
            base = 95 - (index * 3 + offset * 2) % 25
            scores = [
                {"item": item, "score": str(base - n), "reason": reason}
                for n, (item, reason) in enumerate(REASONS.items())
            ]
            assessment.set_scores(db, _principal(users[name]), year, unit_id, ScoresIn(scores=scores), today=today)
    if len(units) >= 2:
        assessment.add_adjustment(
            db,
            bureau,
            year,
            units[0],
            AdjustmentIn(
                kind="bonus",
                points="2",
                reason="引进世界 500 强企业投资项目 1 个",
                basis="县招商引资领导小组〔2026〕8 号",
            ),
            today=today,
        )
        assessment.add_adjustment(
            db,
            bureau,
            year,
            units[1],
            AdjustmentIn(
                kind="deduction", points="1", reason="上报到位资金凭证不实，经抽查核减", basis="抽查通报〔2026〕3 号"
            ),
            today=today,
        )
    db.flush()
    return True
