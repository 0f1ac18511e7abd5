"""USB (UVC) webcams through OpenCV's V4L2 backend; CSI cameras need picamera2 instead."""

from __future__ import annotations

from typing import Any

import numpy as np

from hardware.camera import CameraError, Frame, StartStop


class OpenCVCamera(StartStop):
    """A ``cv2.VideoCapture`` on a V4L2 device index or path (``/dev/video0``)."""

    def __init__(
        self,
        device: int | str = 0,
        *,
        size: tuple[int, int] = (1280, 720),
        fps: float | None = None,
        api: int | None = None,
    ) -> None:
        self.device = device
        self.size = size
        self.fps = fps
        self.api = api  # a cv2.CAP_* constant; None means V4L2, the only one that works on the Pi
        self._capture: Any = None

    def start(self) -> None:
        """Open the device and ask for the configured resolution."""
        # Imported here: the Pi may run without OpenCV when it only has a CSI camera.
        import cv2

        if self._capture is not None:
            raise CameraError("camera already started")
        api = cv2.CAP_V4L2 if self.api is None else self.api
        capture = cv2.VideoCapture(self.device, api)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"cannot open camera {self.device!r}")
        # UVC cameras only reach 720p at a useful rate in MJPG; the driver ignores what it cannot do.
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        if self.fps is not None:
            capture.set(cv2.CAP_PROP_FPS, self.fps)
        # A deep driver queue would hand us stale frames; the kiosk wants the newest one.
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._capture = capture

    def read(self) -> Frame | None:
        """The next frame as BGR, or None when the device returns nothing (unplugged, end of file)."""
        if self._capture is None:
            raise CameraError("camera not started")
        ok, frame = self._capture.read()
        if not ok or frame is None:
            return None
        return np.asarray(frame, np.uint8)

    def close(self) -> None:
        """Release the device."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None
