"""Two people editing the same record: the later save on a stale version is refused, never silently applied."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.db import make_engine, make_session_factory
from app.errors import Conflict
from app.models.unit import Unit
from app.models.user import Role
from app.principal import Principal
from app.schemas.units import UnitContactUpdate
from app.services import system, units
from tests.conftest import create_pg_database, login, page_csrf
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user


def _phone_in_db(db, unit_id: int) -> str:
    db.expire_all()
    return str(db.execute(select(Unit.phone).where(Unit.id == unit_id)).scalar_one())


def test_api_edit_with_the_current_version_succeeds(client, db):
    unit = make_unit(db, phone="0731-1000")
    secret = make_token(db, unit)
    db.commit()
    response = client.patch(
        f"/api/v1/units/{unit.id}/contact", json={"version": unit.version, "phone": "0731-2000"}, headers=bearer(secret)
    )
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "0731-2000"
    assert response.json()["version"] == unit.version + 1


def test_api_edit_with_a_stale_version_gets_409_and_changes_nothing(client, db):
    unit = make_unit(db, phone="0731-1000", head_name="张主任")
    secret = make_token(db, unit)
    other = make_token(db, unit)
    db.commit()
    stale_version = unit.version

    first = client.patch(
        f"/api/v1/units/{unit.id}/contact", json={"version": stale_version, "phone": "0731-2000"}, headers=bearer(other)
    )
    assert first.status_code == 200, first.text

    second = client.patch(
        f"/api/v1/units/{unit.id}/contact",
        json={"version": stale_version, "phone": "0731-3000", "head_name": "李主任"},
        headers=bearer(secret),
    )
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "version_conflict"
    assert "他人修改" in body["message"]
    assert body["details"]["your_version"] == stale_version
    assert body["details"]["current_version"] == stale_version + 1
    (change,) = body["details"]["changes"]
    assert change["by"].startswith("令牌:")
    assert change["changes"]["phone"] == ["0731-1000", "0731-2000"]

    current = client.get(f"/api/v1/units/{unit.id}", headers=bearer(secret)).json()
    assert current["phone"] == "0731-2000" and current["head_name"] == "张主任"
    assert _phone_in_db(db, unit.id) == "0731-2000"


def test_page_edit_on_a_stale_version_explains_who_changed_what_and_keeps_the_typed_values(app, client, db):
    from fastapi.testclient import TestClient

    unit = make_unit(db, phone="0731-1000", head_name="张主任", address="城关大道1号")
    me = make_user(db, unit=unit, display_name="我自己")
    colleague = make_user(db, unit=unit, display_name="同事钱七")
    db.commit()

    login(client, me.username, PASSWORD)
    form_page = client.get(f"/units/{unit.id}/contact")
    assert form_page.status_code == 200
    assert f'name="version" value="{unit.version}"' in form_page.text
    my_csrf = page_csrf(client, f"/units/{unit.id}/contact")

    # meanwhile the colleague saves a change from another browser
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other_browser:
        login(other_browser, colleague.username, PASSWORD)
        csrf = page_csrf(other_browser, f"/units/{unit.id}/contact")
        saved = other_browser.post(
            f"/units/{unit.id}/contact",
            data={
                "csrf_token": csrf,
                "version": str(unit.version),
                "head_name": "张主任",
                "phone": "0731-2000",
                "address": "城关大道1号",
            },
        )
        assert saved.status_code == 303

    mine = client.post(
        f"/units/{unit.id}/contact",
        data={
            "csrf_token": my_csrf,
            "version": str(unit.version),
            "head_name": "王主任",
            "phone": "0731-3000",
            "address": "新址路8号",
        },
    )
    assert mine.status_code == 409
    text = html.unescape(mine.text)
    assert "这条记录在您编辑期间已被他人修改" in text
    assert "同事钱七" in text
    notice = text[text.index("已被他人修改") : text.index("</ul>", text.index("已被他人修改"))]
    assert "0731-1000" in notice and "0731-2000" in notice  # what the colleague changed, before → after
    # what I typed is still in the form, ready to resubmit after checking
    assert 'value="王主任"' in text and 'value="0731-3000"' in text and 'value="新址路8号"' in text

    # nothing of mine was saved over the colleague's change
    assert _phone_in_db(db, unit.id) == "0731-2000"
    db.expire_all()
    assert db.get(Unit, unit.id).head_name == "张主任"


def test_page_conflict_on_the_coordinators_unit_form(client, db):
    coordinator = make_user(db, role=Role.coordinator, display_name="统筹员赵")
    unit = make_unit(db, phone="0731-1000")
    staff = make_user(db, unit=unit, display_name="单位员孙")
    db.commit()
    stale = unit.version
    db.info["principal"] = Principal(role=Role.unit_staff, unit_id=unit.id, label="单位员孙(x)", user_id=staff.id)
    unit.phone = "0731-2000"
    db.commit()

    login(client, coordinator.username, PASSWORD)
    csrf = page_csrf(client, f"/admin/units/{unit.id}")
    response = client.post(
        f"/admin/units/{unit.id}",
        data={
            "csrf_token": csrf,
            "version": str(stale),
            "name": unit.name,
            "short_name": "改后简称",
            "kind": unit.kind.value,
            "phone": "0731-9999",
            "sort_order": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 409
    text = html.unescape(response.text)
    assert "已被他人修改" in text and "单位员孙" in text
    assert "0731-1000" in text and "0731-2000" in text
    assert 'value="改后简称"' in text and 'value="0731-9999"' in text
    db.expire_all()
    assert db.get(Unit, unit.id).short_name != "改后简称"


def test_a_lost_update_race_is_refused_by_the_database():
    """Both read version 1; the second writer's UPDATE matches no row and fails, on committed data."""
    url, drop = create_pg_database("zs_race")
    engine = make_engine(url)
    try:
        system.migrate(url)
        factory = make_session_factory(engine)
        with factory() as setup:
            unit = make_unit(setup, phone="0731-1000")
            setup.commit()
            unit_id = unit.id
        actor = Principal(role=Role.coordinator, unit_id=None, label="测试")
        first, second = factory(), factory()
        try:
            first.info["principal"] = second.info["principal"] = actor
            a = first.get(Unit, unit_id)
            b = second.get(Unit, unit_id)
            assert a is not None and b is not None and a.version == b.version == 1

            units.update_contact(first, actor, unit_id, UnitContactUpdate(version=1, phone="0731-2000"))
            first.commit()
            # the second still holds version 1 in memory: the version check passes, the database refuses
            with pytest.raises((StaleDataError, Conflict)):
                units.update_contact(second, actor, unit_id, UnitContactUpdate(version=1, phone="0731-3000"))
                second.commit()
            second.rollback()
        finally:
            first.close()
            second.close()
        with factory() as check:
            assert check.get(Unit, unit_id).phone == "0731-2000"  # type: ignore[union-attr]
    finally:
        engine.dispose()
        drop()
