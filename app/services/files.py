"""Evidence files: type judged from the content, photos resized and stripped, stored outside static/.

Photos lose every piece of metadata (EXIF, XMP, ICC comments); the position is kept only when the
user asked for it, and then in the database, never in the file.

An upload is judged and converted in memory (`prepare_upload`) and written to the storage folder
(`store`) only once the record that names it has been accepted: a request that is refused stores
nothing. What a transaction wrote goes with it if it does not commit (a rollback, a savepoint's
rollback, a session closed without committing): the files are registered on the session and
removed by the listeners below. `remove_orphans` (run by `python -m app housekeeping`) removes
whatever is left that no row names, once it is older than a grace period.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from app.db import within_transaction
from app.errors import Invalid, NotFound

log = logging.getLogger("app.files")

Image.MAX_IMAGE_PIXELS = 60_000_000  # a decompression bomb is refused, not decoded

PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "MPO": "image/jpeg"}


@dataclass
class StoredFile:
    kind: str  # photo, document
    content_type: str
    size: int
    sha256: str
    storage_key: str
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    content: bytes | None = field(default=None, repr=False, compare=False)  # to write; None once stored


def _gps_to_decimal(values: tuple[float, float, float], ref: str) -> Decimal:
    degrees, minutes, seconds = (float(v) for v in values)
    value = degrees + minutes / 60 + seconds / 3600
    if ref in ("S", "W"):
        value = -value
    return Decimal(f"{value:.6f}")


def _exif_facts(image: Image.Image) -> tuple[datetime | None, Decimal | None, Decimal | None]:
    try:
        exif = image.getexif()
    except Exception:  # unreadable metadata is simply absent metadata
        return None, None, None
    taken_at = None
    details = exif.get_ifd(0x8769)
    raw = details.get(0x9003) or exif.get(0x0132)  # when taken (DateTimeOriginal), else DateTime
    if isinstance(raw, str):
        try:
            local = datetime.strptime(raw.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
            offset = details.get(0x9011)  # OffsetTimeOriginal, e.g. "+08:00"; cameras often leave it out
            zone = ZoneInfo("Asia/Shanghai")  # a camera's clock shows local time: the county's
            if isinstance(offset, str) and len(offset.strip()) == 6:
                zone = datetime.strptime(offset.strip(), "%z").tzinfo or zone  # type: ignore[assignment]
            taken_at = local.replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            taken_at = None
    lat = lon = None
    gps = exif.get_ifd(0x8825)
    try:
        if gps and 2 in gps and 4 in gps:
            lat = _gps_to_decimal(gps[2], gps.get(1, "N"))
            lon = _gps_to_decimal(gps[4], gps.get(3, "E"))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                lat = lon = None
    except (TypeError, ValueError, ZeroDivisionError):
        lat = lon = None
    return taken_at, lat, lon


def _key(data: bytes, suffix: str) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    return digest, f"{digest[:2]}/{digest[2:4]}/{digest}{suffix}"


def prepare_upload(
    data: bytes,
    *,
    field: str,
    max_bytes: int,
    max_side: int,
    keep_position: bool,
    allow_documents: bool = True,
) -> StoredFile:
    """Judge and convert one upload in memory; raise Invalid (in Chinese, on `field`) if it is not
    acceptable. Nothing is written: `store` does that once the record naming it is accepted."""
    if not data:
        raise Invalid({field: "文件是空的"})
    if len(data) > max_bytes:
        raise Invalid({field: f"文件不能超过 {max_bytes // 1_048_576} MB"})
    if data.startswith(b"%PDF-"):
        if not allow_documents:
            raise Invalid({field: "这里只接受照片（JPEG、PNG、WebP）"})
        digest, key = _key(data, ".pdf")
        return StoredFile("document", "application/pdf", len(data), digest, key, content=data)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
            probe.verify()
        if image_format not in PHOTO_FORMATS:
            raise UnidentifiedImageError(image_format)
        if width * height > (Image.MAX_IMAGE_PIXELS or 0):  # Pillow only warns below twice the limit
            raise Image.DecompressionBombError(f"{width}x{height}")
        with Image.open(io.BytesIO(data)) as opened:
            taken_at, lat, lon = _exif_facts(opened)
            image: Image.Image = ImageOps.exif_transpose(opened)
            image.thumbnail((max_side, max_side))
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.info = {}  # JPEG comments, XMP, ICC and the like would otherwise be written out again
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=82, optimize=True, progressive=True, exif=b"")
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        kinds = "照片（JPEG、PNG、WebP）或 PDF" if allow_documents else "照片（JPEG、PNG、WebP）"
        raise Invalid({field: f"无法识别的文件，请上传{kinds}"}) from None
    converted = out.getvalue()
    digest, key = _key(converted, ".jpg")
    return StoredFile(
        "photo",
        "image/jpeg",
        len(converted),
        digest,
        key,
        width,
        height,
        taken_at,
        lat if keep_position else None,
        lon if keep_position else None,
        content=converted,
    )


def _write(root: Path, key: str, data: bytes) -> int | None:
    """Write the file under its key; its modification time (ns) if this call created it, else None.

    The key is the content's hash, so a file already there is the same file: it is left as it is but
    touched, so that housekeeping (which spares recent files) does not take it while the row that
    now names it is being committed, and a request that created it and rolls back spares it too."""
    path = root / key
    if path.exists():
        try:
            os.utime(path)
            return None
        except FileNotFoundError:  # removed meanwhile: write it again
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}.part")  # two writers never share a part
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.stat().st_mtime_ns


def store(session: Session | None, root: Path, files: list[StoredFile]) -> list[StoredFile]:
    """Write prepared files to the storage folder, for the session's transaction.

    Call it once the record that names them has been accepted. A file this call created is removed
    again if the transaction (or the savepoint it was written in) does not commit."""
    transaction = _current_transaction(session) if session is not None else None
    for stored in files:
        if stored.content is None:
            continue
        written = _write(root, stored.storage_key, stored.content)
        stored.content = None
        if written is not None and session is not None and transaction is not None:
            session.info.setdefault(_WRITTEN, []).append((transaction, root / stored.storage_key, written))
    return files


def save_upload(
    root: Path,
    data: bytes,
    *,
    field: str,
    max_bytes: int,
    max_side: int,
    keep_position: bool,
    allow_documents: bool = True,
    session: Session | None = None,
) -> StoredFile:
    """Validate and store one upload at once (the demo data): `prepare_upload` then `store`."""
    prepared = prepare_upload(
        data,
        field=field,
        max_bytes=max_bytes,
        max_side=max_side,
        keep_position=keep_position,
        allow_documents=allow_documents,
    )
    return store(session, root, [prepared])[0]


def read(root: Path, storage_key: str) -> bytes:
    """A stored file's bytes. One missing from the store (lost with a disk, or never restored from a
    backup) is answered 404 with a message, never a server error."""
    path = (root / storage_key).resolve()
    try:
        if root.resolve() not in path.parents:
            raise FileNotFoundError(storage_key)
        return path.read_bytes()
    except FileNotFoundError:
        log.warning("stored file missing: %s", storage_key)
        raise NotFound("该文件已不在存储中，请联系管理员") from None


# --- what a transaction wrote goes with it if it does not commit -----------------------------

_WRITTEN = "files_written"  # session.info: [(transaction, path, mtime_ns)] written in this transaction


def _current_transaction(session: Session) -> SessionTransaction:
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        transaction = session.begin()  # what autobegin would have opened (no I/O until used)
    return transaction


def written_by(session: Session) -> list[Path]:
    """The files the session's open transaction has written (removed unless it commits)."""
    return [path for _transaction, path, _mtime in session.info.get(_WRITTEN, [])]


def _remove(entries: list[tuple[SessionTransaction, Path, int]]) -> None:
    for _transaction, path, mtime_ns in entries:
        try:
            if path.stat().st_mtime_ns != mtime_ns:
                continue  # another request stored the same content since: it is theirs now
            path.unlink()
            log.info("removed %s: its transaction did not commit", path.name)
        except FileNotFoundError:
            continue
        except OSError as exc:  # housekeeping takes it later
            log.warning("could not remove %s: %s", path, exc)


@event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    entries: list[tuple[SessionTransaction, Path, int]] | None = session.info.get(_WRITTEN)
    if not entries:
        return
    undone = previous_transaction  # the savepoint or the transaction the database rolled back
    while undone.parent is not None and not undone.nested:
        undone = undone.parent
    gone = [entry for entry in entries if within_transaction(entry[0], undone)]
    session.info[_WRITTEN] = [entry for entry in entries if not within_transaction(entry[0], undone)]
    _remove(gone)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    """A session closed without committing (nor rolling back explicitly) keeps none of its files."""
    if transaction.parent is None and session.info.get(_WRITTEN):
        _remove(session.info.pop(_WRITTEN))


# --- housekeeping: files no row names ---------------------------------------------------------


@dataclass
class Removed:
    keys: list[str] = field(default_factory=list)
    total_bytes: int = 0


def referenced_keys(db: Session) -> set[str]:
    """Every storage key a row names (project evidence, ticket photos, supervised tasks' evidence)."""
    from app.models.land import CarrierPhoto
    from app.models.project import Attachment
    from app.models.task import TaskFile
    from app.models.ticket import TicketPhoto

    keys = set(db.execute(select(Attachment.storage_key)).scalars())
    keys.update(db.execute(select(TicketPhoto.storage_key)).scalars())
    keys.update(db.execute(select(TaskFile.storage_key)).scalars())
    keys.update(db.execute(select(CarrierPhoto.storage_key)).scalars())  # plots' and buildings' photos
    return keys


def remove_orphans(db: Session, root: Path, *, grace: timedelta) -> Removed:
    """Remove the files in the storage folder that no row names and that are older than `grace`
    (a file being stored by a request still in progress is recent, and spared); empty folders go too."""
    removed = Removed()
    if not root.is_dir():
        return removed
    cutoff = time.time() - grace.total_seconds()
    candidates = []
    for path in root.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                candidates.append(path)
        except FileNotFoundError:
            continue
    if not candidates:
        return removed
    keys = referenced_keys(db)  # read after the candidates: a row committed meanwhile is seen
    for path in sorted(candidates):
        key = path.relative_to(root).as_posix()
        if key in keys:
            continue
        try:
            stat = path.stat()
            if stat.st_mtime >= cutoff:  # stored again (touched) since it was listed
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        removed.keys.append(key)
        removed.total_bytes += stat.st_size
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()  # only if empty
        except OSError:
            continue
    return removed
