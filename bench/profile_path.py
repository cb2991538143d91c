"""CPU per request of the API's hottest reads, measured in-process, beside the lean reference.

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
asks it, and the same search on the coordinator's list page), by the service alone. The client's own share (httpx
building and reading the requests) is in both figures alike; the bare /healthz shows its size.

`--profile FILE` writes cProfile statistics of the service's requests (every thread: the event
loop's and the worker threads', merged) and prints the functions with the most own time; with
`--cpu`, each thread's CPU time (time.thread_time) instead of the wall clock, waits left out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
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
from bench.run import READ_TOKEN, database_url, prepare_tokens  # noqa: E402

LEAN_SCENARIOS = frozenset({"project by id", "filtered list of 50"})


def scenarios(facts: dict[str, Any]) -> list[tuple[str, list[str], str]]:
    """(name, paths, who): who asks, "read" (bench/run.py's read token) or one of its signed-in users
    ("staff" for the unit board, "coordinator" for the list)."""
    return [
        ("bare /healthz", ["/healthz"], "read"),
        ("project by id", [f"/api/v1/projects/{i}" for i in facts["project_ids"][:500]], "read"),
        (
            "filtered list of 50",
            [
                "/api/v1/projects?stage=started&limit=50",
                "/api/v1/projects?category=industrial&limit=50&sort=contract",
                "/api/v1/projects?size_band=from_1000&limit=50",
            ],
            "read",
        ),
        # bench/run.py's page scenarios, as its users
        ("unit status board (HTML)", ["/"], "staff"),
        (
            "coordinator list (HTML)",
            ["/projects?stage=signed&sort=contract", "/projects?category=industrial", "/projects?flag=stalled"],
            "coordinator",
        ),
        ("search part of a name", [f"/api/v1/projects?q={part}&limit=50" for part in facts["name_parts"]], "read"),
        # the same search on the coordinator's list page
        ("search on the list (HTML)", [f"/projects?q={part}" for part in facts["name_parts"]], "coordinator"),
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
    app: Any, paths: list[str], n: int, concurrency: int, headers: dict[str, str]
) -> tuple[float, set[int]]:
    """CPU seconds per request for `n` requests over `paths`, and the statuses seen."""
    seen: set[int] = set()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        counter = iter(range(n))

        async def worker() -> None:
            for i in counter:
                response = await client.get(paths[i % len(paths)], headers=headers)
                seen.add(response.status_code)

        await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))  # warm up
        counter = iter(range(n))
        start = time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return (time.process_time() - start) / n, seen


class ThreadProfiles:
    """cProfile in every thread started from now on (anyio's workers), and in this one."""

    def __init__(self, cpu: bool = False) -> None:
        self.timer: Any = time.thread_time if cpu else None  # the thread's CPU time, waits left out
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        def first_call(*_args: Any) -> None:
            sys.setprofile(None)
            profile = cProfile.Profile(self.timer) if self.timer else cProfile.Profile()
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
    parser.add_argument("--cpu", action="store_true", help="profile each thread's CPU time, not the wall clock")
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
    chosen = [s for s in scenarios(facts) if not args.only or any(o in s[0] for o in args.only)]

    async def run() -> None:
        who = {"read": {"Authorization": f"Bearer {READ_TOKEN}"}}
        for role in {s[2] for s in chosen} - {"read"}:
            who[role] = await sign_in(app, facts[role])
        lean = (
            None
            if args.no_lean or not any(s[0] in LEAN_SCENARIOS for s in chosen)
            else LeanApp(url.replace("postgresql+psycopg", "postgresql"), pool_size=8)
        )
        profiles = ThreadProfiles(args.cpu) if args.profile else None
        try:
            if profiles is not None:  # before any worker thread starts: each is profiled from its first call
                profiles.start()
                for name, paths, role in chosen:
                    cpu, seen = await drive(app, paths, args.requests, args.concurrency, who[role])
                    print(f"{name:<26} service {cpu * 1000:6.3f} ms CPU/request (profiled) {sorted(seen)}")
                stats = profiles.stop()
                stats.dump_stats(args.profile)
                stats.sort_stats("tottime").print_stats(50)
                return
            for name, paths, role in chosen:
                cpu, seen = await drive(app, paths, args.requests, args.concurrency, who[role])
                line = f"{name:<26} service {cpu * 1000:6.3f} ms CPU/request {sorted(seen)}"
                if lean is not None and name in LEAN_SCENARIOS:
                    lean_cpu, lean_seen = await drive(lean, paths, args.requests, args.concurrency, who[role])
                    line += f"   lean {lean_cpu * 1000:6.3f} ms {sorted(lean_seen)}   ×{cpu / lean_cpu:4.1f}"
                print(line, flush=True)
        finally:
            if lean is not None:
                await lean.aclose()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
