"""Cameras behind one small interface; the backend is picked by configuration, not by code."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, Self

import numpy as np
import numpy.typing as npt

from hardware.clock import Clock, SystemClock

Frame = npt.NDArray[np.uint8]


class CameraError(RuntimeError):
    """The camera cannot be opened or was used out of order."""


class FrameSource(Protocol):
    """What the kiosk needs from a camera: frames as BGR (or gray) uint8 arrays."""

    def start(self) -> None:
        """Open the device and begin streaming."""
        ...

    def read(self) -> Frame | None:
        """The newest frame, or None if none could be had (unplugged, end of a replay)."""
        ...

    def close(self) -> None:
        """Stop streaming and release the device; safe to call twice."""
        ...

    def __enter__(self) -> Self:
        """Start the camera."""
        ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the camera."""
        ...


class StartStop:
    """``with camera:`` starts it and closes it again, for every backend."""

    def start(self) -> None:
        """Open the device and begin streaming."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop streaming and release the device."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        """Start the camera."""
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the camera."""
        self.close()


# Each opener imports its backend only when chosen, so a CI box without picamera2 (or a Pi
# without OpenCV) can still import this module and use the others.
def _open_replay(clock: Clock | None, options: dict[str, Any]) -> FrameSource:
    from hardware.camera.replay import ReplayCamera

    return ReplayCamera.from_config(clock=clock or SystemClock(), **options)


def _open_opencv(clock: Clock | None, options: dict[str, Any]) -> FrameSource:
    from hardware.camera.opencv import OpenCVCamera

    return OpenCVCamera(**options)


def _open_picamera2(clock: Clock | None, options: dict[str, Any]) -> FrameSource:
    from hardware.camera.picam import Picamera2Camera

    return Picamera2Camera(**options)


CAMERA_BACKENDS: dict[str, Callable[[Clock | None, dict[str, Any]], FrameSource]] = {
    "replay": _open_replay,
    "opencv": _open_opencv,
    "picamera2": _open_picamera2,
}


def open_camera(kind: str, *, clock: Clock | None = None, **options: Any) -> FrameSource:
    """Build (not start) the camera named by configuration: "replay", "opencv" or "picamera2"."""
    try:
        opener = CAMERA_BACKENDS[kind]
    except KeyError:
        raise ValueError(f"unknown camera kind {kind!r}; expected one of {sorted(CAMERA_BACKENDS)}") from None
    return opener(clock, options)


__all__ = ["CAMERA_BACKENDS", "CameraError", "Frame", "FrameSource", "StartStop", "open_camera"]
