"""Factories for industry chains, their links and the firms and projects on them (real rows, through the
models)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from app.models.chain import ChainLink, ChainLinkFirm, ChainLinkProject, ChainStage, IndustryChain, InvestorIntroduction
from app.models.investor import Investor
from app.models.project import Project, Stage
from app.models.unit import Unit
from tests.projects.factories import make_investor, make_project

_n = itertools.count(1)


def make_chain(db: Session, **overrides: Any) -> IndustryChain:
    values: dict[str, Any] = {"name": f"测试产业链{next(_n)}"}
    values.update(overrides)
    chain = IndustryChain(**values)
    db.add(chain)
    db.flush()
    return chain


def make_link(db: Session, chain: IndustryChain, parent: ChainLink | None = None, **overrides: Any) -> ChainLink:
    n = next(_n)
    values: dict[str, Any] = {
        "chain_id": chain.id,
        "parent_id": parent.id if parent else None,
        "name": f"测试环节{n}",
        "position": n,
        "stage": ChainStage.midstream,
    }
    values.update(overrides)
    link = ChainLink(**values)
    db.add(link)
    db.flush()
    return link


def attach_firm(db: Session, link: ChainLink, investor: Investor | None = None) -> ChainLinkFirm:
    firm = ChainLinkFirm(link_id=link.id, investor_id=(investor or make_investor(db)).id)
    db.add(firm)
    db.flush()
    return firm


def attach_project(db: Session, link: ChainLink, project: Project) -> ChainLinkProject:
    row = ChainLinkProject(project_id=project.id, link_id=link.id)
    db.add(row)
    db.flush()
    return row


def chain_ids(db: Session, unit: Unit, project_id: int) -> dict[str, int]:
    """Ids for the sweeps (route matrix, form errors, refusals): a chain with two links, a local firm on the
    first (the investor of a project in production of `unit`), `project_id` on the first link."""
    chain = make_chain(db)
    top = make_link(db, chain, stage=ChainStage.upstream)
    make_link(db, chain, top)
    producing = make_project(db, unit, stage=Stage.production)
    firm = attach_firm(db, top, db.get(Investor, producing.investor_id))
    attach_project(db, top, db.get(Project, project_id))  # type: ignore[arg-type]
    return {"chain_id": chain.id, "link_id": top.id, "firm_id": firm.id}


def introduce(db: Session, investor: Investor, introducer: Investor) -> InvestorIntroduction:
    row = InvestorIntroduction(investor_id=investor.id, introducer_id=introducer.id)
    db.add(row)
    db.flush()
    return row
