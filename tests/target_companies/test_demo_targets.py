"""The demo county has one list of 30 target companies for its two chains: some assigned with approaches, two
already in the investor catalogue, one converted into a lead that links back, and a funnel to show."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models.lead import Lead
from app.services import demo, demo_targets
from app.services import target_companies as targets
from tests.people.factories import coordinator


def test_the_demo_has_a_list_with_assigned_targets_and_one_lead(db: Session) -> None:
    demo.load(db)
    [(target_list, count)] = targets.lists(db)
    assert count == 30 and target_list.name == demo_targets.LIST_NAME
    rows, total = targets.list_rows(db, coordinator(), targets.TargetFilter(), limit=50)
    assert total == 30
    assigned = [r for r in rows if r.unit_name]
    assert len(assigned) >= 6 and sum(1 for r in rows if r.target.investor_id) >= 2
    [converted] = [r.target for r in rows if r.target.lead_id]
    assert db.get(Lead, converted.lead_id) is not None and len(targets.approaches_of(db, converted.id)) == 2
    by_chain = {r.name: r for r in targets.funnel(db, coordinator(), "chain")}
    assert by_chain["新材料"].leads == 1 and by_chain["新材料"].contacted >= 3
    assert demo_targets.load(db) is False  # loading again adds nothing
