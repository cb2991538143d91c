"""Time `python -m app backup` on a SQLite database of a few hundred MB while the service writes.

    .venv/bin/python bench/backup_under_load.py --mb 300 --rate 200

Builds a migrated database plus a table of random blobs, starts a writer that commits one unit
(with its audit entry) through the app's engine `--rate` times a second, and times three ways of
copying it: the old backup (1,024 pages a step, restarted by every commit between two steps; given
up after `--old-limit` seconds), the new single-step backup, and VACUUM INTO. Figures, not
assertions: bench/FINDINGS.md quotes them.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import make_engine, make_session_factory  # noqa: E402
from app.models.unit import Unit, UnitKind  # noqa: E402
from app.principal import SYSTEM  # noqa: E402
from app.services import system  # noqa: E402


def build(path: Path, megabytes: int) -> str:
    url = f"sqlite:///{path}"
    system.migrate(url)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bulk_blob (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO bulk_blob (payload) SELECT randomblob(65536) FROM n",
        (megabytes * 16,),
    )
    conn.commit()
    conn.close()
    return url


class Writer(threading.Thread):
    def __init__(self, url: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.factory = make_session_factory(self.engine)
        self.interval = 1.0 / rate
        self.stop = threading.Event()
        self.count = 0

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            with self.factory() as db:
                db.info["principal"] = SYSTEM
                db.add(Unit(name=f"备份期间的单位{self.count:07d}", kind=UnitKind.town))
                db.commit()
            self.count += 1
            time.sleep(max(0.0, self.interval - (time.monotonic() - started)))


def old_backup(source_path: Path, target: Path, limit: float) -> tuple[float, int, bool]:
    """The previous method: 1,024 pages a step. Returns (seconds, restarts, finished)."""
    started = time.monotonic()
    restarts = 0
    last_remaining = -1
    source = sqlite3.connect(str(source_path), timeout=30)
    destination = sqlite3.connect(str(target))

    class GiveUp(Exception):
        pass

    def progress(_status: int, remaining: int, _total: int) -> None:
        nonlocal restarts, last_remaining
        if last_remaining >= 0 and remaining > last_remaining:
            restarts += 1
        last_remaining = remaining
        if time.monotonic() - started > limit:
            raise GiveUp

    finished = True
    try:
        source.backup(destination, pages=1024, progress=progress)
    except GiveUp:
        finished = False
    finally:
        destination.close()
        source.close()
        target.unlink(missing_ok=True)
    return time.monotonic() - started, restarts, finished


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--old-limit", type=float, default=180.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zs-backup-bench-") as tmp:
        path = Path(tmp) / "live.db"
        t0 = time.monotonic()
        url = build(path, args.mb)
        print(f"database {path.stat().st_size / 1048576:.0f} MiB built in {time.monotonic() - t0:.1f} s")
        writer = Writer(url, args.rate)
        writer.start()
        try:
            time.sleep(1.0)
            before = writer.count
            seconds, restarts, finished = old_backup(path, Path(tmp) / "old.db", args.old_limit)
            state = "finished" if finished else "did not finish"
            print(f"old (1,024 pages a step): {state} after {seconds:.1f} s, {restarts} restarts")
            for method in ("backup", "vacuum"):
                w0, t0 = writer.count, time.monotonic()
                result = system.backup_sqlite(url, Path(tmp) / f"{method}.db", method=method)
                rate = (writer.count - w0) / (time.monotonic() - t0)
                print(
                    f"{method}: {result.seconds:.1f} s, {result.size / 1048576:.0f} MiB, "
                    f"writes meanwhile {rate:.0f}/s, sha256 {result.sha256[:16]}…"
                )
            print(f"writer: {writer.count - before} commits during the measurements")
        finally:
            writer.stop.set()
            writer.join()
            writer.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
