"""Render what a kiosk camera sees when a parent holds a phone showing a QR code."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import segno

Frame = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Look:
    """How the code appears in the frame; defaults are a phone held still at arm's length."""

    scale: float = 0.4  # side of the symbol (without quiet zone) as a fraction of frame height
    rotation: float = 0.0  # degrees, in the image plane
    tilt: float = 0.0  # degrees the phone is turned away from the lens (perspective)
    offset: tuple[float, float] = (0.0, 0.0)  # centre shift as fractions of frame width/height
    blur: float = 0.0  # Gaussian sigma in pixels: focus or motion softness
    glare: float = 0.0  # 0..1 strength of a specular highlight on the screen
    invert: bool = False  # dark mode: light modules on a dark screen
    contrast: float = 1.0  # 0..1 difference between screen light and dark: a dimmed phone is low
    noise: float = 2.0  # sensor noise sigma in grey levels


def _modules(text: str) -> npt.NDArray[np.bool_]:
    """QR modules with a 4-module quiet zone, True where dark."""
    qr = segno.make(text, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=4))
    return np.array(rows, dtype=bool)


def _background(size: tuple[int, int], rng: np.random.Generator) -> Frame:
    """A dim, uneven room: a muted colour gradient and soft shadows, never a flat synthetic field."""
    width, height = size
    xx = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    yy = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    grey = rng.uniform(80, 130)
    tint = rng.uniform(-12, 12, size=3)
    slope = rng.uniform(-35, 35, size=2)
    luma = grey + slope[0] * xx + slope[1] * yy
    shadows = rng.normal(0, 14, size=(6, 10)).astype(np.float32)
    luma = luma + cv2.resize(shadows, (width, height), interpolation=cv2.INTER_CUBIC)
    frame = np.repeat(luma[..., None], 3, axis=2) + tint.astype(np.float32)
    return np.asarray(np.clip(frame, 0, 255), np.uint8)


def _phone(modules: npt.NDArray[np.bool_], px: int, look: Look) -> tuple[Frame, tuple[float, float]]:
    """The phone face (dark bezel around a lit screen showing the code) and the code's centre in it."""
    half = 112.5 * min(max(look.contrast, 0.05), 1.0)
    ink, paper = 127.5 - half, 127.5 + half
    dark, light = (paper, ink) if look.invert else (ink, paper)
    screen_bg = light
    code = np.where(np.kron(modules, np.ones((px, px), bool)), dark, light).astype(np.uint8)
    side = code.shape[0]
    pad_x, pad_top, pad_bottom, bezel = side // 12, side * 3 // 10, side * 2 // 5, max(side // 25, 3)
    screen = np.full((side + pad_top + pad_bottom, side + 2 * pad_x), screen_bg, np.uint8)
    screen[pad_top : pad_top + side, pad_x : pad_x + side] = code
    phone = np.full((screen.shape[0] + 2 * bezel, screen.shape[1] + 2 * bezel), 12, np.uint8)
    phone[bezel:-bezel, bezel:-bezel] = screen
    centre = (phone.shape[1] / 2, bezel + pad_top + side / 2)
    return np.asarray(cv2.cvtColor(phone, cv2.COLOR_GRAY2BGR), np.uint8), (float(centre[0]), float(centre[1]))


def _placement(
    phone_shape: tuple[int, int],
    code_centre: tuple[float, float],
    look: Look,
    size: tuple[int, int],
    scale: float,
) -> npt.NDArray[np.float64]:
    """Homography from phone pixels to frame pixels: scale, tilt, rotate, move."""
    h, w = phone_shape
    cx, cy = code_centre
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    pts = (src - [cx, cy]) * scale
    # Turning the phone away shortens it across and makes the far edge smaller.
    t = math.radians(look.tilt)
    pts[:, 0] *= math.cos(t)
    far = 1.0 - 0.25 * math.sin(abs(t))
    far_side = pts[:, 0] > 0 if t > 0 else pts[:, 0] < 0
    pts[far_side, 1] *= far
    r = math.radians(look.rotation)
    rot = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
    pts = pts @ rot.T
    width, height = size
    pts += [width / 2 + look.offset[0] * width, height / 2 + look.offset[1] * height]
    return np.asarray(cv2.getPerspectiveTransform(src.astype(np.float32), pts.astype(np.float32)), np.float64)


def _glare(frame: Frame, centre: tuple[float, float], radius: float, strength: float) -> Frame:
    """Screen-blend a soft white highlight: it washes contrast out rather than painting white."""
    height, width = frame.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    d2 = ((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (radius * radius)
    light = (strength * np.exp(-d2))[..., None]
    out = 255.0 - (255.0 - frame.astype(np.float32)) * (1.0 - light)
    return np.asarray(np.clip(out, 0, 255), np.uint8)


def _sensor_noise(frame: Frame, rng: np.random.Generator, sigma: float) -> Frame:
    """Gaussian read noise: real sensors never give two identical frames."""
    if sigma <= 0:
        return frame
    noisy = frame.astype(np.float32) + rng.normal(0, sigma, frame.shape).astype(np.float32)
    return np.asarray(np.clip(noisy, 0, 255), np.uint8)


def render_qr(text: str, look: Look = Look(), *, size: tuple[int, int] = (1280, 720), seed: int = 0) -> Frame:
    """Render a BGR camera frame of ``size`` (width, height) showing ``text`` as a QR code."""
    rng = np.random.default_rng(seed)
    modules = _modules(text)
    width, height = size
    n_symbol = modules.shape[0] - 8
    target_side = look.scale * height
    # Draw at the next whole pixel count per module above the target, so the warp only ever shrinks
    # by less than half: bilinear sampling then softens edges like a lens instead of aliasing.
    px = max(1, math.ceil(target_side / n_symbol))
    phone, code_centre = _phone(modules, px, look)
    homography = _placement(phone.shape[:2], code_centre, look, size, target_side / (n_symbol * px))
    frame = _background(size, rng)
    warped = cv2.warpPerspective(phone, homography, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(
        np.full(phone.shape[:2], 255, np.uint8), homography, size, flags=cv2.INTER_LINEAR
    )
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    frame = np.asarray(warped * alpha + frame * (1.0 - alpha), np.uint8)
    if look.glare > 0:
        cx = width / 2 + look.offset[0] * width + 0.15 * target_side
        cy = height / 2 + look.offset[1] * height - 0.1 * target_side
        frame = _glare(frame, (cx, cy), 0.45 * target_side, min(look.glare, 1.0))
    if look.blur > 0:
        frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), look.blur), np.uint8)
    return _sensor_noise(frame, rng, look.noise)


def empty_scene(*, size: tuple[int, int] = (1280, 720), seed: int = 0, noise: float = 2.0) -> Frame:
    """A frame with nobody in front of the kiosk."""
    rng = np.random.default_rng(seed)
    return _sensor_noise(_background(size, rng), rng, noise)


def fit_image(path: str | os.PathLike[str], *, size: tuple[int, int] = (1280, 720), seed: int = 0) -> Frame:
    """Place a photo in a frame of ``size``: shrunk if larger, centred on an empty scene."""
    image = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"cannot read image {path}")
    width, height = size
    h, w = image.shape[:2]
    factor = min(1.0, width / w, height / h)
    if factor < 1.0:
        image = cv2.resize(
            image, (max(1, int(w * factor)), max(1, int(h * factor))), interpolation=cv2.INTER_AREA
        )
        h, w = image.shape[:2]
    frame = empty_scene(size=size, seed=seed, noise=0)
    top, left = (height - h) // 2, (width - w) // 2
    frame[top : top + h, left : left + w] = image
    return frame
