"""From camera frames to new scans: QR decoding, other barcodes, and repeats dropped / 扫码去重.

A code held up in front of the camera is in many frames, and a phone code rolls
over to its next step while held up: both must count as one scan, or a parent
would check a child in and straight out again.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from hardware.camera import Frame
from hardware.qr import decode, other_barcodes

# Every how many frames without a QR code the loop also looks for other barcodes (to refuse them).
OTHER_BARCODE_EVERY = 3
# Above this many remembered codes, the ones older than the repeat window are forgotten.
_PRUNE_ABOVE = 64


THUMB_SIZE = (80, 45)
"""The change detector's grey thumbnail (width, height): one cell is 16x16 pixels of a 720p frame."""
CELL_THRESHOLD = 12
"""Grey levels a thumbnail cell must move by to count as a change (sensor noise averages out to < 1)."""
SETTLE_FRAMES = 10
"""Frames still decoded after the last change: a phone raised is blurred until it is held still."""
DECODE_EVERY = 30
"""An unchanged scene is still decoded once in this many frames (a code held perfectly still is read)."""

Thumbnail = npt.NDArray[np.int16]


def thumbnail(frame: Frame) -> Thumbnail:
    """A small grey picture of ``frame``, each cell the mean of its area (noise averages out)."""
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return np.asarray(cv2.resize(grey, THUMB_SIZE, interpolation=cv2.INTER_AREA), np.int16)


class ChangeDetector:
    """Whether a frame is worth decoding: something moved since the last decoded frame, or it is time anyway.

    Decoding an empty 720p frame costs tens of ms; comparing thumbnails costs well under one. The
    reference is the thumbnail of the last *decoded* frame, so a slow drift adds up to a change.
    """

    def __init__(self, *, cell_threshold: int = CELL_THRESHOLD, settle_frames: int = SETTLE_FRAMES,
                 decode_every: int = DECODE_EVERY) -> None:
        self.cell_threshold = cell_threshold
        self.settle_frames = settle_frames
        self.decode_every = decode_every
        self._reference: Thumbnail | None = None
        self._since_change = settle_frames  # frames since the last change seen
        self._since_decode = 0

    def worth_decoding(self, frame: Frame, *, codes_in_view: bool) -> bool:
        """Whether to decode ``frame``; ``codes_in_view``: the last decoded frame held a code."""
        small = thumbnail(frame)
        reference = self._reference
        changed = (reference is None or reference.shape != small.shape
                   or bool(np.any(np.abs(small - reference) > self.cell_threshold)))
        self._since_change = 0 if changed else self._since_change + 1
        self._since_decode += 1
        # While a code is in view every frame is read: the repeat filter must keep seeing it.
        decode_now = (codes_in_view or self._since_change < self.settle_frames
                      or self._since_decode >= self.decode_every)
        if decode_now:
            self._reference = small
            self._since_decode = 0
        return decode_now


class FrameReader:
    """The texts in a frame: QR codes always, other barcodes on every few empty frames.

    With a :class:`ChangeDetector`, frames of an unchanged scene are skipped (an idle kiosk would
    otherwise spend a third or more of a core decoding an empty hall).
    """

    def __init__(self, detector: ChangeDetector | None = None,
                 decoder: Callable[[Frame], list[str]] = decode) -> None:
        self.detector = detector
        self.decoder = decoder
        self.decoded = 0
        """Frames decoded so far (the benchmark and the tests count them)."""
        self._empty_frames = 0
        self._codes_in_view = False

    def texts(self, frame: Frame | None) -> list[str]:
        """Decoded texts of ``frame`` (None: no frame, or nothing can be verified yet)."""
        if frame is not None and self.detector is not None and not self.detector.worth_decoding(
                frame, codes_in_view=self._codes_in_view):
            return []
        texts = self._decode(frame) if frame is not None else []
        self._codes_in_view = bool(texts)
        if not texts and frame is not None:
            # A shopping card or parcel label held up: refuse it clearly ("not a pick-up code") rather
            # than stay silent. Checked on every few empty frames only, to keep the idle loop light.
            self._empty_frames += 1
            if self._empty_frames % OTHER_BARCODE_EVERY == 0:
                texts = other_barcodes(frame)
        else:
            self._empty_frames = 0
        return texts

    def _decode(self, frame: Frame) -> list[str]:
        self.decoded += 1
        return self.decoder(frame)


class RepeatFilter:
    """Remembers recent codes and persons so that one code held up counts as one scan."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._texts: dict[str, tuple[float, str | None]] = {}
        self._persons: dict[str, float] = {}

    def still_in_view(self, text: str, now: float) -> bool:
        """Whether ``text`` was seen within the window; if so it (and its person) stays remembered."""
        seen = self._texts.get(text)
        if seen is None or now - seen[0] >= self.window_s:
            return False
        # Still in view (or just lowered): the same code in the next frame is not a new scan.
        self._texts[text] = (now, seen[1])
        if seen[1] is not None:
            self._persons[seen[1]] = now
        return True

    def person_repeated(self, text: str, person_id: str | None, now: float) -> bool:
        """Remember a verified ``text``; whether its person was already seen within the window."""
        self._texts[text] = (now, person_id)
        if person_id is None:
            return False
        last = self._persons.get(person_id)
        self._persons[person_id] = now
        # A phone code that rolled over to the next step while held up.
        return last is not None and now - last < self.window_s

    def saw_person(self, person_id: str, now: float) -> None:
        """Remember a person identified another way (PIN): a scan just after is not a second action."""
        self._persons[person_id] = now

    def forget_old(self, now: float) -> None:
        """Drop codes and persons older than the window, once enough have piled up."""
        if len(self._texts) > _PRUNE_ABOVE:
            window = self.window_s
            self._texts = {t: v for t, v in self._texts.items() if now - v[0] < window}
            self._persons = {p: t for p, t in self._persons.items() if now - t < window}
