"""Fixtures for the projects tests: evidence files go to a temporary folder, several people sign in at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.config import Settings
from app.models.user import User
from tests.conftest import login, test_settings
from tests.factories import PASSWORD


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def settings(database: tuple[str, Engine], files_dir: Path) -> Settings:
    """The test settings, with uploaded files kept in this test's own temporary folder."""
    return test_settings(database[0], files_dir=files_dir)


@pytest.fixture
def signed_in(app: FastAPI, db: Session) -> Iterator[Callable[[User], TestClient]]:
    """``signed_in(user)``: a browser (its own cookies) signed in as that user."""
    with ExitStack() as stack:

        def open_as(user: User) -> TestClient:
            db.commit()
            client = stack.enter_context(TestClient(app, base_url="http://testserver", follow_redirects=False))
            response = login(client, user.username, PASSWORD)
            assert response.status_code == 303, response.text[:300]
            return client

        yield open_as
