"""Browser tests: the real service on a local port, driven by Debian's headless Chromium.

One live server per test session: a fresh SQLite file, migrated with Alembic, holding the demo
county (all accounts share the password ``Demo@2026``). Each test gets its own browser context,
so cookies never leak between tests. A screenshot of every test's last page is written to
``test-artifacts/`` (gitignored) for people to look at.

Outside CI a missing Chromium or Playwright skips these tests with the reason; under CI=true
they fail instead. Never run ``playwright install``: the tests drive /usr/bin/chromium.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CI, create_sqlite_database, test_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEMO_PASSWORD = "Demo@2026"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # inside the checkout, gitignored


def _unavailable(why: str) -> None:
    if CI:
        pytest.fail(f"{why} (browser tests are mandatory under CI=true)")
    pytest.skip(why)


# --- the live server -------------------------------------------------------------------------


class LiveServer:
    """A uvicorn server in a background thread; ``url`` is its base address."""

    def __init__(self, app: Any, database_url: str = "") -> None:
        import uvicorn

        self.database_url = database_url

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))  # a free port, held until uvicorn takes the socket
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self, timeout: float = 20.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise RuntimeError("the live server stopped while starting (see the log above)")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the live server did not answer /healthz within {timeout:.0f} s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def _load_demo(url: str) -> None:
    from app.db import make_engine, make_session_factory, session_scope
    from app.principal import SYSTEM
    from app.services import demo

    engine = make_engine(url)
    try:
        for db in session_scope(make_session_factory(engine)):
            db.info["principal"] = SYSTEM
            demo.load(db)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(session_tmp: Path) -> Iterator[LiveServer]:
    """The service with the demo county, on a free 127.0.0.1 port (app_env=test, MFA off)."""
    from app.main import create_app
    from app.services import system

    url = create_sqlite_database(session_tmp)
    system.migrate(url)
    _load_demo(url)
    app = create_app(test_settings(url))
    server = LiveServer(app, url)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        app.state.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"report_{report.when}", report)  # lets the page fixture name a failure's screenshot
    return report


def _artifact_name(item: pytest.Item, suffix: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name).strip("_")
    return ARTIFACTS / f"{name}{suffix}.png"


@pytest.fixture
def new_page(browser: Any, base_url: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Opens a page in a fresh context: ``new_page()`` a phone (375x812), ``new_page("desktop")``.

    Console errors (including Content-Security-Policy violations) are collected in
    ``page.console_errors``. Every page's final state is saved to test-artifacts/.
    """
    contexts: list[tuple[Any, Any, str]] = []

    def open_page(kind: str = "phone") -> Any:
        phone = kind == "phone"
        context = browser.new_context(
            base_url=base_url,
            viewport=PHONE if phone else DESKTOP,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        contexts.append((context, page, kind))
        return page

    yield open_page

    ARTIFACTS.mkdir(exist_ok=True)
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for index, (context, page, kind) in enumerate(contexts):
        suffix = f"-{kind}" + (f"-{index}" if len(contexts) > 1 else "") + ("-FAILED" if failed else "")
        with contextlib.suppress(Exception):  # a page that crashed or closed leaves no screenshot
            page.screenshot(path=str(_artifact_name(request.node, suffix)), full_page=True)
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A phone-sized page (375x812, touch)."""
    return new_page("phone")


@pytest.fixture
def desktop_page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page (1280x800)."""
    return new_page("desktop")


# --- helpers for tests -----------------------------------------------------------------------


def submit_login(page: Any, username: str, password: str) -> None:
    """Fill in and send the sign-in form as a person would; returns once htmx has swapped the
    answer in (a failed sign-in) or the browser has left /login (a successful one)."""
    form = page.locator("#login-card form")
    form.evaluate("f => f.setAttribute('data-sent', '')")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_function(
        "() => location.pathname !== '/login' || !document.querySelector('#login-card form[data-sent]')"
    )
    page.wait_for_load_state()


def sign_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    submit_login(page, username, password)
    page.wait_for_url(lambda url: "/login" not in url)


def _scalar(server: LiveServer, sql: str, value: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql), {"v": value}).scalar_one())
    finally:
        engine.dispose()


def unit_id_of(server: LiveServer, username: str) -> int:
    """The id of a demo account's unit (ids depend on the order the demo county is built in)."""
    return _scalar(server, "SELECT unit_id FROM user_account WHERE username = :v", username)


def unit_id_named(server: LiveServer, name: str) -> int:
    """The id of a demo unit by its full name."""
    return _scalar(server, "SELECT id FROM unit WHERE name = :v", name)


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))
