"""The guardian's drawn signature: a PNG from the tablet's canvas, checked by its content before it is kept."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from dataclasses import dataclass

import filetype
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from server.errors import ProblemCollector

MAX_BYTES = 128 * 1024  # a pad's PNG is a few KB; base64 in JSON must stay under the API body limit (256 KiB)
MIN_SIZE, MAX_SIZE = (120, 60), (2400, 1200)  # pixels: a pad a finger can sign on, and no image bomb
MIN_INK_SHARE = 0.001  # of the pixels: below this the pad was left blank
_DATA_URL = re.compile(r"^data:image/png;base64,", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedSignature:
    """A PNG that passed the checks: its bytes, hash and size."""

    data: bytes
    sha256: str
    width: int
    height: int


def decode(text: str | None) -> bytes:
    """The bytes of a base64 PNG (a canvas's `data:image/png;base64,…` URL or the bare base64); b"" if unreadable."""
    if not text:
        return b""
    body = _DATA_URL.sub("", text.strip(), count=1)
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _ink_share(image: Image.Image) -> float:
    """The share of pixels drawn: opaque and darker than the pad (a transparent or white canvas is blank)."""
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A").point(lambda a: 255 if a >= 128 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 160 else 0)
    inked = Image.composite(dark, Image.new("L", rgba.size, 0), alpha)
    histogram = inked.histogram()
    return histogram[255] / max(1, rgba.size[0] * rgba.size[1])


def check_signature(data: bytes, problems: ProblemCollector, field: str = "signature_png") -> CheckedSignature | None:
    """The checked signature, or None with the problem added: empty, too large, not a PNG, odd size, blank."""
    if not data:
        problems.add("signature_required", _l("The guardian must sign on the pad"), field)
        return None
    if len(data) > MAX_BYTES:
        problems.add("signature_too_large", _l("The signature image is too large"), field)
        return None
    kind = filetype.guess(data)
    if kind is None or kind.mime != "image/png":
        problems.add("signature_not_png", _l("The signature must be a PNG image"), field)
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size  # from the header, before any pixel is decoded
            if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
                problems.add("signature_size", _l("The signature image has an unusual size"), field)
                return None
            image.load()
            blank = _ink_share(image) < MIN_INK_SHARE
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        problems.add("signature_not_png", _l("The signature must be a PNG image"), field)
        return None
    if blank:
        problems.add("signature_blank", _l("The signature pad is empty: the guardian must sign"), field)
        return None
    return CheckedSignature(data, hashlib.sha256(data).hexdigest(), width, height)
