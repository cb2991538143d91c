"""Values the database cannot hold are a client error (404/422), never a 500."""

from app.models.user import Role
from tests.conftest import login
from tests.factories import PASSWORD, make_user


def test_huge_ids(client, db):
    u = make_user(db, role=Role.coordinator)
    db.commit()
    login(client, u.username, PASSWORD)
    for p in [
        "/leads/99999999999999999999",
        "/investors/99999999999999999999",
        "/tickets/99999999999999999999",
        "/projects/9999999999999999999999",
    ]:
        r = client.get(p)
        assert r.status_code in (404, 422), (p, r.status_code)
