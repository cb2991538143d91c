"""Search by any part of a name: the project's, its investor's, or (for those who do not see the name)
its code name. On SQLite it reads FTS5 trigram tables kept by triggers; the results must be those of
LIKE on the tables themselves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.models.investor import Investor
from app.models.project import Project
from app.models.unit import Unit
from app.models.user import Role
from app.principal import SYSTEM, Principal
from app.services import projects
from app.services.projects import ProjectFilter
from tests.factories import bearer, make_token, make_unit
from tests.projects.factories import make_investor, make_project


@dataclass
class World:
    owner: Unit
    other: Unit
    plain: Project
    secret: Project
    percent: Project
    underscore: Project


@pytest.fixture
def world(db) -> World:
    owner = make_unit(db, name="城关镇人民政府")
    other = make_unit(db, name="河口镇人民政府")
    plain = make_project(
        db, owner, name="博康汽配产业园项目", investor=make_investor(db, name="浙江博康汽车配件有限公司")
    )
    secret = make_project(
        db,
        owner,
        name="机密锂电池材料项目",
        code_name="青山01号",
        is_confidential=True,
        investor=make_investor(db, name="宁德锐能新能源有限公司"),
    )
    percent = make_project(db, owner, name="节能100%绿电项目")
    make_project(db, owner, name="节能1000绿电项目")
    underscore = make_project(db, owner, name="Alpha_Beta智造项目")
    make_project(db, owner, name="AlphaXBeta智造项目")
    db.flush()
    return World(owner, other, plain, secret, percent, underscore)


def found(db, q: str, principal: Principal = SYSTEM) -> set[int]:
    rows, total = projects.list_projects(db, principal, ProjectFilter(q=q), limit=200)
    assert total == len(rows)
    return {row["project"].id for row in rows}


def supervisor(unit: Unit) -> Principal:
    return Principal(role=Role.supervisor, unit_id=unit.id, label="督查")


def clerk(unit: Unit) -> Principal:
    return Principal(role=Role.unit_staff, unit_id=unit.id, label="办事员")


def test_a_project_is_found_by_part_of_its_name_or_its_investors_name(db, world):
    assert found(db, "博康汽配") == {world.plain.id}
    assert found(db, "汽车配件") == {world.plain.id}
    assert found(db, "产业园项目") == {world.plain.id}
    assert found(db, "康汽") == {world.plain.id}  # two characters: fewer than a trigram
    assert found(db, "园") == {world.plain.id}
    assert found(db, "博康汽配有限") == set()


def test_the_code_name_is_searched_for_those_who_do_not_see_the_name(db, world):
    assert found(db, "青山01", supervisor(world.other)) == {world.secret.id}
    assert found(db, "青山", supervisor(world.other)) == {world.secret.id}


def test_a_confidential_projects_real_names_match_only_for_those_who_see_them(db, world):
    for q in ("锂电池材料", "锂电", "宁德锐能", "新能源有限"):
        assert found(db, q, supervisor(world.other)) == set(), q
        assert found(db, q, clerk(world.owner)) == {world.secret.id}, q
        assert found(db, q) == {world.secret.id}, q


def test_a_renamed_project_or_investor_is_found_by_its_new_name_only(db, world):
    world.plain.name = "星河新材料基地"
    world.secret.code_name = "白鹭07号"
    db.get(Investor, world.plain.investor_id).name = "江苏星河控股集团"
    db.flush()

    assert found(db, "星河新材料") == {world.plain.id}
    assert found(db, "星河控股") == {world.plain.id}
    assert found(db, "博康汽配") == set()
    assert found(db, "汽车配件") == set()
    assert found(db, "白鹭07", supervisor(world.other)) == {world.secret.id}
    assert found(db, "青山01", supervisor(world.other)) == set()


def test_a_deleted_project_is_no_longer_found(db, world):
    db.delete(world.plain)
    db.flush()
    assert found(db, "博康汽配") == set()
    assert found(db, "汽车配件") == set()


def test_percent_and_underscore_are_searched_literally(db, world):
    assert found(db, "100%") == {world.percent.id}
    assert found(db, "%") == {world.percent.id}
    assert found(db, "a_B") == {world.underscore.id}
    assert found(db, "_") == {world.underscore.id}


@pytest.mark.parametrize("q", ["博康汽配", "康汽", "ALPHA_B", "alphaxb", "项目", "青山01", "新能源", "100%", "x"])
def test_the_search_index_finds_what_like_on_the_tables_finds(db, world, q):
    """On SQLite the FTS tables answer; on either database the answer is LIKE's on the tables."""
    for principal in (SYSTEM, supervisor(world.other), clerk(world.owner)):
        with_index = set(db.scalars(projects._name_matches(principal, q, sqlite=db.bind.dialect.name == "sqlite")))
        without = set(db.scalars(projects._name_matches(principal, q, sqlite=False)))
        assert with_index == without, (q, principal.role)


def test_sqlite_reads_the_trigram_tables_for_three_characters_or_more(db):
    def sql(q: str) -> str:
        return str(projects._name_matches(SYSTEM, q, sqlite=True))

    assert "project_name_fts" in sql("博康汽") and "investor_name_fts" in sql("博康汽")
    assert "_fts" not in sql("博康") and "_fts" not in sql("10%") and "_fts" not in sql("a_b")
    assert "_fts" not in str(projects._name_matches(SYSTEM, "博康汽", sqlite=False))


def test_the_api_searches_by_name_and_hides_confidential_names(client, db, world):
    headers = bearer(make_token(db, None, read_only=True))
    db.commit()
    listed = client.get("/api/v1/projects", params={"q": "博康汽配", "limit": 50}, headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [world.plain.id] and listed["total"] == 1
    assert client.get("/api/v1/projects", params={"q": "锂电池"}, headers=headers).json()["total"] == 0
    assert client.get("/api/v1/projects", params={"q": "青山01号"}, headers=headers).json()["total"] == 1
