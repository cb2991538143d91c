"""The coordinator's project list: the unit picker is kept between requests but never shown stale."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.models.user import Role
from tests.factories import make_unit, make_user


def test_unit_picker_follows_changes_to_the_units(db: Session, signed_in) -> None:
    n = uuid.uuid4().hex[:6]
    parent = make_unit(db, name=f"甲县{n}")
    child = make_unit(db, name=f"甲县商务局{n}", parent_id=parent.id)
    coordinator = make_user(db, role=Role.coordinator)
    browser = signed_in(coordinator)

    page = browser.get("/projects")
    assert page.status_code == 200
    assert f'<option value="{parent.id}">甲县{n}</option>' in page.text
    assert f'<option value="{child.id}">　甲县商务局{n}</option>' in page.text  # indented under its parent

    chosen = browser.get(f"/projects?unit_id={child.id}")
    assert f'<option value="{child.id}" selected>' in chosen.text
    assert f'<option value="{parent.id}" selected>' not in chosen.text

    child.name = f"甲县商务和信息化局{n}"  # renamed: the picker is built again
    db.commit()
    assert f"甲县商务和信息化局{n}</option>" in browser.get("/projects").text
    added = make_unit(db, name=f"乙县{n}<新>")
    db.commit()
    page = browser.get("/projects")
    assert f'<option value="{added.id}">乙县{n}&lt;新&gt;</option>' in page.text  # escaped
    added.is_active = False
    db.commit()
    assert f'value="{added.id}"' not in browser.get("/projects").text


def test_filtering_with_htmx_sends_only_the_results(db: Session, signed_in) -> None:
    coordinator = make_user(db, role=Role.coordinator)
    browser = signed_in(coordinator)
    fragment = browser.get("/projects?stage=signed", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'id="results"' in fragment.text and 'id="f-unit_id"' not in fragment.text
    assert 'id="f-unit_id"' in browser.get("/projects?stage=signed").text
