"""From camera frames to new scans: QR decoding, other barcodes, and repeats dropped / 扫码去重.

A code held up in front of the camera is in many frames, and a phone code rolls
over to its next step while held up: both must count as one scan, or a parent
would check a child in and straight out again.
"""

from __future__ import annotations

from hardware.camera import Frame
from hardware.qr import decode, other_barcodes

# Every how many frames without a QR code the loop also looks for other barcodes (to refuse them).
OTHER_BARCODE_EVERY = 3
# Above this many remembered codes, the ones older than the repeat window are forgotten.
_PRUNE_ABOVE = 64


class FrameReader:
    """The texts in a frame: QR codes always, other barcodes on every few empty frames."""

    def __init__(self) -> None:
        self._empty_frames = 0

    def texts(self, frame: Frame | None) -> list[str]:
        """Decoded texts of ``frame`` (None: no frame, or nothing can be verified yet)."""
        texts = decode(frame) if frame is not None else []
        if not texts and frame is not None:
            # A shopping card or parcel label held up: refuse it clearly ("not a pick-up code") rather
            # than stay silent. Checked on every few empty frames only, to keep the idle loop light.
            self._empty_frames += 1
            if self._empty_frames % OTHER_BARCODE_EVERY == 0:
                texts = other_barcodes(frame)
        else:
            self._empty_frames = 0
        return texts


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
