"""The demo county shows two industry chains (新材料, 绿色食品) of six links each, from upstream to downstream, with
their chief and team, local firms and projects on their links, at least one gap, and a 以商招商 row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.services import chain_projects, chains, demo, demo_chains
from tests.people.factories import coordinator


def test_the_demo_has_two_chains_with_a_gap_and_a_referral(db: Session) -> None:
    demo.load(db)
    rows, total = chains.list_chains(db, coordinator())
    assert total == 2 and [r.chain.name for r in rows] == ["新材料", "绿色食品"]
    referrals = 0
    for row in rows:
        shown = chains.view(db, coordinator(), row.chain.id)
        assert len(shown.links) == 6 and shown.chief_name and shown.team_name
        assert shown.gaps >= 1 and shown.table[0].status == "gap"
        assert shown.links[0].link.stage.value == "upstream"
        assert row.projects > 0 and row.firms > 0
        referrals += chain_projects.referrals(db, coordinator(), row.chain.id)[1]
    assert referrals >= 1
    assert demo_chains.load(db) is False  # loading again adds nothing
