"""CPU per request of the hottest requests (the API's and the pages'), measured in-process, beside the lean reference.

    .venv/bin/python bench/profile_path.py --pg-database zs_bench_small --requests 2000
    .venv/bin/python bench/profile_path.py --pg-database zs_bench_small --only "by id" --profile by_id.prof
    .venv/bin/python bench/profile_path.py --pg-database zs_bench_small --only HTML --only search --no-lean

For a machine shared with other work, where throughput says little: the process's CPU time (all
threads, from time.process_time) per request, for the project by id and the filtered list of 50
(bench/run.py's scenarios, as its read token), answered by the service (app.main.create_app,
production settings) and by the lean reference (bench/lean.py), each driven in this process by
httpx's ASGI transport with `--concurrency` requests in flight; and for the pages bench/run.py
measures (the unit's board as its unit staff, the coordinator's list as its coordinator, both
signed in through the login form) and the search by part of a name (the API's, as bench/run.py
asks it, and the same search on the coordinator's list page). The client's own share (httpx
building and reading the requests) is in both figures alike; the bare /healthz shows its size.
The progress POST (bench/run.py's, as its unit token, a new Idempotency-Key each time, over the
unit's active projects) has no lean counterpart; it writes: run it on a copy of the database.

`--profile FILE` writes cProfile statistics of the service's requests (every thread: the event
loop's and the worker threads', merged) and prints the functions with the most own time. Times
are each thread's CPU time (time.thread_time), so waiting for the database, a lock or the event
loop counts nothing: what is left is what a request costs the processor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import pstats
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pyotp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, BENCH_TOTP  # noqa: E402
from bench.run import READ_TOKEN, TOKEN, database_url, prepare_tokens  # noqa: E402

LEAN_SCENARIOS = frozenset({"project by id", "filtered list of 50", "search part of a name"})

PROGRESS_BODY = json.dumps({"investment_completed": "1000", "built": "主体施工", "reported_on": "2026-11-20"}).encode()
"""bench/run.py's progress body."""


class Scenario:
    """What is asked, and by whom: a token, or one of bench/run.py's signed-in users (`who`: "staff" for
    the unit board, "coordinator" for the list)."""

    def __init__(
        self, name: str, paths: list[str], *, post: bytes | None = None, token: str = READ_TOKEN, who: str = ""
    ) -> None:
        self.name, self.paths, self.post, self.token, self.who = name, paths, post, token, who


def scenarios(facts: dict[str, Any]) -> list[Scenario]:
    own = facts["own_projects"] or facts["project_ids"][:1]
    return [
        Scenario("bare /healthz", ["/healthz"]),
        Scenario("project by id", [f"/api/v1/projects/{i}" for i in facts["project_ids"][:500]]),
        Scenario(
            "filtered list of 50",
            [
                "/api/v1/projects?stage=started&limit=50",
                "/api/v1/projects?category=industrial&limit=50&sort=contract",
                "/api/v1/projects?size_band=from_1000&limit=50",
            ],
        ),
        Scenario("progress POST", [f"/api/v1/projects/{i}/progress" for i in own], post=PROGRESS_BODY, token=TOKEN),
        # bench/run.py's page scenarios, as its users
        Scenario("unit status board (HTML)", ["/"], who="staff"),
        Scenario(
            "coordinator list (HTML)",
            ["/projects?stage=signed&sort=contract", "/projects?category=industrial", "/projects?flag=stalled"],
            who="coordinator",
        ),
        Scenario("search part of a name", [f"/api/v1/projects?q={part}&limit=50" for part in facts["name_parts"]]),
        # the same search on the coordinator's list page
        Scenario(
            "search on the list (HTML)", [f"/projects?q={part}" for part in facts["name_parts"]], who="coordinator"
        ),
    ]


async def sign_in(app: Any, username: str) -> dict[str, str]:
    """The session cookie of `username` (bench/run.py's login, through the ASGI transport)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        response = await client.post(
            "/login", data={"csrf_token": token, "username": username, "password": BENCH_PASSWORD, "next": "/"}
        )
        if response.headers.get("location") == "/login/2fa":
            page = await client.get("/login/2fa")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            code = pyotp.TOTP(BENCH_TOTP).now()
            response = await client.post("/login/2fa", data={"csrf_token": token, "code": code})
        for header in response.headers.get_list("set-cookie"):
            if header.startswith("zs_session="):
                return {"Cookie": header.split(";", 1)[0]}
    raise SystemExit(f"could not sign in as {username}: {response.status_code}")


async def drive(
    app: Any, scenario: Scenario, n: int, concurrency: int, cookies: dict[str, dict[str, str]]
) -> tuple[float, set[int]]:
    """CPU seconds per request for `n` requests of the scenario, and the statuses seen."""
    headers = cookies[scenario.who] if scenario.who else {"Authorization": f"Bearer {scenario.token}"}
    paths, body = scenario.paths, scenario.post
    run = f"{time.time_ns():x}"
    seen: set[int] = set()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        counter = iter(range(n))
        sent = iter(range(10**9))  # each POST's own Idempotency-Key

        async def worker() -> None:
            for i in counter:
                # requests in flight go to different projects (as bench/run.py's threads do)
                path = paths[i % len(paths)]
                if body is None:
                    response = await client.get(path, headers=headers)
                else:
                    key = {"Idempotency-Key": f"profile-{run}-{next(sent)}", "Content-Type": "application/json"}
                    response = await client.post(path, content=body, headers=headers | key)
                seen.add(response.status_code)

        await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))  # warm up
        counter = iter(range(n))
        start = time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return (time.process_time() - start) / n, seen


class ThreadProfiles:
    """cProfile in every thread started from now on (anyio's workers), and in this one, timed by
    the thread's CPU time."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        def first_call(*_args: Any) -> None:
            sys.setprofile(None)
            profile = cProfile.Profile(time.thread_time)
            with self.lock:
                self.profiles.append(profile)
            profile.enable()

        threading.setprofile(first_call)
        first_call()

    def stop(self) -> pstats.Stats:
        threading.setprofile(None)  # type: ignore[arg-type]
        for profile in self.profiles:
            profile.disable()  # (only this thread's takes effect; the others' stats are read as they stand)
        stats = pstats.Stats(self.profiles[0])
        for profile in self.profiles[1:]:
            with contextlib.suppress(TypeError):  # a profile with no calls
                stats.add(profile)
        return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-database", default="zs_bench_small")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--no-lean", action="store_true")
    parser.add_argument("--profile", help="write the service's cProfile statistics here")
    args = parser.parse_args()

    url = database_url("postgresql", args.pg_database)
    facts = prepare_tokens(url)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "APP_ENV": "production",
            "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop",
            "THROTTLE_PER_ADDRESS": "100000",
            "SESSION_IDLE_MINUTES": "120",
        }
    )
    from app.config import get_settings
    from app.main import create_app
    from bench.lean import LeanApp

    app = create_app(get_settings())
    chosen = [s for s in scenarios(facts) if not args.only or any(o in s.name for o in args.only)]

    async def run() -> None:
        cookies = {who: await sign_in(app, facts[who]) for who in {s.who for s in chosen} - {""}}
        lean = (
            None
            if args.no_lean or not any(s.name in LEAN_SCENARIOS for s in chosen)
            else LeanApp(url.replace("postgresql+psycopg", "postgresql"), pool_size=8)
        )
        profiles = ThreadProfiles() if args.profile else None
        try:
            if profiles is not None:  # before any worker thread starts: each is profiled from its first call
                profiles.start()
                for scenario in chosen:
                    cpu, seen = await drive(app, scenario, args.requests, args.concurrency, cookies)
                    print(f"{scenario.name:<22} service {cpu * 1000:6.3f} ms CPU/request (profiled) {sorted(seen)}")
                stats = profiles.stop()
                stats.dump_stats(args.profile)
                stats.sort_stats("tottime").print_stats(50)
                return
            for scenario in chosen:
                cpu, seen = await drive(app, scenario, args.requests, args.concurrency, cookies)
                line = f"{scenario.name:<22} service {cpu * 1000:6.3f} ms CPU/request {sorted(seen)}"
                if lean is not None and scenario.name in LEAN_SCENARIOS:
                    lean_cpu, lean_seen = await drive(lean, scenario, args.requests, args.concurrency, cookies)
                    line += f"   lean {lean_cpu * 1000:6.3f} ms {sorted(lean_seen)}   ×{cpu / lean_cpu:4.1f}"
                print(line, flush=True)
        finally:
            if lean is not None:
                await lean.aclose()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
