"""Time the per-mu evaluation (亩均评价) of every project and firm on the province-sized data set.

    .venv/bin/python bench/generate.py --seed 1 --target postgresql --pg-database zs_bench_mujun
    .venv/bin/python bench/per_mu.py --pg-database zs_bench_mujun                # target: under 2 s

Prints, for the last full year of the data set (2025): the projects and firms evaluated, the grades, and
the time of `per_mu.compute` (every project's and firm's figures, scores and grades: what a preview page and
publishing compute), of the first page of the preview list and of the publication (the frozen rows written
and the firms' grades copied onto their projects, rolled back afterwards). Best and median of --runs.
Then the land inventory's (载体资源) reads over the data set's plots: the first page of available plots, the
idle and unsupplied land report by park, and a project's land match.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models.land import LandPlot
from app.models.per_mu import PerMuLevel
from app.models.project import Project, Stage
from app.models.user import Role
from app.principal import Principal
from app.schemas.per_mu import PublishIn, SchemeIn
from app.services import land, per_mu
from bench.generate import PG_ADMIN

YEAR = 2025
COORDINATOR = Principal(role=Role.coordinator, unit_id=None, label="bench")


def timed(runs: int, work) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-database", default="zs_bench")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + args.pg_database
    engine = make_engine(url)
    params = per_mu.DEFAULT_PARAMS
    with Session(engine) as db:
        best, median, entries = timed(args.runs, lambda: per_mu.compute(db, YEAR, params))
        assert isinstance(entries, list)
        projects = [e for e in entries if e.level is PerMuLevel.project]
        firms = [e for e in entries if e.level is PerMuLevel.firm]
        grades = Counter(e.evaluation.grade.value if e.evaluation.grade else "未分类" for e in firms)
        print(f"== {args.pg_database}: {YEAR}, {len(projects):,} projects and {len(firms):,} firms evaluated")
        print(f"  firms by grade: {dict(sorted(grades.items()))}")
        print(f"  compute (every project and firm)   best {best:6.3f} s   median {median:6.3f} s   target < 2 s")
        best, median, _ = timed(args.runs, lambda: per_mu.results_page(db, COORDINATOR, YEAR, per_mu.Filters()))
        print(f"  preview list, first page of 50     best {best:6.3f} s   median {median:6.3f} s")
        scheme = SchemeIn.model_validate(
            {
                **{f"weight_{k}": v for k, v in params["weights"].items()},
                **{f"benchmark_{k}": v for k, v in params["benchmarks"].items()},
                **{f"band_{k.lower()}": v for k, v in params["bands"].items()},
            }
        )
        started = time.perf_counter()
        row = per_mu.set_scheme(db, COORDINATOR, YEAR, scheme)
        per_mu.publish(db, COORDINATOR, YEAR, PublishIn(version=row.version, confirm_early=True))
        published = time.perf_counter() - started
        started = time.perf_counter()
        per_mu.results_page(db, COORDINATOR, YEAR, per_mu.Filters(level=PerMuLevel.firm, grade="D"))
        frozen_list = time.perf_counter() - started
        db.rollback()
        print(f"  publish ({row.results_count:,} rows frozen, grades copied)  {published:6.3f} s (rolled back)")
        print(f"  published list, D firms, first page  {frozen_list:6.3f} s")

        # every production-stage project with a 2025 result, as if each had produced all year: the
        # evaluation at its largest on this data set (results added in the transaction, rolled back)
        added = db.execute(
            text(
                "INSERT INTO project_result (project_id, period_kind, year, output, tax, jobs, energy_tce,"
                " land_used_mu, source, evidence_no, note, status, review_note, version, created_at, updated_at)"
                " SELECT p.id, 'year', :year, 50 * (80 + p.id % 820), 50 * (80 + p.id % 820) * 0.05, 100,"
                " 50 * (80 + p.id % 820) / 4.0, COALESCE(p.land_area_mu, 50), 'tax_bureau', '', '', 'confirmed', '',"
                " 1, now(), now() FROM project p WHERE p.stage IN ('production', 'full_capacity')"
                " AND NOT EXISTS (SELECT 1 FROM project_result r WHERE r.project_id = p.id AND r.year = :year"
                " AND r.quarter IS NULL)"
            ),
            {"year": YEAR},
        ).rowcount
        best, median, entries = timed(args.runs, lambda: per_mu.compute(db, YEAR, params))
        assert isinstance(entries, list)
        firms_all = sum(1 for e in entries if e.level is PerMuLevel.firm)
        db.rollback()
        print(
            f"== every production-stage project with a {YEAR} result ({added:,} added, rolled back):"
            f" {len(entries) - firms_all:,} projects and {firms_all:,} firms"
        )
        print(f"  compute (every project and firm)   best {best:6.3f} s   median {median:6.3f} s   target < 2 s")

        plots = db.execute(select(func.count()).select_from(LandPlot)).scalar_one()
        print(f"== land: {plots:,} plots")
        available = land.CarrierFilter(status="available")
        best, median, _ = timed(args.runs, lambda: land.list_rows(db, COORDINATOR, "plots", available))
        print(f"  available plots, first page of 20  best {best:6.3f} s   median {median:6.3f} s")
        best, median, _ = timed(args.runs, lambda: land.land_report(db, "park"))
        print(f"  idle and unsupplied land by park   best {best:6.3f} s   median {median:6.3f} s")
        project_id = db.execute(
            select(Project.id).where(Project.stage == Stage.signed).order_by(Project.id).limit(1)
        ).scalar_one()
        need = land.need_of(db, COORDINATOR, project_id)
        best, median, _ = timed(args.runs, lambda: land.match(db, COORDINATOR, project_id, need))
        print(f"  a project's land match (20 best)   best {best:6.3f} s   median {median:6.3f} s")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
