"""Values the database cannot hold are a client error (404/422), never a 500."""

import pytest

from app.models.user import Role
from tests.conftest import login
from tests.factories import PASSWORD, make_user

HUGE = "9" * 22


@pytest.mark.parametrize("path", [f"/leads/{HUGE}", f"/investors/{HUGE}", f"/tickets/{HUGE}", f"/projects/{HUGE}"])
def test_huge_ids_are_refused_cleanly(client, db, path):
    user = make_user(db, role=Role.coordinator)
    db.commit()
    login(client, user.username, PASSWORD)
    assert client.get(path).status_code in (404, 422)
