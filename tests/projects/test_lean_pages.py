"""The project list page read by statements built once per filter shape (app.services.project_pages)
shows, byte for byte, what it showed through projects.list_projects: for the coordinator, a leader,
the supervisor and two units' staff, a confidential project of each unit among them, every kind of
filter, the name search, a second page; whole and as htmx's fragment. The statements per page do
not grow with the rows, and the templates are not read again from disk outside development."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models.investor import InvestorType
from app.models.project import Stage
from app.models.user import Role, User
from app.principal import Principal
from app.services import project_pages, projects, workdays
from app.templating import env
from tests.conftest import login
from tests.factories import PASSWORD, make_unit, make_user
from tests.projects.factories import make_anomaly, make_investor, make_project

_CSRF = re.compile(r'(csrf_token" value=")[^"]+|("X-CSRF-Token": ")[^"]+')


def signed_in(app: Any, db: Session, user: User) -> TestClient:
    db.commit()
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    assert login(client, user.username, PASSWORD).status_code == 303
    return client


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    a, b = make_unit(db), make_unit(db)
    long_ago = workdays.today() - timedelta(days=400)
    for n in range(56):  # more than a page; warnings, stages, sizes and units mixed
        make_project(
            db,
            a if n % 3 else b,
            stage=(Stage.started, Stage.signed, Stage.negotiating, Stage.landed)[n % 4],
            name=f"列表项目{n:02d}",
            reached=long_ago if n % 5 == 0 else None,
            responsible=b if n % 7 == 0 else None,
            investor=make_investor(db, name=f"列表客商{n:02d}有限公司", investor_type=InvestorType.private),
            contract_investment=Decimal(100 * (n % 9)),
            land_granted_on=long_ago if n % 6 == 0 else None,
        )
    secret_a = make_project(
        db,
        a,
        stage=Stage.started,
        name="甲方保密项目",
        is_confidential=True,
        code_name="代号甲",
        reached=long_ago,
        investor=make_investor(db, name="甲方秘密客商有限公司", investor_type=InvestorType.foreign),
    )
    secret_b = make_project(
        db,
        b,
        stage=Stage.signed,
        name="乙方保密项目",
        is_confidential=True,
        code_name="代号乙",
        investor=make_investor(db, name="乙方秘密客商有限公司"),
    )
    make_anomaly(db, secret_b)
    users = {
        "coordinator": make_user(db, make_unit(db), Role.coordinator),
        "leader": make_user(db, role=Role.leader),
        "supervisor": make_user(db, role=Role.supervisor),
        "staff_a": make_user(db, a),
        "staff_b": make_user(db, b),
    }
    return {"a": a, "b": b, "secret_a": secret_a, "secret_b": secret_b, "users": users}


def urls(world: dict[str, Any]) -> list[str]:
    a, b = world["a"].id, world["b"].id
    return [
        "/projects",
        "/projects?offset=50",
        "/projects?sort=name&offset=10",
        "/projects?stage=started&sort=contract",
        "/projects?flag=stalled",
        "/projects?flag=land_idle&sort=stage_age",
        "/projects?anomaly=1",
        "/projects?investor_type=foreign",
        "/projects?size_band=from_500&status=active",
        f"/projects?unit_id={a}",
        f"/projects?unit_id={b}&stage=signed",
        "/projects?date_field=stage_since&date_to=" + str(workdays.today() - timedelta(days=100)),
        "/projects?q=列表",
        "/projects?q=项目1",
        "/projects?q=保密项目",
        "/projects?q=代号",
        "/projects?q=秘密客商",
        "/projects?q=列表客商03",
        "/projects?q=%25",
        "/projects?q=乙方&flag=stalled",
    ]


def pages(client: TestClient, world: dict[str, Any]) -> dict[str, str]:
    shown = {}
    for url in urls(world):
        for htmx in (False, True):
            answer = client.get(url, headers={"HX-Request": "true"} if htmx else {})
            assert answer.status_code == 200, (url, answer.text[:500])
            shown[f"{url} {htmx}"] = _CSRF.sub(r"\1\2-", answer.text)
    return shown


def generic(
    db: Session, principal: Principal, f: projects.ProjectFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    return projects.list_projects(db, principal, f, limit=limit, offset=offset)


@pytest.mark.parametrize("who", ["coordinator", "leader", "supervisor", "staff_a", "staff_b"])
def test_the_list_page_is_the_page_list_projects_gives(app, db, world, who, monkeypatch):
    client = signed_in(app, db, world["users"][who])
    lean = pages(client, world)
    monkeypatch.setattr(project_pages, "list_page", generic)
    assert pages(client, world) == lean

    # and what each sees: a confidential project by its name to its own unit and those who see every
    # identity, by its code name to the others, its investor hidden; a search by its name finds it
    # only for those who see it, one by its code name only for those who do not see every identity
    whole = lean["/projects?q=保密项目 False"]
    coded = lean["/projects?q=代号 False"]
    every = who in ("coordinator", "leader")
    for secret, owner in ((world["secret_a"], "staff_a"), (world["secret_b"], "staff_b")):
        sees = every or who == owner
        listed = sees or who == "supervisor"  # a unit's staff list their own unit's projects only
        assert (f">{secret.name}</a>" in whole) is sees
        assert f">【保密】{secret.code_name}</a>" not in whole
        assert (f">{secret.name}</a>" in coded) is (sees and not every)
        assert (f">【保密】{secret.code_name}</a>" in coded) is (listed and not sees)
    if who == "supervisor":
        assert "秘密客商有限公司" not in "".join(lean.values())
        assert coded.count("（保密） · ") == 2
    mine = {"staff_a": 38, "staff_b": 25}.get(who, 58)  # introduced or served by the unit; or every one
    assert f"共 {mine} 个项目" in lean["/projects False"]
    assert ("下一页" in lean["/projects False"]) is (mine > 50)


def test_the_list_page_statements_do_not_grow_with_rows_and_are_built_once(app, db, world, connection):
    client = signed_in(app, db, world["users"]["coordinator"])
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    project_pages._page.cache_clear()
    client.get("/projects?stage=started")  # the shape's statement built
    event.listen(connection.engine, "before_cursor_execute", record)
    try:
        for url in ("/projects?stage=started", "/projects?stage=signed", "/projects?stage=landed&offset=50"):
            statements.clear()
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
            reads = [s for s in statements if "FROM project" in s]
            assert len(reads) <= 2, statements  # the page, the count when the page is full or not the first
    finally:
        event.remove(connection.engine, "before_cursor_execute", record)
    assert project_pages._page.cache_info().misses == 1  # one shape: one statement, three values


def test_templates_are_not_read_again_outside_development(app, db, world):
    client = signed_in(app, db, world["users"]["coordinator"])
    assert client.get("/projects").status_code == 200
    assert env.auto_reload is False  # the tests' settings: APP_ENV=test
