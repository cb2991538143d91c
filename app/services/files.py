"""Evidence files: type judged from the content, photos resized and stripped, stored outside static/.

Photos lose every piece of metadata (EXIF, XMP, ICC comments); the position is kept only when the
user asked for it, and then in the database, never in the file.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import Invalid

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


def _store(root: Path, data: bytes, suffix: str) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest[2:4]}/{digest}{suffix}"
    path = root / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return digest, key


def save_upload(
    root: Path,
    data: bytes,
    *,
    field: str,
    max_bytes: int,
    max_side: int,
    keep_position: bool,
    allow_documents: bool = True,
) -> StoredFile:
    """Validate and store one upload; raise Invalid (in Chinese, on `field`) if it is not acceptable."""
    if not data:
        raise Invalid({field: "文件是空的"})
    if len(data) > max_bytes:
        raise Invalid({field: f"文件不能超过 {max_bytes // 1_048_576} MB"})
    if data.startswith(b"%PDF-"):
        if not allow_documents:
            raise Invalid({field: "这里只接受照片（JPEG、PNG、WebP）"})
        digest, key = _store(root, data, ".pdf")
        return StoredFile("document", "application/pdf", len(data), digest, key)
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
    stored = out.getvalue()
    digest, key = _store(root, stored, ".jpg")
    return StoredFile(
        "photo",
        "image/jpeg",
        len(stored),
        digest,
        key,
        width,
        height,
        taken_at,
        lat if keep_position else None,
        lon if keep_position else None,
    )


def read(root: Path, storage_key: str) -> bytes:
    path = (root / storage_key).resolve()
    if root.resolve() not in path.parents:
        raise FileNotFoundError(storage_key)
    return path.read_bytes()
