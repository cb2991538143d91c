"""The README's two set-up commands stay true: CI runs the README's test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("\n## ", 2)[:2]  # the introduction and the first section: where the two commands are
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", "\n## ".join(setup), re.S)]


def test_the_readme_has_one_command_to_run_the_demo_and_one_to_run_the_tests():
    run_demo, run_tests = _readme_commands()
    assert "demo-data" in run_demo and "serve" in run_demo and "\n" not in run_demo
    assert run_tests.endswith("-m pytest") and "\n" not in run_tests


def test_ci_runs_the_readmes_test_command_verbatim():
    _, run_tests = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == run_tests


def test_browser_screenshots_are_written_inside_the_checkout_in_an_ignored_folder():
    from tests.browser_fixtures import ARTIFACTS

    assert ARTIFACTS == ROOT / "test-artifacts", f"screenshots go to {ARTIFACTS}, outside the checkout {ROOT}"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "test-artifacts/" in ignored


def test_ci_runs_the_linters_and_the_type_checker_before_the_tests():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    commands = [line.strip() for line in ci if line.strip() and not line.lstrip().startswith("#")]
    for check in (".venv/bin/ruff check app tests", ".venv/bin/ruff format --check app tests", ".venv/bin/mypy app"):
        assert check in commands, f".ci/run does not run `{check}`"
        assert commands.index(check) < len(commands) - 1, f"`{check}` runs after the tests"
    assert "set -euo pipefail" in commands, "a failing check must stop the run"


def test_the_command_line_table_lists_every_command_and_option():
    import subprocess
    import sys

    def help_of(*words: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app", *words, "--help"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return done.stdout

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Command line", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z-]+)[^\n]*", table, re.M)}
    listed = re.search(r"\{([a-z,-]+)\}", help_of())
    assert listed is not None, "`python -m app --help` lists no commands"
    commands = listed.group(1).split(",")
    assert sorted(rows) == sorted(commands), "the README's command table and `python -m app --help` differ"
    for command in commands:
        options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", help_of(command))) - {"--help"}
        missing = sorted(o for o in options if o not in rows[command])
        assert not missing, f"the README's row for `{command}` does not mention {missing}"


def test_every_file_the_architecture_page_names_exists():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:app|tests|alembic)/[\w/.*-]+)`", text))
    named |= {"tests/core/" + name for name in re.findall(r"`(test_\w+\.py)`", text)}
    assert len(named) > 15
    missing = sorted(path for path in named if not list(ROOT.glob(path.rstrip("/"))))
    assert not missing, f"ARCHITECTURE.md names files that do not exist: {missing}"
