"""Time an industry chain's page (产业链) on the province-sized data set: the figures of every link, the lists.

    .venv/bin/python bench/generate.py --seed 1 --target sqlite --sqlite-path /tmp/province.db
    .venv/bin/python bench/chains.py --url sqlite:////tmp/province.db                  # target: under 0.2 s

Prints the chains, links, local firms and projects on links of the data set, then for the chain with the most
projects on its links, best and median of --runs: `chains.view` (the chain, its links in tree order and every
link's figures: what the page's table, picture and XLSX show), the first page of its projects, local firms and
以商招商 rows as a unit's staff sees them (masking included), and `chains.list_chains` (the first page of
chains with their gaps and weak links). Also the whole page's service calls together.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models.chain import ChainLink, ChainLinkFirm, ChainLinkProject, IndustryChain
from app.models.project import Project
from app.models.user import Role
from app.principal import Principal
from app.services import chain_projects, chains

COORDINATOR = Principal(role=Role.coordinator, unit_id=None, label="bench")


def timed(runs: int, work: Callable[[], Any]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="sqlite:///bench/data/province.db", help="the database generate.py made")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    engine = make_engine(args.url)
    with Session(engine) as db:
        counts = [db.execute(select(func.count()).select_from(m)).scalar_one() for m in
                  (IndustryChain, ChainLink, ChainLinkFirm, ChainLinkProject, Project)]  # fmt: skip
        print(f"== {args.url}")
        print("  chains {:,}, links {:,}, local firms {:,}, projects on links {:,} (of {:,})".format(*counts))
        busiest = db.execute(
            select(ChainLink.chain_id, func.count())
            .join(ChainLinkProject, ChainLinkProject.link_id == ChainLink.id)
            .group_by(ChainLink.chain_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        if busiest is None:
            print("  no project on a chain's link: run bench/generate.py first")
            return 1
        chain_id, on_links = busiest
        unit_id = db.execute(
            select(Project.responsible_unit_id)
            .join(ChainLinkProject, ChainLinkProject.project_id == Project.id)
            .join(ChainLink, ChainLink.id == ChainLinkProject.link_id)
            .where(ChainLink.chain_id == chain_id)
            .limit(1)
        ).scalar_one()
        staff = Principal(role=Role.unit_staff, unit_id=unit_id, label="bench staff")
        shown = chains.view(db, COORDINATOR, chain_id)
        print(f"  chain {shown.chain.name}: {len(shown.links)} links, {on_links:,} projects on them, "
              f"{shown.gaps} gaps, {shown.weak} weak")  # fmt: skip
        rows = [
            ("view (links and their figures)", lambda: chains.view(db, staff, chain_id)),
            ("projects, first page of 20", lambda: chain_projects.chain_projects(db, staff, chain_id)),
            ("local firms, first page of 20", lambda: chains.firms(db, staff, chain_id)),
            ("以商招商, first page of 20", lambda: chain_projects.referrals(db, staff, chain_id)),
            ("list of chains, first page", lambda: chains.list_chains(db, staff)),
        ]

        def page() -> None:
            for _label, work in rows[:4]:
                work()

        for label, work in [*rows, ("the whole chain page (the four above)", page)]:
            best, median = timed(args.runs, work)
            print(f"  {label:<40} best {best:6.3f} s   median {median:6.3f} s")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
