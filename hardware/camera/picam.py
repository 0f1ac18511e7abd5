"""CSI cameras (Camera Module 2/3, HQ) through picamera2 and libcamera."""

from __future__ import annotations

from typing import Any

import numpy as np

from hardware.camera import CameraError, Frame, StartStop


class Picamera2Camera(StartStop):
    """A picamera2 preview stream; picamera2 comes from apt (python3-picamera2), not PyPI."""

    def __init__(self, camera_num: int = 0, *, size: tuple[int, int] = (1280, 720)) -> None:
        self.camera_num = camera_num
        self.size = size
        self._camera: Any = None

    def start(self) -> None:
        """Configure a preview stream at the configured size and start it."""
        if self._camera is not None:
            raise CameraError("camera already started")
        try:
            # Only on a Pi: the PyPI wheel lacks the apt-only libcamera bindings.
            from picamera2 import Picamera2
        except ImportError as exc:
            raise CameraError(
                "picamera2 is not importable: apt install python3-picamera2 and use a venv "
                "created with --system-site-packages"
            ) from exc
        camera = Picamera2(self.camera_num)
        # libcamera's "RGB888" is stored B, G, R in memory: exactly the BGR order OpenCV expects.
        config = camera.create_preview_configuration(main={"format": "RGB888", "size": self.size})
        camera.configure(config)
        camera.start()
        self._camera = camera

    def read(self) -> Frame | None:
        """The newest frame as BGR (blocks until the next one is ready)."""
        if self._camera is None:
            raise CameraError("camera not started")
        frame = self._camera.capture_array("main")
        return None if frame is None else np.asarray(frame, np.uint8)

    def close(self) -> None:
        """Stop the stream and release the camera."""
        if self._camera is not None:
            camera, self._camera = self._camera, None
            camera.stop()
            camera.close()
