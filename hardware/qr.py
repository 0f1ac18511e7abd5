"""QR decoding for the kiosk: zxing-cpp first, pyzbar second, then image clean-up passes."""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]

# Smaller than a version-1 symbol with its quiet zone at one pixel per module: nothing to find.
_MIN_SIDE = 21
# Doubling a whole frame up to this side costs about 2 ms; larger frames are doubled only in crops.
_ENLARGE_WHOLE_MAX_SIDE = 800
# Edge energy is pooled over blocks of this many pixels to find small codes in large frames.
_BLOCK = 16
# zbar's cost grows with pixels (about 20 ms per polarity at 720p); larger frames are halved for it.
_PYZBAR_MAX_SIDE = 960


@functools.cache
def _zxing() -> ModuleType:
    return importlib.import_module("zxingcpp")


@functools.cache
def _pyzbar() -> ModuleType | None:
    # pyzbar needs the system libzbar0; a Pi image may lack it, and then we simply skip it.
    try:
        return importlib.import_module("pyzbar.pyzbar")
    except ImportError:
        return None


@functools.cache
def _cv2() -> ModuleType | None:
    # The Pi may run without OpenCV (apt python3-opencv is optional there); decoding then
    # still works, only the clean-up passes are skipped.
    try:
        return importlib.import_module("cv2")
    except ImportError:
        return None


def _load_path(path: str | os.PathLike[str]) -> Gray | None:
    cv2 = _cv2()
    if cv2 is not None:
        gray = cv2.imread(os.fspath(path), cv2.IMREAD_GRAYSCALE)
        return gray if gray is None else np.asarray(gray, np.uint8)
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("L"), np.uint8)


def _from_array(array: npt.NDArray[Any]) -> Gray | None:
    if array.dtype != np.uint8 or array.size == 0:
        return None
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim == 3 and array.shape[2] in (3, 4):
        # Frames are BGR(A), as OpenCV and picamera2's "RGB888" deliver them.
        cv2 = _cv2()
        if cv2 is not None:
            code = cv2.COLOR_BGR2GRAY if array.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
            return np.asarray(cv2.cvtColor(np.ascontiguousarray(array), code), np.uint8)
        b, g, r = (array[..., i].astype(np.uint16) for i in range(3))
        return ((29 * b + 150 * g + 77 * r) >> 8).astype(np.uint8)  # ITU-R 601 weights
    if array.ndim != 2:
        return None
    return np.ascontiguousarray(array)


def to_gray(image: object) -> Gray | None:
    """Turn a numpy frame (gray, BGR or BGRA uint8), a PIL image or a path into gray, or None."""
    try:
        if isinstance(image, str | os.PathLike):
            gray = _load_path(image)
        elif isinstance(image, np.ndarray):
            gray = _from_array(image)
        elif hasattr(image, "convert") and hasattr(image, "size"):  # a PIL image, without importing PIL
            gray = np.asarray(image.convert("L"), np.uint8)
        else:
            return None
    except (OSError, ValueError, TypeError):
        return None
    if gray is None or gray.ndim != 2 or min(gray.shape) < _MIN_SIDE:
        return None
    return gray


def _zxing_texts(gray: Gray, *, binarizer: str = "LocalAverage") -> list[str]:
    zx = _zxing()
    found = zx.read_barcodes(
        gray,
        formats=zx.BarcodeFormat.QRCode,  # the QR family only: the kiosk never accepts EAN and friends
        try_rotate=True,
        try_downscale=True,
        try_invert=True,
        binarizer=getattr(zx.Binarizer, binarizer),
        # Plain gives the symbol's characters as encoded; the default HRI would rewrite control
        # characters as "<SOH>" and change the payload.
        text_mode=zx.TextMode.Plain,
    )
    return [barcode.text for barcode in found if barcode.valid]


def _pyzbar_texts(gray: Gray) -> list[str]:
    pyzbar = _pyzbar()
    if pyzbar is None:
        raise ImportError("pyzbar needs the zbar shared library (apt install libzbar0)")
    cv2 = _cv2()
    if cv2 is not None and max(gray.shape) > _PYZBAR_MAX_SIDE:
        gray = np.asarray(cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), np.uint8)
    texts: list[str] = []
    # zbar does not look for light-on-dark codes unless told (and pyzbar cannot tell it): invert by hand.
    for candidate in (gray, np.ascontiguousarray(255 - gray)):
        for symbol in pyzbar.decode(candidate, symbols=[pyzbar.ZBarSymbol.QRCODE]):
            try:
                # zbar guesses Shift-JIS for non-ASCII bytes and corrupts them; our payloads are ASCII.
                texts.append(symbol.data.decode("ascii"))
            except UnicodeDecodeError:
                continue
        if texts:
            break
    return texts


def _busy_regions(cv2: ModuleType, gray: Gray, max_regions: int = 2) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the few patches dense with fine edges, where a small code would be."""
    block = _BLOCK
    h, w = (gray.shape[0] // block) * block, (gray.shape[1] // block) * block
    if h < 2 * block or w < 2 * block:
        return []
    edges = cv2.convertScaleAbs(cv2.Laplacian(gray[:h, :w], cv2.CV_16S, ksize=3))
    # An exact integer ratio keeps OpenCV's area resize on its fast path.
    energy = cv2.resize(edges, (w // block, h // block), interpolation=cv2.INTER_AREA)
    floor = max(2.0 * float(np.percentile(energy, 90)), 12.0)
    mask = cv2.dilate((energy > floor).astype(np.uint8), np.ones((3, 3), np.uint8))
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask)
    largest = sorted(range(1, count), key=lambda i: -int(stats[i, cv2.CC_STAT_AREA]))[:max_regions]
    boxes = []
    for i in largest:
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        if bw * bh * 8 > energy.size:  # a big busy patch is a normal scene, not a small code
            continue
        boxes.append(
            (
                max(x - 1, 0) * block,
                max(y - 1, 0) * block,
                min(x + bw + 1, w // block) * block,
                min(y + bh + 1, h // block) * block,
            )
        )
    return boxes


def _smooth(cv2: ModuleType, gray: Gray) -> list[Gray]:
    # Halftone, screen moire and textured prints break the local binarizer; a blur joins them up.
    return [np.asarray(cv2.GaussianBlur(gray, (5, 5), 0), np.uint8)]


def _equalise(cv2: ModuleType, gray: Gray) -> list[Gray]:
    # A dim phone screen under glare keeps too little contrast; local equalisation (CLAHE) restores it.
    # A light blur first stops CLAHE from amplifying sensor noise into false finder patterns, which
    # both rescued more test glare scenes (8 of 16 against 5) and cut the cost on empty frames 3x.
    softened = cv2.GaussianBlur(gray, (3, 3), 0)
    return [np.asarray(cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(softened), np.uint8)]


def _enlarge(cv2: ModuleType, gray: Gray) -> list[Gray]:
    # Below ~1.4 pixels per module the detector loses the finder patterns; doubling brings them back.
    # A small image is doubled whole, a large frame only where fine edges crowd together.
    def double(image: Gray) -> Gray:
        return np.asarray(cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), np.uint8)

    if max(gray.shape) <= _ENLARGE_WHOLE_MAX_SIDE:
        return [double(gray)]
    return [double(gray[y0:y1, x0:x1]) for x0, y0, x1, y1 in _busy_regions(cv2, gray)]


@dataclass(frozen=True)
class _Pass:
    """One clean-up pass: images to try, derived from the gray frame, and the binarizer to read them with."""

    name: str
    prepare: Callable[[ModuleType, Gray], list[Gray]]
    binarizer: str


# Tried in order only after zxing-cpp and pyzbar both found nothing; most useful per millisecond first.
_PASSES = (
    _Pass("smooth", _smooth, "GlobalHistogram"),
    _Pass("equalise", _equalise, "LocalAverage"),
    _Pass("enlarge", _enlarge, "LocalAverage"),
)


def _dedupe(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def decode_zxing(image: object) -> list[str]:
    """zxing-cpp alone, one pass: the reference the benchmark compares against."""
    gray = to_gray(image)
    return [] if gray is None else _dedupe(_zxing_texts(gray))


def decode_pyzbar(image: object) -> list[str]:
    """The pyzbar stage alone (ASCII results only, inverted codes tried): needs libzbar0."""
    gray = to_gray(image)
    return [] if gray is None else _dedupe(_pyzbar_texts(gray))


def decode(image: object) -> list[str]:
    """Texts of every QR code in the image, in order, without duplicates; never raises, [] if none."""
    gray = to_gray(image)
    if gray is None:
        return []
    texts = _zxing_texts(gray)
    if not texts and _pyzbar() is not None:
        texts = _pyzbar_texts(gray)
    cv2 = _cv2()
    if not texts and cv2 is not None:
        for step in _PASSES:
            for prepared in step.prepare(cv2, gray):
                texts.extend(_zxing_texts(prepared, binarizer=step.binarizer))
            if texts:
                break
    return _dedupe(texts)


def other_barcodes(image: object) -> list[str]:
    """Texts of any NON-QR barcode (EAN, Code 128, DataMatrix…) in view, for telling the user "not ours".

    One plain zxing-cpp pass, no fallbacks: the kiosk calls it only on some frames where `decode`
    found no QR code, so a shopping card held up gets a clear refusal instead of silence.
    """
    gray = to_gray(image)
    if gray is None:
        return []
    zx = _zxing()
    wanted = zx.BarcodeFormat.AllReadable
    try:
        found = zx.read_barcodes(gray, formats=wanted, try_rotate=True, try_downscale=True,
                                 text_mode=zx.TextMode.Plain)
    except (ValueError, RuntimeError):
        return []
    qr = {zx.BarcodeFormat.QRCode, zx.BarcodeFormat.MicroQRCode}
    return _dedupe(b.text or str(b.format) for b in found if b.valid and b.format not in qr)


def decode_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[str, list[str]]]:
    """Decode each image file in turn: (the path as given, its texts); unreadable files give []."""
    for path in paths:
        yield os.fspath(path), decode(path)
