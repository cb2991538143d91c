"""/rates and /targets choose a unit by typing its name (the unit field of the lists), not from a select of
every unit: the id its list gives, or without JavaScript the name typed, looked up by the server or
explained with the units it could mean; and the same people as before see and set which units."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.performance import Target
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.services import workdays
from tests.conftest import login, page_csrf
from tests.factories import PASSWORD, make_unit, make_user

YEAR = workdays.today().year


def towns(db: Session) -> tuple[str, Unit, Unit]:
    n = uuid.uuid4().hex[:6]
    return n, make_unit(db, name=f"河口镇{n}", kind=UnitKind.town), make_unit(db, name=f"青石镇{n}", kind=UnitKind.town)


def field_box(page: str, field_id: str) -> str:
    match = re.search(rf'<div class="unit-search[^"]*" id="{field_id}-box".*?\n</div>', page, re.S)
    assert match, f"no unit field {field_id}"
    return match.group(0)


def results(page: str) -> str:
    """The rates shown, without the form."""
    return page.split("范围：该期间签约的项目", 1)[1]


def test_rates_take_a_unit_by_its_name(client, db):
    n, river, hill = towns(db)
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    login(client, coordinator.username, PASSWORD)

    page = client.get("/rates")
    assert page.status_code == 200 and "<option" not in field_box(page.text, "r-unit")
    # the form as sent for every unit: its fields blank (a 422 before, with the select's "全部")
    blank = client.get(
        "/rates",
        params={"start": f"{YEAR}-01-01", "end": str(workdays.today()), "unit_id": "", "unit_name": "", "category": ""},
    )
    assert blank.status_code == 200 and results(blank.text) == results(page.text)
    assert river.name not in page.text
    by_id = client.get(f"/rates?unit_id={river.id}")
    assert f'value="{river.name}"' in field_box(by_id.text, "r-unit")
    by_name = client.get("/rates", params={"unit_id": "", "unit_name": f"河口镇{n}"})
    field = field_box(by_name.text, "r-unit")
    assert f'name="unit_id" value="{river.id}"' in field and "aria-invalid" not in field
    assert results(by_name.text) == results(by_id.text)

    several = client.get("/rates", params={"start": f"{YEAR}-01-01", "unit_name": n})
    field = field_box(several.text, "r-unit")
    assert f"有 2 个单位的名称含“{n}”，请选择其中一个" in field
    assert f'href="/rates?start={YEAR}-01-01&amp;unit_id={hill.id}"' in field
    assert "未按单位筛选" in several.text
    assert results(several.text) == results(client.get(f"/rates?start={YEAR}-01-01").text)


def test_those_who_see_their_own_unit_have_no_unit_field_on_rates(client, db):
    _n, river, hill = towns(db)
    staff = make_user(db, river)
    db.commit()
    login(client, staff.username, PASSWORD)
    page = client.get("/rates", params={"unit_id": hill.id, "unit_name": hill.name})
    assert page.status_code == 200 and 'id="r-unit"' not in page.text
    assert results(page.text) == results(client.get("/rates").text)  # their own unit's, whatever is asked


def targets_form(client, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": page_csrf(client, "/targets"),
        "year": str(YEAR),
        "metric": "projects_introduced",
        "amount": "6",
        "scope_unit_id": "",
        "scope_unit_name": "",
        **fields,
    }


def target_of(db: Session, unit: Unit) -> Decimal | None:
    db.expire_all()
    return db.execute(
        select(Target.amount).where(
            Target.year == YEAR, Target.metric == "projects_introduced", Target.unit_id == unit.id
        )
    ).scalar_one_or_none()


def test_a_target_for_one_unit_names_it(client, db):
    n, river, hill = towns(db)
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    login(client, coordinator.username, PASSWORD)
    page = client.get("/targets").text
    assert "单个单位：" not in page and river.name not in page
    assert '<option value="unit">单个单位（在下面填写）</option>' in page
    assert 'name="scope_unit_id"' in field_box(page, "f-scope-unit")

    # taken from the field's list (its id), typed without JavaScript, or the old form's "unit:<id>"
    response = client.post(
        "/targets", data=targets_form(client, scope="unit", scope_unit_id=str(river.id), scope_unit_name=river.name)
    )
    assert response.status_code == 303, response.text[:500]
    assert target_of(db, river) == Decimal(6)
    response = client.post(
        "/targets", data=targets_form(client, scope="unit", scope_unit_name=f" 青石镇{n} ", amount="7")
    )
    assert response.status_code == 303, response.text[:500]
    assert target_of(db, hill) == Decimal(7)
    response = client.post("/targets", data=targets_form(client, scope=f"unit:{hill.id}", amount="8"))
    assert response.status_code == 303 and target_of(db, hill) == Decimal(8)


def test_a_unit_name_that_names_several_or_none_is_explained(client, db):
    n, river, hill = towns(db)
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    login(client, coordinator.username, PASSWORD)

    response = client.post("/targets", data=targets_form(client, scope="unit", scope_unit_name=n))
    assert response.status_code == 422
    field = field_box(response.text, "f-scope-unit")
    assert f"有 2 个单位的名称含“{n}”，请选择其中一个" in field and f'value="{n}"' in field
    assert f'name="scope_unit_choice" value="{hill.id}"> <span>{hill.name} ' in field
    assert '<option value="unit" selected>' in response.text  # the scope chosen stays chosen
    assert target_of(db, river) is None and target_of(db, hill) is None

    response = client.post(
        "/targets", data=targets_form(client, scope="unit", scope_unit_name=n, scope_unit_choice=str(hill.id))
    )
    assert response.status_code == 303 and target_of(db, hill) == Decimal(6)

    both = client.post("/targets", data=targets_form(client, scope="unit", scope_unit_name=n, amount=""))
    assert both.status_code == 422 and "请选择其中一个" in field_box(both.text, "f-scope-unit")
    assert '<div class="field-error" id="e-amount">请填写数字</div>' in both.text  # said at once, both

    for fields, message in (
        ({"scope": "unit", "scope_unit_name": f"不存在{n}"}, f"没有名称含“不存在{n}”的单位"),
        ({"scope": "unit"}, "请填写单位名称"),
        ({"scope": "tier:1", "scope_unit_name": river.name}, "请在“适用”中选择“单个单位”"),
    ):
        response = client.post("/targets", data=targets_form(client, **fields))
        assert response.status_code == 422 and message in field_box(response.text, "f-scope-unit"), fields
    assert target_of(db, river) is None


def test_only_the_coordinator_sets_a_target_for_a_unit(client, db):
    _n, river, _hill = towns(db)
    leader = make_user(db, role=Role.leader)
    db.commit()
    login(client, leader.username, PASSWORD)
    page = client.get("/targets")
    assert page.status_code == 200 and 'id="f-scope-unit"' not in page.text
    for fields in ({"scope": "unit", "scope_unit_name": river.name}, {"scope": f"unit:{river.id}"}):
        response = client.post("/targets", data=targets_form(client, **fields))
        assert response.status_code == 403, fields
    assert target_of(db, river) is None
