"""Audited commits per second: progress updates recorded by threads at once, their audit entries sent
with the COMMIT (app.db.send_with_commit) or before it (a plain commit), in turns.

    .venv/bin/python bench/audited_commits.py --pg-database zs_bench_leanwrite --seconds 10 --rounds 3

Each thread does what the progress POST does, without HTTP: a session, the unit's principal,
`projects.add_progress` on one of the unit's active projects (its row locked FOR UPDATE, the update
and the project's figures flushed, two audit entries made), then the commit, by one path or the
other. The threads stand for the service's database slots (2 workers x 2 by default: 4); they share
one process and its GIL, as a worker's threads do. While the audit chain's advisory lock is held,
every other writer waits: sent with the COMMIT, it is held for one round trip instead of two and
never while the thread holding it waits for the GIL. It writes: run it on a copy of the database.
The modes alternate, so that a machine shared with other work slows both alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from app.db import begin_write, make_engine, make_session_factory, send_with_commit  # noqa: E402
from app.models.project import Project, ProjectStatus  # noqa: E402
from app.models.user import Role  # noqa: E402
from app.principal import Principal  # noqa: E402
from app.schemas.projects import ProgressCreate  # noqa: E402
from app.services import projects, workdays  # noqa: E402
from bench.run import database_url  # noqa: E402


def unit_projects(factory, count: int) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    """The unit with the most active projects, and up to `count` of them."""
    from sqlalchemy import func

    with factory() as db:
        unit_id = db.execute(
            select(Project.responsible_unit_id)
            .where(Project.status == ProjectStatus.active)
            .group_by(Project.responsible_unit_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        ids = list(
            db.execute(
                select(Project.id)
                .where(Project.responsible_unit_id == unit_id, Project.status == ProjectStatus.active)
                .order_by(Project.id)
                .limit(count)
            ).scalars()
        )
    return unit_id, ids


def run(factory, unit_id: int, ids: list[int], threads: int, seconds: float, with_commit: bool) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(commits, failures) in `seconds`."""
    stop = time.monotonic() + seconds
    done = [0] * threads
    failed = [0] * threads
    today = workdays.today()

    def work(n: int) -> None:
        principal = Principal(role=Role.unit_staff, unit_id=unit_id, label="基准:审计提交", request_id=f"bench-{n}")
        i = n
        while time.monotonic() < stop:
            project_id = ids[i % len(ids)]
            i += threads
            db = factory()
            try:
                db.info["principal"] = principal
                begin_write(db)
                data = ProgressCreate(investment_completed=Decimal(1000 + i % 7), built="主体施工", reported_on=today)
                projects.add_progress(db, principal, project_id, data)
                if with_commit:
                    send_with_commit(db)
                else:
                    db.commit()
                done[n] += 1
            except Exception:  # counted: a benchmark goes on
                db.rollback()
                failed[n] += 1
            finally:
                db.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done), sum(failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-database", default="zs_bench_small")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    engine = make_engine(database_url("postgresql", args.pg_database))
    factory = make_session_factory(engine)
    unit_id, ids = unit_projects(factory, 200)
    print(f"{args.threads} threads, unit {unit_id}, {len(ids)} projects, {args.seconds:.0f} s per measurement")
    for _ in range(args.rounds):
        for with_commit in (False, True):
            commits, failures = run(factory, unit_id, ids, args.threads, args.seconds, with_commit)
            mode = "entries sent with the COMMIT" if with_commit else "entries, then COMMIT (before)"
            load = os.getloadavg()[0]
            print(
                f"  {mode:<32} {commits / args.seconds:7.1f} audited commits/s  ({failures} failed; load {load:.1f})",
                flush=True,
            )
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
