"""Scans: type by content, size limit, names never reach the disk, director-only and logged downloads."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from sqlalchemy import func, select

from server.audit.models import AccessEvent
from server.database import db
from server.staff.models import StaffDocument
from server.staff.operations.documents import sanitise_name
from tests.server.staff.factories import JPEG, PDF, PNG


def _upload(client, world, data: bytes, name: str = "健康证.pdf", who: str = "director", staff: str = "uncertified",
            content_type: str = "application/pdf"):
    return client.post(f"/api/v1/staff/{world[staff].id}/documents",
                       data={"file": (io.BytesIO(data), name, content_type)}, content_type="multipart/form-data",
                       headers=world[who].headers)


def _documents() -> int:
    return db.session.execute(select(func.count()).select_from(StaffDocument)).scalar_one()


def _files(app) -> list[Path]:
    root = Path(app.config["STAFF_FILES_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_pdf_is_kept_outside_the_database_under_its_hash(app, client, staff_world):
    response = _upload(client, staff_world, PDF)
    sha = hashlib.sha256(PDF).hexdigest()
    assert (response.status_code, response.get_json()["content_type"]) == (201, "application/pdf")
    assert _files(app) == [Path(app.config["STAFF_FILES_DIR"]) / sha[:2] / sha]


def test_jpeg_and_png_are_recognised_by_content(client, staff_world):
    types = [_upload(client, staff_world, data, name="scan.bin", content_type="application/octet-stream")
             .get_json()["content_type"] for data in (JPEG, PNG)]
    assert types == ["image/jpeg", "image/png"]


def test_a_text_file_named_pdf_is_refused_by_its_content(app, client, staff_world):
    response = _upload(client, staff_world, b"just some text, not a scan\n" * 10, name="健康证.pdf")
    assert (response.status_code, response.get_json()["error"]["code"], _documents(), _files(app)) == (
        422, "unsupported_file_type", 0, [])


def test_an_oversized_file_is_refused(app, client, staff_world):
    app.config["STAFF_FILE_MAX_BYTES"] = 1024
    response = _upload(client, staff_world, PDF + b"\0" * 2048)
    assert (response.status_code, response.get_json()["error"]["code"], _documents()) == (422, "file_too_large", 0)


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(app, client, staff_world):
    app.config["STAFF_FILE_MAX_BYTES"] = 1024
    response = _upload(client, staff_world, PDF + b"\0" * 200_000)
    assert (response.status_code, response.get_json()["error"]["code"], _documents()) == (413, "file_too_large", 0)


def test_an_empty_file_is_refused(client, staff_world):
    response = _upload(client, staff_world, b"")
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "empty_file")


def test_a_missing_file_field_is_refused(client, staff_world):
    response = client.post(f"/api/v1/staff/{staff_world['uncertified'].id}/documents", data={"other": "x"},
                           content_type="multipart/form-data", headers=staff_world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "file_required")


def test_path_tricks_in_the_name_never_reach_the_disk(app, client, staff_world):
    response = _upload(client, staff_world, PDF, name="../../../etc/cron.d/evil.pdf")
    root = Path(app.config["STAFF_FILES_DIR"]).resolve()
    assert response.get_json()["original_name"] == "evil.pdf"
    assert all(p.resolve().is_relative_to(root) and "evil" not in p.name for p in _files(app))


def test_names_lose_folders_controls_and_odd_characters():
    assert [sanitise_name(n) for n in ("..\\..\\win.ini", "a\x00b\nc.pdf", "", "..", "体检 (2026).pdf")] == [
        "win.ini", "abc.pdf", "scan", "scan", "体检 (2026).pdf"]


def test_the_same_file_twice_is_kept_once(app, client, staff_world):
    first, second = (_upload(client, staff_world, PDF).get_json()["id"] for _ in range(2))
    assert (first == second, _documents(), len(_files(app))) == (True, 1, 1)


def test_the_director_views_a_scan_and_the_view_is_logged(client, staff_world):
    document_id = _upload(client, staff_world, PDF).get_json()["id"]
    response = client.get(f"/api/v1/staff-documents/{document_id}", headers=staff_world["director"].headers)
    logged = db.session.execute(select(AccessEvent.action, AccessEvent.object_type, AccessEvent.object_id)).all()
    assert (response.status_code, response.data, response.headers["Cache-Control"]) == (200, PDF, "private, no-store")
    assert logged == [("read", "staff_document", str(document_id))]


def test_an_inspector_never_gets_a_scan(client, staff_world):
    document_id = _upload(client, staff_world, PDF).get_json()["id"]
    response = client.get(f"/api/v1/staff-documents/{document_id}", headers=staff_world["inspector"].headers)
    reads = db.session.execute(select(AccessEvent.id).where(AccessEvent.action == "read")).all()
    assert (response.status_code, reads) == (403, [])


def test_a_caregiver_cannot_upload_a_scan(client, staff_world):
    assert _upload(client, staff_world, PDF, who="caregiver").status_code == 403


def test_a_scan_changed_on_disk_is_not_served(app, client, staff_world):
    document_id = _upload(client, staff_world, PDF).get_json()["id"]
    _files(app)[0].write_bytes(PNG)
    response = client.get(f"/api/v1/staff-documents/{document_id}", headers=staff_world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "file_corrupt")


def test_a_credential_may_point_at_its_scan_only_for_the_same_person(client, staff_world):
    document_id = _upload(client, staff_world, PDF, staff="certified").get_json()["id"]
    response = client.post(f"/api/v1/staff/{staff_world['uncertified'].id}/certificates", json={
        "type_code": "health_certificate", "number": "A1", "issuer": "x", "issued_on": "2026-08-01",
        "document_id": document_id}, headers=staff_world["director"].headers)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "unknown_document")
