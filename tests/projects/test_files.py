"""Evidence files: photos resized and stripped of metadata, types judged by content, kept outside the served folders."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from app.config import BASE_DIR
from app.models.project import Attachment, ProgressUpdate, Stage
from app.services import workdays
from tests.conftest import login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.projects.factories import jpeg_with_exif, make_project, pdf_bytes, png_bytes
from tests.projects.helpers import post_form

TODAY = workdays.today()


@pytest.fixture
def unit(db):
    return make_unit(db)


@pytest.fixture
def site(db, unit):
    return make_project(db, unit, stage=Stage.started)


@pytest.fixture
def clerk(db, unit, client):
    user = make_user(db, unit)
    db.commit()
    assert login(client, user.username, PASSWORD).status_code == 303
    return client


def report_progress(client, project_id: int, photo: bytes, name: str = "IMG_0001.jpg", **extra: str):
    return post_form(
        client,
        f"/projects/{project_id}/progress",
        {"investment_completed": "300", "built": "厂房基础施工", "reported_on": TODAY.isoformat(), **extra},
        files=[("photos", (name, photo, "image/jpeg"))],
    )


def attachments(db, project_id: int) -> list[Attachment]:
    db.expire_all()
    return list(
        db.execute(select(Attachment).where(Attachment.project_id == project_id).order_by(Attachment.id)).scalars()
    )


def stored_path(files_dir: Path, row: Attachment) -> Path:
    return files_dir / row.storage_key


def test_a_camera_photo_is_resized_and_stored_without_its_metadata(clerk, db, site, files_dir, settings):
    original = jpeg_with_exif((2400, 1800), model="TestCam X100")
    assert b"TestCam X100" in original  # the camera wrote its model and position

    saved = report_progress(clerk, site.id, original)

    assert saved.status_code == 303, saved.text[:500]
    [row] = attachments(db, site.id)
    data = stored_path(files_dir, row).read_bytes()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {} and "exif" not in image.info
    assert b"TestCam" not in data and b"TestMaker" not in data
    assert max(image.size) == settings.photo_max_side == 1600 and image.size == (1600, 1200)
    assert (row.width, row.height, row.kind, row.content_type) == (1600, 1200, "photo", "image/jpeg")
    assert (row.latitude, row.longitude) == (None, None)  # the user did not ask to keep the position
    assert row.taken_at is not None and row.taken_at.date() == date(2026, 3, 5)
    db.expire_all()
    update = db.execute(select(ProgressUpdate).where(ProgressUpdate.project_id == site.id)).scalar_one()
    assert row.owner_type == "progress_update" and row.owner_id == update.id


def test_the_position_is_kept_only_when_the_user_asks_and_never_in_the_file(clerk, db, site, files_dir, unit, client):
    saved = report_progress(clerk, site.id, jpeg_with_exif(lat=28.228, lon=112.938), keep_photo_position="on")

    assert saved.status_code == 303
    [row] = attachments(db, site.id)
    assert float(row.latitude) == pytest.approx(28.228, abs=1e-4)
    assert float(row.longitude) == pytest.approx(112.938, abs=1e-4)
    assert dict(Image.open(stored_path(files_dir, row)).getexif()) == {}
    headers = bearer(make_token(db, unit))
    db.commit()
    listed = client.get(f"/api/v1/projects/{site.id}/attachments", headers=headers)
    assert float(listed.json()[0]["latitude"]) == pytest.approx(28.228, abs=1e-4)


def test_a_small_photo_is_not_enlarged(clerk, db, site):
    assert report_progress(clerk, site.id, jpeg_with_exif((640, 480))).status_code == 303
    [row] = attachments(db, site.id)
    assert (row.width, row.height) == (640, 480)


def test_the_type_is_judged_from_the_content_not_the_name(client, db, site, unit, files_dir):
    headers = bearer(make_token(db, unit))
    db.commit()

    uploaded = client.post(
        f"/api/v1/projects/{site.id}/attachments",
        files=[
            ("files", ("scan.pdf", png_bytes(), "application/pdf")),  # a PNG named .pdf
            ("files", ("photo.jpg", pdf_bytes(), "image/jpeg")),  # a PDF named .jpg
        ],
        headers=headers,
    )

    assert uploaded.status_code == 201, uploaded.text
    by_name = {a.original_name: a for a in attachments(db, site.id)}
    assert (by_name["scan.pdf"].kind, by_name["scan.pdf"].content_type) == ("photo", "image/jpeg")
    assert Image.open(stored_path(files_dir, by_name["scan.pdf"])).format == "JPEG"
    assert (by_name["photo.jpg"].kind, by_name["photo.jpg"].content_type) == ("document", "application/pdf")
    download = client.get(f"/api/v1/projects/{site.id}/attachments/{by_name['photo.jpg'].id}", headers=headers)
    assert download.headers["content-type"] == "application/pdf" and download.content == pdf_bytes()


def test_a_text_file_named_jpg_is_refused_in_chinese(client, clerk, db, site, unit):
    fake = "这不是照片，是一段文字。\n".encode() * 20

    page = report_progress(clerk, site.id, fake, name="site.jpg")
    assert page.status_code == 422
    assert "无法识别的文件，请上传照片" in page.text
    headers = bearer(make_token(db, unit))
    db.commit()
    api = client.post(
        f"/api/v1/projects/{site.id}/attachments", files=[("files", ("site.jpg", fake, "image/jpeg"))], headers=headers
    )
    assert api.status_code == 422 and "无法识别的文件" in api.json()["details"][0]["message"]
    assert attachments(db, site.id) == []
    db.expire_all()
    assert db.execute(select(ProgressUpdate).where(ProgressUpdate.project_id == site.id)).first() is None


def test_progress_photos_must_be_photos(clerk, db, site):
    refused = report_progress(clerk, site.id, pdf_bytes(), name="report.pdf")
    assert refused.status_code == 422 and "这里只接受照片" in refused.text


def test_a_file_over_10_mb_is_refused(client, clerk, db, site, unit):
    big = jpeg_with_exif((64, 64)) + b"\0" * (10 * 1024 * 1024)  # a valid JPEG start, 10 MB of padding

    page = report_progress(clerk, site.id, big)
    assert page.status_code == 422 and "文件不能超过 10 MB" in page.text
    headers = bearer(make_token(db, unit))
    db.commit()
    api = client.post(
        f"/api/v1/projects/{site.id}/attachments", files=[("files", ("big.jpg", big, "image/jpeg"))], headers=headers
    )
    assert api.status_code == 422 and "10 MB" in api.json()["details"][0]["message"]
    assert attachments(db, site.id) == []


def test_stored_files_are_outside_the_served_folders(clerk, db, site, files_dir):
    assert report_progress(clerk, site.id, jpeg_with_exif()).status_code == 303
    [row] = attachments(db, site.id)
    path = stored_path(files_dir, row).resolve()

    assert path.is_file() and path.is_relative_to(files_dir.resolve())
    assert not path.is_relative_to((BASE_DIR / "app").resolve())
    assert clerk.get(f"/static/{row.storage_key}").status_code == 404
    assert clerk.get(f"/static/../../{path}").status_code == 404


def test_only_those_who_may_see_the_project_get_its_files(app, client, clerk, db, site, unit, signed_in):
    assert report_progress(clerk, site.id, jpeg_with_exif()).status_code == 303
    [row] = attachments(db, site.id)
    other_unit = make_unit(db)
    elsewhere = make_project(db, other_unit)
    outsider = signed_in(make_user(db, other_unit))
    other_token = bearer(make_token(db, other_unit))
    own_token = bearer(make_token(db, unit))
    db.commit()

    own = clerk.get(f"/files/{row.id}")
    assert own.status_code == 200 and own.headers["content-type"] == "image/jpeg"
    assert client.get(f"/api/v1/projects/{site.id}/attachments/{row.id}", headers=own_token).status_code == 200

    assert outsider.get(f"/files/{row.id}").status_code == 404
    assert client.get(f"/api/v1/projects/{site.id}/attachments/{row.id}", headers=other_token).status_code == 404
    assert client.get(f"/api/v1/projects/{site.id}/attachments", headers=other_token).status_code == 404
    # nor by naming a project one may see with another project's file
    assert client.get(f"/api/v1/projects/{elsewhere.id}/attachments/{row.id}", headers=other_token).status_code == 404
    assert outsider.get(f"/projects/{site.id}").status_code == 404
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as nobody:
        anonymous = nobody.get(f"/files/{row.id}")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_at_most_ten_files_at_once(client, db, site, unit):
    headers = bearer(make_token(db, unit))
    db.commit()
    many = [("files", (f"p{n}.png", png_bytes(), "image/png")) for n in range(11)]

    refused = client.post(f"/api/v1/projects/{site.id}/attachments", files=many, headers=headers)

    assert refused.status_code == 422 and "最多上传 10 个文件" in refused.text
    assert attachments(db, site.id) == []
    assert client.post(f"/api/v1/projects/{site.id}/attachments", files=many[:10], headers=headers).status_code == 201
    assert len(attachments(db, site.id)) == 10


def test_a_file_missing_from_the_store_is_answered_not_found_in_chinese(client, clerk, db, site, unit, files_dir):
    """A photo whose stored file was lost (a disk, a restore without the files folder) is a 404 with a
    message on the page and the API, never a server error."""
    assert report_progress(clerk, site.id, jpeg_with_exif()).status_code == 303
    [row] = attachments(db, site.id)
    token = bearer(make_token(db, unit))
    db.commit()
    stored_path(files_dir, row).unlink()

    page = clerk.get(f"/files/{row.id}")
    assert page.status_code == 404 and "该文件已不在存储中" in page.text
    api = client.get(f"/api/v1/projects/{site.id}/attachments/{row.id}", headers=token)
    assert api.status_code == 404 and api.json()["code"] == "not_found"
