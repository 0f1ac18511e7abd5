"""Printable pick-up cards: the PDF sheet itself, and the route that fills it from a centre's credentials."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from hardware.clock import FakeClock
from hardware.qr import decode
from kiosk.roster import load_roster
from kiosk.verify import ReplayCache, Verifier
from server.attendance.cards import CardFace, card_sheet_pdf
from server.attendance.operations.credentials import card_text, issue_credential
from server.attendance.operations.roster import build_roster
from server.audit.models import AccessEvent
from server.auth.roles import Role
from server.centre import keys
from server.database import db
from server.people.operations import set_contact_photo
from tests.factories import SYSTEM, link, make_centre, make_child, make_contact, make_login, make_room
from tests.sessions import PASSWORD, log_in

# The card example of docs/qr-credential.md: a real-length v1 card text.
CARD_TEXT = ("TY1C:W8HH+0BM0WJC 86CF3J:GZAKCYA27BBD34PU$AAQSCFK3%3R$J7%3E$*2%-Q3*O8O4XUM5918SARS6S0G AF9.5M-9+K7.L5L1QEE"
             "CNW34 N3R1WPPFJKQYV0GM+7Q")


def _face(**changes: object) -> CardFace:
    values = {"centre_name": "阳光托育中心", "person_name": "李丽", "role_label": "母亲",
              "children": ("王小明",), "qr_text": CARD_TEXT, "credential_id": 1001, "serial": 2,
              "expires_on": date(2029, 8, 31), "photo": None, **changes}
    return CardFace(**values)  # type: ignore[arg-type]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), (190, 150, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def _run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True, timeout=60).stdout


def _write(pdf: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "cards.pdf"
    path.write_bytes(pdf)
    return path


def _page_image(pdf: bytes, tmp_path: Path, dpi: int) -> Image.Image:
    _run("pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", _write(pdf, tmp_path), tmp_path / "page")
    with Image.open(next(tmp_path.glob("page*.png"))) as image:
        return image.convert("L")


def test_the_sheet_embeds_only_the_cjk_truetype_font(tmp_path):
    rows = [line.split() for line in _run("pdffonts", _write(card_sheet_pdf([_face()]), tmp_path)).splitlines()[2:]]
    assert [(row[0].split("+")[-1], row[1], row[3]) for row in rows] == [("WenQuanYiZenHei-0", "TrueType", "yes")]


def test_page_one_renders_with_ink_on_it(tmp_path):
    page = _page_image(card_sheet_pdf([_face()]), tmp_path, dpi=50)
    dark = sum(page.histogram()[:128])
    assert dark / (page.width * page.height) > 0.005  # one card: mostly its QR code


def test_names_round_trip_through_pdftotext(tmp_path):
    text = _run("pdftotext", _write(card_sheet_pdf([_face(children=("王小明", "王小红"))]), tmp_path), "-")
    assert ("李丽" in text, "王小明、王小红" in text, "母亲" in text) == (True, True, True)


def test_eleven_cards_take_two_pages(tmp_path):
    info = _run("pdfinfo", _write(card_sheet_pdf([_face()] * 11), tmp_path))
    assert re.search(r"^Pages:\s+(\d+)", info, re.M).group(1) == "2"


def test_the_printed_qr_decodes_back_to_the_card_text(tmp_path):
    page = _page_image(card_sheet_pdf([_face(photo=_jpeg())]), tmp_path, dpi=200)
    assert decode(page) == [CARD_TEXT]


def test_an_unreadable_photo_prints_the_placeholder():
    assert card_sheet_pdf([_face(photo=b"not an image")]) == card_sheet_pdf([_face(photo=None)])


def test_a_configured_font_that_is_missing_is_an_error():
    with pytest.raises(FileNotFoundError):
        card_sheet_pdf([_face()], font_path="/nonexistent/font.ttf")


def test_tuoyu_pdf_font_chooses_the_font(monkeypatch):
    monkeypatch.setenv("TUOYU_PDF_FONT", "/nonexistent/from-env.ttf")
    with pytest.raises(FileNotFoundError, match="from-env"):
        card_sheet_pdf([_face()])


# --- the route: GET /centres/<code>/cards.pdf -------------------------------------------------------------------


@pytest.fixture
def world(app, clock):
    """A centre, a mother with a photo, her child and a credential; a director who may print cards."""
    now = clock.now()
    centre = make_centre("alpha", now)
    child = make_child(centre, now, room=make_room(centre, now), name="王小明")
    mother = make_contact(centre, now, name="李丽")
    link(child, mother, now)
    photo = set_contact_photo(mother, _jpeg(), "image/jpeg", retain_until=None, actor=SYSTEM, now=now)
    credential = issue_credential(centre, contact=mother, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    make_login("director", now, [(centre, Role.ADMIN)], password=PASSWORD)
    return {"centre": centre, "child": child, "mother": mother, "photo": photo, "credential": credential}


def _sheet(client, query: str = ""):
    return client.get(f"/centres/alpha/cards.pdf{query}")


def test_the_sheet_qr_is_the_signed_card_text_and_the_kiosk_accepts_it(client, world, clock, tmp_path):
    log_in(client, "director")
    response = _sheet(client, f"?credential={world['credential'].id}")
    texts = decode(_page_image(response.data, tmp_path, dpi=200))
    data, signature, _ = build_roster(world["centre"], now=clock.now())
    _, centre_key = keys.signing_key(world["centre"])
    roster = load_roster(data, signature, [centre_key.public_key()], centre_id=world["centre"].id)
    verdict = Verifier(roster, FakeClock(current=clock.now()), ReplayCache()).verify_scan(texts[0])
    assert (response.mimetype, texts, verdict.accepted, verdict.person.name) == (
        "application/pdf", [card_text(world["credential"], now=clock.now())], True, "李丽")


def test_without_credential_ids_every_active_credential_is_printed(client, world, clock, tmp_path):
    now = clock.now()
    father = make_contact(world["centre"], now, name="王刚")
    link(world["child"], father, now)
    issue_credential(world["centre"], contact=father, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    revoked = issue_credential(world["centre"], contact=father, expires_on=date(2027, 9, 1), actor=SYSTEM, now=now)
    revoked.revoked_at = now
    log_in(client, "director")
    texts = decode(_page_image(_sheet(client).data, tmp_path, dpi=200))
    assert len(texts) == 2


def test_each_photo_printed_is_logged(client, world):
    log_in(client, "director")
    _sheet(client)
    logged = db.session.execute(select(AccessEvent).where(AccessEvent.object_type == "photo")).scalars().all()
    assert [(e.action, e.object_id) for e in logged] == [("read", str(world["photo"].id))]


def test_a_caregiver_may_not_print_cards(client, world, clock):
    make_login("caregiver", clock.now(), [(world["centre"], Role.CAREGIVER)], password=PASSWORD)
    log_in(client, "caregiver")
    assert _sheet(client).status_code == 403


def test_a_credential_of_another_centre_is_not_found(client, world, clock):
    now = clock.now()
    other = make_centre("beta", now)
    stranger = issue_credential(other, contact=make_contact(other, now), expires_on=date(2027, 9, 1), actor=SYSTEM,
                                now=now)
    log_in(client, "director")
    assert _sheet(client, f"?credential={stranger.id}").status_code == 404


def test_a_revoked_credential_named_explicitly_is_refused(client, world, clock):
    world["credential"].revoked_at = clock.now()
    log_in(client, "director")
    assert _sheet(client, f"?credential={world['credential'].id}").status_code == 422


def test_the_sheet_needs_alog_in(client, world):
    response = _sheet(client)
    assert (response.status_code, response.headers["Location"].startswith("/login")) == (302, True)
