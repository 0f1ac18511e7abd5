"""Builders of the staff-files tests, through the real operations (every row audited)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from server.centre.models import Centre, Room
from server.people.models import Staff, StaffRole
from server.people.operations import create_staff
from server.staff.models import Shift, StaffCredential, StaffDocument
from server.staff.operations.credentials import record_credential
from server.staff.operations.documents import upload_document
from server.staff.operations.roster import assign_shift
from server.staff.settings import app_settings
from tests.factories import SYSTEM

# T0 (tests/conftest.py) is Monday 2026-09-07, 09:30 in Shanghai: the centre's "today".
TODAY = date(2026, 9, 7)
# The smallest real PDF, JPEG and PNG headers filetype recognises, padded to look like a scan.
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"


def make_staff(centre: Centre, now: datetime, *, name: str = "张老师", role: StaffRole = StaffRole.CAREGIVER,
               room: Room | None = None, hired_on: date = date(2026, 1, 5)) -> Staff:
    return create_staff(centre, name=name, role=role, hired_on=hired_on, home_room_id=room.id if room else None,
                        actor=SYSTEM, now=now)


def add_credential(staff: Staff, now: datetime, type_code: str, *, issued_on: date | None = None,
                   expires_on: date | None = None, number: str = "440102199001011234", level: str | None = None,
                   today: date = TODAY) -> StaffCredential:
    return record_credential(staff, type_code=type_code, number=number, issuer="广州市卫生健康委员会",
                             issued_on=issued_on or today - timedelta(days=30), expires_on=expires_on, level=level,
                             actor=SYSTEM, now=now, today=today)


def certify(staff: Staff, now: datetime, *, background_expires_on: date | None = None,
            today: date = TODAY) -> list[StaffCredential]:
    """Everything a caregiver needs: a health certificate, a background check and a 保育师 certificate.

    The background check carries the expiry under test (its type has no rulebook cap, so the printed date rules).
    """
    return [
        add_credential(staff, now, "health_certificate", expires_on=today + timedelta(days=300), today=today),
        add_credential(staff, now, "criminal_record_check", expires_on=background_expires_on, number="京公证2026-0001",
                       today=today),
        add_credential(staff, now, "childcare_worker", issued_on=date(2020, 6, 1), number="1931000000123456",
                       level="四级", today=today),
    ]


def staff_files(centre: Centre, staff: Staff, room: Room, now: datetime) -> tuple[StaffCredential, StaffDocument, Shift]:
    """A credential, a scan and a shift of one person (the authorisation matrix's objects)."""
    today = now.date()
    credentials = certify(staff, now, today=today)
    document = upload_document(staff, PDF + str(staff.id).encode(), "健康证.pdf", settings=app_settings(),
                               actor=SYSTEM, now=now)
    shift = assign_shift(centre, staff_id=staff.id, room_id=room.id, day=today, starts=time(8), ends=time(12),
                         actor=SYSTEM, now=now)
    return credentials[0], document, shift
