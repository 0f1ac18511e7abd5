"""Printable pick-up cards: credit-card-sized faces with the signed kiosk QR, ten to an A4 sheet.

`card_sheet_pdf` is pure (faces in, PDF bytes out); `card_faces` gathers the faces of a centre's
credentials from the database, signs their QR texts and logs every photo it reads.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import segno
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from server.attendance.models import Credential
from server.attendance.operations.credentials import card_text
from server.audit.operations import log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.database import db
from server.errors import NotFound, ProblemCollector
from server.i18n import label
from server.people.models import (
    Child,
    ChildContact,
    Contact,
    Photo,
    Staff,
)

log = logging.getLogger(__name__)

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FALLBACK_CID_FONT = "STSong-Light"  # built into every PDF reader with the Asian pack; not embedded
MAX_CARDS = 300  # 30 pages: a whole centre's adults fit, a mistyped loop does not

# ISO/IEC 7810 ID-1, the size of a bank card, laid out 2 x 5 on A4 with no gutter (straight guillotine cuts).
CARD_W, CARD_H = 85.6 * mm, 54 * mm
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
PAGE_W, PAGE_H = A4
MARGIN_X = (PAGE_W - COLUMNS * CARD_W) / 2
MARGIN_Y = (PAGE_H - ROWS * CARD_H) / 2
MARK_GAP, MARK_LENGTH = 2 * mm, 5 * mm

# The QR with its 4-module quiet zone; a version 6 symbol (41 modules) comes out 30 mm wide, which a
# 720p kiosk camera reads at arm's length.
QR_BOX = 36 * mm
QR_QUIET_MODULES = 4
PHOTO_W, PHOTO_H = 19 * mm, 24 * mm
BAND_H = 7 * mm
INSET = 2 * mm

INK = HexColor("#1a1a1a")
MUTED = HexColor("#5f6368")
BAND = HexColor("#e3eefb")
PLACEHOLDER_BG = HexColor("#eceff1")
PLACEHOLDER_FG = HexColor("#b0bec5")
MARK = Color(0, 0, 0)


@dataclass(frozen=True)
class CardFace:
    """What one printed card shows; its fixed words are drawn in the language of whoever prints it."""

    centre_name: str
    person_name: str
    role_label: str  # e.g. "母亲" (the relationship in the printing language)
    children: tuple[str, ...]  # the children this card may collect (or drop off)
    qr_text: str  # the signed `TY1C:` text
    credential_id: int
    serial: int
    expires_on: date
    photo: bytes | None = None  # JPEG/PNG bytes; a neutral placeholder when None or unreadable


def card_sheet_pdf(cards: Sequence[CardFace], *, font_path: str | os.PathLike[str] | None = None) -> bytes:
    """An A4 PDF with the cards ten to a page (2 x 5), cut marks, the CJK font embedded."""
    font = _register_font(font_path)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1, initialFontName=font)
    canvas.setTitle(gettext("Pick-up cards"))
    canvas.setCreator("tuoyu")
    for start in range(0, max(len(cards), 1), PER_PAGE):
        _draw_cut_marks(canvas)
        _draw_footer(canvas, font)
        for index, face in enumerate(cards[start:start + PER_PAGE]):
            column, row = index % COLUMNS, index // COLUMNS
            x = MARGIN_X + column * CARD_W
            y = PAGE_H - MARGIN_Y - (row + 1) * CARD_H
            _draw_card(canvas, face, x, y, font)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _register_font(font_path: str | os.PathLike[str] | None) -> str:
    """Register the TrueType CJK font once per path; fall back to the CID font only when none is configured."""
    configured = font_path or os.environ.get("TUOYU_PDF_FONT")
    path = Path(configured or DEFAULT_FONT_PATH)
    if not path.is_file():
        if configured:
            raise FileNotFoundError(f"PDF font not found: {path}")
        log.warning("CJK font %s missing; cards use %s, which is not embedded", path, FALLBACK_CID_FONT)
        if FALLBACK_CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
        return FALLBACK_CID_FONT
    name = "CardCJK-" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return name


def _draw_cut_marks(canvas: Canvas) -> None:
    canvas.setStrokeColor(MARK)
    canvas.setLineWidth(0.3)
    top, bottom = PAGE_H - MARGIN_Y, MARGIN_Y
    left, right = MARGIN_X, PAGE_W - MARGIN_X
    for column in range(COLUMNS + 1):
        x = MARGIN_X + column * CARD_W
        canvas.line(x, top + MARK_GAP, x, top + MARK_GAP + MARK_LENGTH)
        canvas.line(x, bottom - MARK_GAP, x, bottom - MARK_GAP - MARK_LENGTH)
    for row in range(ROWS + 1):
        y = MARGIN_Y + row * CARD_H
        canvas.line(left - MARK_GAP, y, left - MARK_GAP - MARK_LENGTH, y)
        canvas.line(right + MARK_GAP, y, right + MARK_GAP + MARK_LENGTH, y)


def _draw_footer(canvas: Canvas, font: str) -> None:
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 6.5)
    canvas.drawCentredString(PAGE_W / 2, 3.5 * mm,
                             gettext("Print at actual size (100%) and cut along the marks"))


def _draw_card(canvas: Canvas, face: CardFace, x: float, y: float, font: str) -> None:
    # Band with the centre's name, inset so a slightly-off cut never leaves a coloured sliver.
    band_y = y + CARD_H - INSET - BAND_H
    canvas.setFillColor(BAND)
    canvas.roundRect(x + INSET, band_y, CARD_W - 2 * INSET, BAND_H, 1.5 * mm, stroke=0, fill=1)
    canvas.setFillColor(INK)
    title = gettext("Pick-up card")
    canvas.setFont(font, 6)
    title_w = pdfmetrics.stringWidth(title, font, 6)
    canvas.drawRightString(x + CARD_W - INSET - 2 * mm, band_y + 2.5 * mm, title)
    canvas.setFont(font, 8)
    canvas.drawString(x + INSET + 2 * mm, band_y + 2.3 * mm,
                      _fit(face.centre_name, font, 8, CARD_W - 2 * INSET - 7 * mm - title_w))

    # The QR on the right, vertically centred under the band.
    qr_x = x + CARD_W - 1 * mm - QR_BOX
    qr_y = y + (band_y - y - QR_BOX) / 2
    _draw_qr(canvas, face.qr_text, qr_x, qr_y, QR_BOX)

    # Photo (or placeholder) on the left, name and role beside it.
    photo_x, photo_y = x + 3 * mm, band_y - 2.5 * mm - PHOTO_H
    _draw_photo(canvas, face.photo, photo_x, photo_y)
    text_x = photo_x + PHOTO_W + 2 * mm
    text_w = qr_x - 0.5 * mm - text_x  # the QR's quiet zone stays clear
    top = band_y - 2.5 * mm
    canvas.setFillColor(INK)
    canvas.setFont(font, 12)
    canvas.drawString(text_x, top - 4.3 * mm, _fit(face.person_name, font, 12, text_w))
    canvas.setFont(font, 7.5)
    canvas.drawString(text_x, top - 8.5 * mm, _fit(face.role_label, font, 7.5, text_w))
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 6)
    if face.children:
        canvas.drawString(text_x, top - 15 * mm, gettext("Collects"))
        canvas.setFillColor(INK)
        canvas.setFont(font, 7.5)
        for i, line in enumerate(_wrap_names(face.children, font, 7.5, text_w, max_lines=2)):
            canvas.drawString(text_x, top - 18.3 * mm - i * 3.2 * mm, line)

    # Serial and expiry along the bottom, under the photo.
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 6)
    bottom_w = qr_x - 0.5 * mm - photo_x
    canvas.drawString(photo_x, y + 6.2 * mm, _fit(gettext("No. %(number)s", number=f"{face.credential_id}-{face.serial}"), font, 6, bottom_w))
    canvas.drawString(photo_x, y + 3 * mm,
                      _fit(gettext("Valid to %(day)s", day=face.expires_on.isoformat()), font, 6, bottom_w))


def _draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Vector modules from segno's matrix: sharp at any printer resolution, one path so no hairline seams."""
    qr = segno.make(text, error="m", boost_error=False, micro=False)
    matrix = qr.matrix
    count = len(matrix)
    module = size / (count + 2 * QR_QUIET_MODULES)
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    path = canvas.beginPath()
    origin_x = x + QR_QUIET_MODULES * module
    origin_y = y + size - QR_QUIET_MODULES * module
    for r, row in enumerate(matrix):
        c = 0
        while c < count:
            if row[c] & 1:
                start = c
                while c < count and row[c] & 1:
                    c += 1
                path.rect(origin_x + start * module, origin_y - (r + 1) * module, (c - start) * module, module)
            else:
                c += 1
    canvas.setFillColor(Color(0, 0, 0))
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_photo(canvas: Canvas, photo: bytes | None, x: float, y: float) -> None:
    jpeg = _photo_jpeg(photo) if photo else None
    if jpeg is not None:
        canvas.drawImage(ImageReader(io.BytesIO(jpeg)), x, y, PHOTO_W, PHOTO_H)
        return
    # Neutral placeholder: a grey silhouette, so a missing photo is obvious but not alarming.
    canvas.setFillColor(PLACEHOLDER_BG)
    canvas.rect(x, y, PHOTO_W, PHOTO_H, stroke=0, fill=1)
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(x, y, PHOTO_W, PHOTO_H)
    canvas.clipPath(clip, stroke=0, fill=0)
    canvas.setFillColor(PLACEHOLDER_FG)
    canvas.circle(x + PHOTO_W / 2, y + PHOTO_H * 0.62, PHOTO_W * 0.2, stroke=0, fill=1)
    canvas.ellipse(x + PHOTO_W * 0.12, y - PHOTO_H * 0.2, x + PHOTO_W * 0.88, y + PHOTO_H * 0.42, stroke=0, fill=1)
    canvas.restoreState()


def _photo_jpeg(data: bytes) -> bytes | None:
    """The photo cropped to the card's frame at 300 dpi as JPEG (embedded as is), or None if unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    size = (round(PHOTO_W / mm / 25.4 * 300), round(PHOTO_H / mm / 25.4 * 300))
    buffer = io.BytesIO()
    ImageOps.fit(image, size, Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis if it is wider than `width`."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _wrap_names(names: Sequence[str], font: str, size: float, width: float, *, max_lines: int) -> list[str]:
    """Names joined with 、, broken between names; an ellipsis says some did not fit."""
    lines: list[str] = []
    current = ""
    for index, name in enumerate(names):
        candidate = f"{current}、{name}" if current else name
        if not current or pdfmetrics.stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if len(lines) == max_lines - 1:
            return [*lines, _fit(current + "、" + "、".join(names[index:]), font, size, width)]
        lines.append(current + "、")
        current = name
    return [*lines, _fit(current, font, size, width)] if current else lines


def card_faces(centre: Centre, credential_ids: Sequence[int], *, actor: Actor, now: datetime) -> list[CardFace]:
    """The faces of the given credentials (all active ones when none given), QR signed now, photo reads logged."""
    authorise(actor, Perm.CONTACTS_WRITE, centre.id, now)
    today = centre_today(centre, now)
    problems = ProblemCollector()
    if len(credential_ids) > MAX_CARDS:
        problems.add("too_many_cards", _l("At most %(most)s cards at a time", most=MAX_CARDS),
                     "credential")
    problems.raise_if_any()
    if credential_ids:
        wanted = list(dict.fromkeys(credential_ids))
        found = {c.id: c for c in db.session.execute(
            select(Credential).where(Credential.id.in_(wanted), Credential.centre_id == centre.id)).scalars()}
        if len(found) != len(wanted):
            raise NotFound()
        credentials = [found[i] for i in wanted]
        for cred in credentials:
            if cred.revoked_at is not None or cred.expires_on < today:
                problems.add("credential_inactive", _l("Credential %(id)s is revoked or expired", id=cred.id),
                             "credential")
        problems.raise_if_any()
    else:
        credentials = list(db.session.execute(
            select(Credential).where(Credential.centre_id == centre.id, Credential.revoked_at.is_(None),
                                     Credential.expires_on >= today).order_by(Credential.id)).scalars())
    return [_face(centre, cred, today, actor=actor, now=now) for cred in credentials]


def _face(centre: Centre, cred: Credential, today: date, *, actor: Actor, now: datetime) -> CardFace:
    photo: Photo | None = None
    if cred.contact_id is not None:
        contact = db.session.get(Contact, cred.contact_id)
        assert contact is not None
        name, role, children = contact.name, contact_role_label(contact.id), collectable_children(contact.id, today)
        photo = db.session.get(Photo, contact.photo_id) if contact.photo_id is not None else None
    else:
        staff = db.session.get(Staff, cred.staff_id)
        assert staff is not None
        name, role, children = staff.name, label(staff.role), ()
    if photo is not None:
        log_access(centre_id=centre.id, user_id=actor.user_id, action="read", object_type="photo",
                   object_id=photo.id, now=now, detail=f"card sheet, credential {cred.id}")
    return CardFace(centre_name=centre.name, person_name=name, role_label=role, children=children,
                    qr_text=card_text(cred, now=now), credential_id=cred.id, serial=cred.card_serial,
                    expires_on=cred.expires_on, photo=photo.data if photo is not None else None)


def contact_role_label(contact_id: int) -> str:
    """The contact's relationship to their (first) child in the current language, e.g. "母亲"."""
    link = db.session.execute(
        select(ChildContact).where(ChildContact.contact_id == contact_id).order_by(ChildContact.id)
    ).scalars().first()
    if link is None:
        return gettext("Contact")
    return label(link.relationship)


def collectable_children(contact_id: int, today: date) -> tuple[str, ...]:
    """Names of the enrolled children this adult may drop off or pick up, by child id."""
    rows = db.session.execute(
        select(Child.name).join(ChildContact, ChildContact.child_id == Child.id)
        .where(ChildContact.contact_id == contact_id, ChildContact.may_pick_up | ChildContact.may_drop_off,
               Child.enrolled_on <= today, (Child.left_on.is_(None)) | (Child.left_on >= today))
        .order_by(Child.id)
    ).scalars()
    return tuple(rows)
