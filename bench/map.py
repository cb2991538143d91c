"""Time the map's points in view (招商地图) on the province-sized data set with its coordinates.

    .venv/bin/python bench/generate.py --seed 1 --target sqlite --sqlite-path /tmp/province.db
    .venv/bin/python bench/map.py --sqlite-path /tmp/province.db            # target: p95 well under 150 ms
    .venv/bin/python bench/map.py --pg-database zs_bench

Prints the time of `maps.points` (the service function the page's JSON and the API call) for the whole
province zoomed out (zoom 7: clustered), a county (zoom 10: clusters and points) and a town's streets
(zoom 15), each for the coordinator (every project) and a town's staff (its own projects), with how
many points and clusters it answered and how many projects those stand for. p50 and p95 of --runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models.project import Project
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import maps
from bench.generate import EAST, NORTH, PG_ADMIN, SOUTH, WEST

COORDINATOR = Principal(role=Role.coordinator, unit_id=None, label="bench")


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite-path", type=Path, default=None)
    parser.add_argument("--pg-database", default="zs_bench")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    url = f"sqlite:///{args.sqlite_path}" if args.sqlite_path else PG_ADMIN.rsplit("/", 1)[0] + "/" + args.pg_database
    engine = make_engine(url)
    with Session(engine) as db:
        located = db.execute(select(func.count()).select_from(Project).where(Project.latitude.is_not(None))).scalar()
        # the town with the most projects of its own, and where they are
        town_id, lat, lng = db.execute(
            select(Project.responsible_unit_id, func.avg(Project.latitude), func.avg(Project.longitude))
            .join(Unit, Unit.id == Project.responsible_unit_id)
            .where(Unit.kind == UnitKind.town, Project.latitude.is_not(None))
            .group_by(Project.responsible_unit_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        staff = Principal(role=Role.unit_staff, unit_id=town_id, label="bench town")
        lat, lng = float(lat), float(lng)
        views = {
            "province, zoom 7": maps.View(WEST - 0.5, SOUTH - 0.5, EAST + 0.5, NORTH + 0.5, 7),
            "a county, zoom 10": maps.View(lng - 0.35, lat - 0.25, lng + 0.35, lat + 0.25, 10),
            "streets, zoom 15": maps.View(lng - 0.012, lat - 0.008, lng + 0.012, lat + 0.008, 15),
        }
        print(f"== {url}: {located:,} projects with a place")
        for who, principal in (("coordinator", COORDINATOR), ("a town's staff", staff)):
            for label, view in views.items():
                times = []
                answer = maps.points(db, principal, view)
                for _ in range(args.runs):
                    started = time.perf_counter()
                    answer = maps.points(db, principal, view)
                    times.append(time.perf_counter() - started)
                p50, p95 = percentiles(times)
                shown = len(answer.points) + sum(c["count"] for c in answer.clusters)
                print(
                    f"  {who:<15} {label:<18} p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
                    f"{len(answer.points):>5} points {len(answer.clusters):>5} clusters ({shown:,} records)"
                )
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
