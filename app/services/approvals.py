"""Approvals after signing (审批事项): generated from the coordinator's catalogue when a project is signed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from app.models.project import Project, Stage


def on_stages_passed(db: Session, project: Project, passed: Sequence[Stage], when: date) -> None:
    """Called on every path a project moves forward by (the stage form and API, creation at a later stage):
    when 正式签约 is among the stages passed, the project's approvals are generated."""
    if Stage.signed not in passed:
        return
