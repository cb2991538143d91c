"""Fixtures for the teams and letters tests: several people signed in at once, each in their own browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models.user import User
from tests.conftest import login
from tests.factories import PASSWORD


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
