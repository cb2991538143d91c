"""The browser fixtures (live server, Chromium, phone and desktop pages) live in tests/browser_fixtures.py,
registered once for the whole run (`-p tests.browser_fixtures` in pyproject.toml), so every test folder
shares one Playwright and one live server."""
