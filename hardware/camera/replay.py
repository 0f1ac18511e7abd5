"""The fake camera: plays stills, image lists or a video at a fixed frame rate on the injected clock."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import cv2
import numpy as np

from hardware.camera import CameraError, Frame, StartStop
from hardware.camera.scene import Look, empty_scene, fit_image, render_qr
from hardware.clock import Clock

# Clocks step in whole microseconds, so 1/30 s cannot be reached exactly: a frame counts as due
# from a thousandth of a period (33 us at 30 fps) before its exact time.
_INDEX_EPSILON = 1e-3


class _Reel(Protocol):
    def frame_at(self, index: int) -> Frame | None: ...

    def close(self) -> None: ...


class _Still:
    """One scene that stays in view."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame

    def frame_at(self, index: int) -> Frame | None:
        return self.frame

    def close(self) -> None:
        pass


class _Frames:
    """A list of frames; after the last: loop, hold the last one, or end (None)."""

    def __init__(self, frames: Sequence[Frame], *, after: Literal["loop", "hold", "end"]) -> None:
        self.frames = list(frames)
        self.after = after

    def frame_at(self, index: int) -> Frame | None:
        if not self.frames:
            return None
        if index < len(self.frames):
            return self.frames[index]
        if self.after == "loop":
            return self.frames[index % len(self.frames)]
        return self.frames[-1] if self.after == "hold" else None

    def close(self) -> None:
        pass


class _Video:
    """A video file decoded lazily and only forwards, skipping frames the reader was too slow for."""

    def __init__(self, path: Path, *, loop: bool) -> None:
        self.path = path
        self.loop = loop
        self.length: int | None = None  # known once the end has been reached
        self._capture: Any = None
        self._position = -1
        self._frame: Frame | None = None

    def _rewind(self) -> None:
        self.close()
        self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            raise CameraError(f"cannot open video {self.path}")
        self._position = -1
        self._frame = None

    def frame_at(self, index: int) -> Frame | None:
        if self.length is not None:
            if not self.loop and index >= self.length:
                return None
            index = index % self.length if self.length else 0
        if self._capture is None or index < self._position:
            self._rewind()
        while self._position < index:
            if not self._capture.grab():  # grab() skips decoding of frames nobody will see
                self.length = self._position + 1
                return self.frame_at(index) if self.loop and self.length > 0 else None
            self._position += 1
            self._frame = None
        if self._frame is None:
            ok, frame = self._capture.retrieve()
            self._frame = np.asarray(frame, np.uint8) if ok else None
        return self._frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class ReplayCamera(StartStop):
    """A FrameSource for tests and the demo; ``read()`` returns the frame due now, never sleeps."""

    def __init__(
        self, *, clock: Clock, fps: float = 30.0, size: tuple[int, int] = (1280, 720), seed: int = 0
    ) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.clock = clock
        self.fps = fps
        self.size = size  # (width, height), like a camera's configured resolution
        self.seed = seed
        self.scenes: list[tuple[datetime, str]] = []  # what was put in front of the lens, and when
        self.frame_index: int | None = None  # index of the last frame read, within the current reel
        self._reel: _Reel | None = None  # None: nobody in front of the kiosk yet (rendered on demand)
        self._origin: float | None = None  # monotonic time at which the current reel's frame 0 is due
        self._state = "new"  # "new" -> "started" -> "closed", like a device

    # -- construction from configuration ---------------------------------------------------------

    @classmethod
    def from_images(
        cls,
        paths: Sequence[str | os.PathLike[str]],
        *,
        clock: Clock,
        fps: float = 30.0,
        size: tuple[int, int] = (1280, 720),
        loop: bool = False,
    ) -> ReplayCamera:
        """A camera that plays these image files in order, one per frame."""
        camera = cls(clock=clock, fps=fps, size=size)
        camera.play(paths, loop=loop)
        return camera

    @classmethod
    def from_video(
        cls, path: str | os.PathLike[str], *, clock: Clock, fps: float | None = None, loop: bool = False
    ) -> ReplayCamera:
        """A camera that plays a video file at its own frame rate (or ``fps``) and size."""
        probe = cv2.VideoCapture(os.fspath(path))
        try:
            if not probe.isOpened():
                raise CameraError(f"cannot open video {path}")
            size = (int(probe.get(cv2.CAP_PROP_FRAME_WIDTH)), int(probe.get(cv2.CAP_PROP_FRAME_HEIGHT)))
            native_fps = float(probe.get(cv2.CAP_PROP_FPS)) or 30.0
        finally:
            probe.release()
        camera = cls(clock=clock, fps=fps or native_fps, size=size)
        camera.play_video(path, loop=loop)
        return camera

    @classmethod
    def from_config(
        cls,
        *,
        clock: Clock,
        images: Sequence[str | os.PathLike[str]] | None = None,
        video: str | os.PathLike[str] | None = None,
        fps: float | None = None,
        size: tuple[int, int] = (1280, 720),
        loop: bool = False,
        seed: int = 0,
    ) -> ReplayCamera:
        """Build from the ``camera`` config keys: an image list, a video, or an empty scene."""
        if images and video:
            raise ValueError("give images or video, not both")
        if video:
            return cls.from_video(video, clock=clock, fps=fps, loop=loop)
        # Config files give lists; a camera resolution is a (width, height) pair.
        camera = cls(clock=clock, fps=fps or 30.0, size=(int(size[0]), int(size[1])), seed=seed)
        if images:
            camera.play(images, loop=loop)
        return camera

    # -- the FrameSource interface ---------------------------------------------------------------

    def start(self) -> None:
        """Begin streaming: the current reel's frame 0 is due now."""
        if self._state != "new":
            raise CameraError(f"camera is {self._state}; a camera starts once")
        self._state = "started"
        self._origin = self.clock.monotonic()

    def read(self) -> Frame | None:
        """The frame due now (elapsed time x fps) as a fresh copy, like a real capture; None at the end."""
        if self._state != "started":
            raise CameraError(f"camera is {self._state}, not started")
        if self._reel is None:
            self._set_reel(_Still(empty_scene(size=self.size, seed=self.seed)), "empty")
        assert self._reel is not None and self._origin is not None
        index = math.floor((self.clock.monotonic() - self._origin) * self.fps + _INDEX_EPSILON)
        frame = self._reel.frame_at(index)
        self.frame_index = index
        return None if frame is None else frame.copy()

    def close(self) -> None:
        """Stop streaming; reading afterwards is an error, as with a released device."""
        if self._reel is not None:
            self._reel.close()
        self._state = "closed"

    # -- world verbs for tests and the demo ------------------------------------------------------

    def show(self, text: str, look: Look | None = None, **changes: Any) -> Frame:
        """Hold a phone showing ``text`` as a QR code in front of the lens; returns the frame rendered."""
        chosen = replace(look or Look(), **changes)
        frame = render_qr(text, chosen, size=self.size, seed=self.seed + len(self.scenes))
        self._set_reel(_Still(frame), f"qr:{text}")
        return frame

    def show_image(self, path: str | os.PathLike[str]) -> Frame:
        """Hold a photo in front of the lens (shrunk to fit and centred in the frame)."""
        frame = fit_image(path, size=self.size, seed=self.seed)
        self._set_reel(_Still(frame), f"image:{os.fspath(path)}")
        return frame

    def clear(self) -> None:
        """Nobody in front of the kiosk."""
        self._set_reel(_Still(empty_scene(size=self.size, seed=self.seed + len(self.scenes))), "empty")

    def push(self, *frames: Frame) -> None:
        """Play frames made by a test, one per frame period from now; the last one stays in view."""
        self._set_reel(_Frames([self._check(f) for f in frames], after="hold"), f"frames:{len(frames)}")

    def play(self, images: Sequence[str | os.PathLike[str] | Frame], *, loop: bool = False) -> None:
        """Play image files (fitted to the frame) or frames from now; afterwards loop or end."""
        frames = [
            self._check(i) if isinstance(i, np.ndarray) else fit_image(i, size=self.size) for i in images
        ]
        self._set_reel(_Frames(frames, after="loop" if loop else "end"), f"images:{len(frames)}")

    def play_video(self, path: str | os.PathLike[str], *, loop: bool = False) -> None:
        """Play a video file from now, decoding only the frames that fall due."""
        self._set_reel(_Video(Path(path), loop=loop), f"video:{os.fspath(path)}")

    @property
    def ended(self) -> bool:
        """True once a non-looping reel has run out of frames."""
        return (
            self.frame_index is not None
            and self._reel is not None
            and (self._reel.frame_at(self.frame_index) is None)
        )

    def _check(self, frame: Frame) -> Frame:
        # A camera delivers one size and one pixel format; a test frame that breaks that is a bug.
        width, height = self.size
        if frame.dtype != np.uint8 or frame.shape[:2] != (height, width) or frame.ndim not in (2, 3):
            raise ValueError(f"frame must be uint8 of {height}x{width}, got {frame.dtype} {frame.shape}")
        return frame

    def _set_reel(self, reel: _Reel, scene: str) -> None:
        if self._reel is not None:
            self._reel.close()
        self._reel = reel
        self.scenes.append((self.clock.now(), scene))
        if self._state == "started":
            self._origin = self.clock.monotonic()
