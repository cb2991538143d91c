"""The demo county shows industry teams and responsibility letters: three teams with their leaders (one a
county leader without an account, one a leader's account), member units and projects; the year's rules,
every unit with targets given its letter, most acknowledged by their heads, one reissued before and one
after its acknowledgement, 城关镇's still waiting for its head."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.letter import LetterStatus
from app.models.unit import Unit
from app.services import demo, letters, teams, workdays
from tests.people.factories import coordinator


def test_the_demo_has_teams_and_letters(db: Session) -> None:
    demo.load(db)
    year = workdays.today().year
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    rows = {r.unit.short_name: r for r in teams.rank_teams(db, coordinator(), year)}
    assert set(rows) == {"新材料组", "绿色食品组", "文旅康养组"}
    materials = teams.get(db, coordinator(), units["新材料组"].id)
    assert materials.leader is not None and materials.leader.name == "刘国华" and not materials.leader.has_account
    assert [m.name for m in materials.members if m.is_lead] == ["青山县工业和信息化局"]
    tourism = teams.get(db, coordinator(), units["文旅康养组"].id)
    assert tourism.leader is not None and tourism.leader.has_account  # 王建国, a county leader's account
    assert sum(r.figures["projects_introduced"] for r in rows.values()) > 0
    assert teams.leader_targets(db, materials.leader, year)

    page = letters.status_page(db, coordinator(), year, limit=200)
    assert page.counts["acknowledged"] > 10 and page.counts["issued"] >= 3
    state = {row.unit.short_name: row for row in page.rows}
    assert state["城关镇"].state == "issued" and state["城关镇"].binding_id is None
    assert state["河口镇"].current is not None and state["河口镇"].current.revision == 2
    amended = state["青石镇"]
    assert amended.state == "issued" and amended.binding_id is not None  # the signed first version binds
    first = letters.letter_for(db, units["青石镇"].id, year)
    assert first is not None and first.revision == 1 and first.status is LetterStatus.acknowledged
