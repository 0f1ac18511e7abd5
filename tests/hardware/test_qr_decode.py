"""hardware.qr.decode: QR text from frames, photos and paths; nothing else, and never an exception."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from hardware.camera.scene import Look, empty_scene, render_qr
from hardware.qr import decode, decode_files, decode_pyzbar, decode_zxing, other_barcodes

TOKEN = "TY1:6BFOXN*TS0BI$ZDFRH%9Q8W0-QV%ZBM4UE7EC6:*5"
LONG_TOKEN = "TY1:" + "NCFOXN%TS3DH0YOJ58S S-W5HDC *M0II5EB1PFSSY1I9NNT-C7MT:2GFDC3E4R" * 2
DATASET = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "qr-photos"


def segno_png(text: str, path: Path, *, scale: int = 6, dark: str = "black", light: str = "white") -> Path:
    segno.make(text, micro=False).save(path, scale=scale, dark=dark, light=light)
    return path


def test_segno_code_from_a_path(tmp_path: Path) -> None:
    assert decode(segno_png(TOKEN, tmp_path / "card.png")) == [TOKEN]


def test_segno_code_as_a_pil_image(tmp_path: Path) -> None:
    with Image.open(segno_png(TOKEN, tmp_path / "card.png")) as image:
        assert decode(image) == [TOKEN]


def test_segno_code_as_a_bgr_array(tmp_path: Path) -> None:
    frame = cv2.imread(str(segno_png(TOKEN, tmp_path / "card.png")), cv2.IMREAD_COLOR)
    assert decode(frame) == [TOKEN]


def test_code_on_a_phone_in_a_camera_frame() -> None:
    assert decode(render_qr(TOKEN, Look(rotation=20, tilt=25, blur=1.0))) == [TOKEN]


def test_inverted_code_on_a_dark_mode_phone() -> None:
    assert decode(render_qr(TOKEN, Look(invert=True))) == [TOKEN]


def test_inverted_code_is_read_by_pyzbar_after_manual_inversion(tmp_path: Path) -> None:
    path = segno_png(TOKEN, tmp_path / "dark.png", dark="white", light="black")
    assert decode_pyzbar(path) == [TOKEN]


def test_small_code_in_a_full_hd_frame() -> None:
    frame = render_qr(LONG_TOKEN, Look(scale=0.05, offset=(0.3, -0.3)), size=(1920, 1080))
    # zxing-cpp alone misses modules this small (about 1.2 px); if it ever reads them, the
    # crop-and-enlarge pass has stopped earning its keep.
    assert decode_zxing(frame) == []
    assert decode(frame) == [LONG_TOKEN]


def test_code_under_glare_on_a_dim_phone_screen() -> None:
    frame = render_qr(LONG_TOKEN, Look(contrast=0.3, glare=0.9, blur=1.5))
    # Neither decoder alone reads it: the local-contrast pass does.
    assert (decode_zxing(frame), decode_pyzbar(frame)) == ([], [])
    assert decode(frame) == [LONG_TOKEN]


def test_empty_scene_has_no_codes() -> None:
    assert decode(empty_scene()) == []


def test_ean13_barcode_is_not_returned() -> None:
    ean = np.asarray(zxingcpp.create_barcode("5901234123457", zxingcpp.BarcodeFormat.EAN13).to_image(scale=4))
    framed = cv2.copyMakeBorder(ean, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    # The image really is a readable EAN-13; the kiosk only accepts QR codes.
    assert [b.text for b in zxingcpp.read_barcodes(framed)] == ["5901234123457"]
    assert decode(framed) == []


def test_two_codes_in_one_frame_are_both_returned_once() -> None:
    left = render_qr("TY1:LEFT", Look(scale=0.35, offset=(-0.25, 0.0)), seed=1)
    right = render_qr("TY1:RIGHT", Look(scale=0.35, offset=(0.25, 0.0)), seed=2)
    frame = np.concatenate([left[:, :640], right[:, 640:]], axis=1)
    assert sorted(decode(frame)) == ["TY1:LEFT", "TY1:RIGHT"]


def test_chinese_text_is_read_by_zxing_but_refused_by_pyzbar(tmp_path: Path) -> None:
    path = segno_png("托育 check-in", tmp_path / "zh.png")
    assert decode(path) == ["托育 check-in"]
    # zbar guesses Shift-JIS and garbles UTF-8, so its non-ASCII results are never trusted.
    assert decode_pyzbar(path) == []


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        b"\x89PNG",
        np.zeros((0,), np.uint8),
        np.zeros((0, 0), np.uint8),
        np.zeros((720, 1280), np.float32),
        np.zeros((720, 1280), bool),
        np.zeros((10, 10), np.uint8),
        np.zeros((4, 4, 4, 4), np.uint8),
        np.zeros((100, 100, 2), np.uint8),
        np.full((480, 640, 3), 255, np.uint8),
        "/nonexistent/photo.png",
    ],
    ids=lambda g: type(g).__name__ if not isinstance(g, np.ndarray) else f"{g.dtype}{g.shape}",
)
def test_garbage_gives_an_empty_list(garbage: object) -> None:
    assert decode(garbage) == []


def test_a_file_that_is_not_an_image_gives_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("not a picture")
    assert decode(path) == []


@settings(max_examples=40, deadline=None, database=None)  # no .hypothesis/ left in the repo
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.uint16, np.int8, np.float64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=64),
    )
)
def test_any_array_gives_a_list_and_never_raises(array: np.ndarray) -> None:
    assert isinstance(decode(array), list)


def test_decode_files_yields_each_name_with_its_texts(tmp_path: Path) -> None:
    card = segno_png(TOKEN, tmp_path / "card.png")
    missing = tmp_path / "missing.png"
    assert list(decode_files([card, str(missing)])) == [(str(card), [TOKEN]), (str(missing), [])]


REAL_PHOTOS = [
    "qrcode-1/1.png",  # printed, tilted
    "qrcode-2/28.png",  # printed on a rice cracker: zxing alone misses it
    "qrcode-2/12.png",  # textured photo inside the modules: only the smoothing pass reads it
    "qrcode-2/33.png",  # control characters in the payload must come through unchanged
    "qrcode-3/01.png",
    "qrcode-5/01.png",
]


@pytest.mark.skipif(not DATASET.is_dir(), reason="the shared qr-photos dataset is not on this machine")
@pytest.mark.parametrize("name", REAL_PHOTOS)
def test_real_photo_decodes_to_its_expected_text(name: str) -> None:
    image = DATASET / name
    expected = image.with_suffix(".txt").read_bytes().decode("utf-8")
    assert decode(cv2.imread(str(image), cv2.IMREAD_COLOR)) == [expected]


def test_other_barcodes_reports_a_product_barcode() -> None:
    ean = np.asarray(zxingcpp.create_barcode("5901234123457", zxingcpp.BarcodeFormat.EAN13).to_image(scale=3))
    frame = np.full((720, 1280), 235, np.uint8)
    frame[300:300 + ean.shape[0], 400:400 + ean.shape[1]] = ean
    assert other_barcodes(frame) == ["5901234123457"]


def test_other_barcodes_ignores_qr_codes_and_garbage() -> None:
    qr = render_qr("TY1C:ABC")
    assert (other_barcodes(qr), other_barcodes(np.zeros((0, 0), np.uint8))) == ([], [])
