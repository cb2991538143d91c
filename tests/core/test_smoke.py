from app.models.user import Role
from tests.conftest import login
from tests.factories import PASSWORD, make_user


def test_coordinator_signs_in_and_sees_overview(client, db):
    user = make_user(db, role=Role.coordinator)
    db.commit()
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 303
    home = client.get("/")
    assert home.status_code == 200
    assert "招商局 · 总览" in home.text
