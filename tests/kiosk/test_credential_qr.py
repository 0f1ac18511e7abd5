"""Cards and phone codes survive real QR rendering (segno) and the kiosk's decoder (hardware.qr) end to end."""

from __future__ import annotations

from pathlib import Path

from kiosk_factories import MOTHER, MOTHER_PHONE, Kiosk, card, qr_png

from devices.wire.phone import phone_code
from hardware.camera.scene import Look, render_qr
from hardware.qr import decode
from kiosk.verify import Method, Refusal


def test_printed_card_png_decodes_and_is_accepted(kiosk: Kiosk, tmp_path: Path) -> None:
    texts = decode(qr_png(card(), tmp_path / "card.png"))
    assert texts == [card()]
    assert kiosk.verifier.verify_scan(texts[0]).method is Method.CARD


def test_phone_code_png_decodes_and_is_accepted(kiosk: Kiosk, tmp_path: Path) -> None:
    code = phone_code(MOTHER_PHONE, MOTHER, kiosk.clock.now())
    texts = decode(qr_png(code, tmp_path / "phone.png"))
    assert texts == [code]
    assert kiosk.verifier.verify_scan(texts[0]).accepted


def test_phone_code_on_a_tilted_dark_mode_phone_in_a_camera_frame_is_accepted(kiosk: Kiosk) -> None:
    code = phone_code(MOTHER_PHONE, MOTHER, kiosk.clock.now())
    frame = render_qr(code, Look(rotation=15, tilt=20, invert=True, blur=0.8))
    assert [kiosk.verifier.verify_scan(text).accepted for text in decode(frame)] == [True]


def test_photo_of_a_phone_code_shown_twice_is_replayed(kiosk: Kiosk, tmp_path: Path) -> None:
    png = qr_png(phone_code(MOTHER_PHONE, MOTHER, kiosk.clock.now()), tmp_path / "phone.png")
    kiosk.verifier.verify_scan(decode(png)[0])
    kiosk.clock.advance(seconds=10)
    assert kiosk.verifier.verify_scan(decode(png)[0]).reason is Refusal.REPLAYED


def test_a_url_qr_code_is_not_a_credential(kiosk: Kiosk, tmp_path: Path) -> None:
    texts = decode(qr_png("https://example.com/pay?order=123", tmp_path / "url.png"))
    assert kiosk.verifier.verify_scan(texts[0]).reason is Refusal.NOT_A_CREDENTIAL
