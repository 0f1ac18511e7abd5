"""ReplayCamera: the fake FrameSource, timed by the injected clock, with world verbs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import CameraError, FrameSource, open_camera
from hardware.camera.replay import ReplayCamera
from hardware.clock import FakeClock
from hardware.qr import decode

SIZE = (64, 48)  # small frames keep these tests fast; the kiosk runs 1280x720


def numbered(n: int) -> np.ndarray:
    """A frame whose every pixel is n, so a test can tell which frame it got."""
    return np.full((SIZE[1], SIZE[0], 3), n, np.uint8)


def frame_number(frame: np.ndarray | None, step: int = 1) -> int | None:
    """Which numbered frame this is; video frames are numbered in steps of 20 to survive MJPEG."""
    return None if frame is None else round(float(frame.mean()) / step) * step


def period(fps: float, count: float = 1) -> timedelta:
    # timedelta keeps whole microseconds: 1/30 s becomes 33333 us, a third of a microsecond short.
    return timedelta(seconds=count / fps)


@pytest.fixture
def camera(clock: FakeClock) -> Iterator[ReplayCamera]:
    with ReplayCamera(clock=clock, fps=30, size=SIZE) as cam:
        yield cam


def test_read_returns_the_frame_due_at_elapsed_time_times_fps(camera: ReplayCamera, clock: FakeClock) -> None:
    camera.push(*(numbered(i) for i in range(10)))
    seen = []
    for step in (0, 1, 0.5, 2, 1):  # frame periods between reads
        clock.advance(period(30, step))
        seen.append(frame_number(camera.read()))
    assert seen == [0, 1, 1, 3, 4]


def test_frame_index_survives_microsecond_rounding_of_many_periods(
    camera: ReplayCamera, clock: FakeClock
) -> None:
    camera.push(*(numbered(i) for i in range(200)))
    for _ in range(90):
        clock.advance(period(30))
    assert frame_number(camera.read()) == 90


def test_pushed_frames_end_on_the_last_one_held(camera: ReplayCamera, clock: FakeClock) -> None:
    camera.push(numbered(7), numbered(8))
    clock.advance(seconds=5)
    assert frame_number(camera.read()) == 8


def test_played_images_end_with_none(camera: ReplayCamera, clock: FakeClock) -> None:
    camera.play([numbered(1), numbered(2)])
    clock.advance(period(30, 2))
    assert camera.read() is None
    assert camera.ended


def test_played_images_can_loop(camera: ReplayCamera, clock: FakeClock) -> None:
    camera.play([numbered(1), numbered(2), numbered(3)], loop=True)
    clock.advance(period(30, 4))
    assert frame_number(camera.read()) == 2


def test_each_read_is_a_fresh_copy(camera: ReplayCamera) -> None:
    camera.push(numbered(5))
    first = camera.read()
    assert first is not None
    first[:] = 0
    assert frame_number(camera.read()) == 5


def test_show_puts_a_readable_qr_code_in_front_of_the_lens(clock: FakeClock) -> None:
    with ReplayCamera(clock=clock) as camera:
        camera.show("TY1:HELLO")
        frame = camera.read()
        assert frame is not None and frame.shape == (720, 1280, 3)
        assert decode(frame) == ["TY1:HELLO"]


def test_clear_takes_the_code_away(clock: FakeClock) -> None:
    with ReplayCamera(clock=clock) as camera:
        camera.show("TY1:HELLO")
        camera.clear()
        assert decode(camera.read()) == []


def test_scenes_are_recorded_with_the_clock(camera: ReplayCamera, clock: FakeClock) -> None:
    t0 = clock.now()
    camera.push(numbered(1))
    clock.advance(seconds=2)
    camera.clear()
    assert camera.scenes == [(t0, "frames:1"), (t0 + timedelta(seconds=2), "empty")]


def test_show_image_places_a_photo_in_the_frame(tmp_path: Path, clock: FakeClock) -> None:
    import segno

    segno.make("TY1:PHOTO", micro=False).save(tmp_path / "card.png", scale=5)
    with ReplayCamera(clock=clock) as camera:
        camera.show_image(tmp_path / "card.png")
        assert decode(camera.read()) == ["TY1:PHOTO"]


def test_a_frame_of_the_wrong_size_is_refused(camera: ReplayCamera) -> None:
    with pytest.raises(ValueError, match="frame must be"):
        camera.push(np.zeros((10, 10, 3), np.uint8))


def test_reading_before_start_is_an_error(clock: FakeClock) -> None:
    with pytest.raises(CameraError, match="not started"):
        ReplayCamera(clock=clock).read()


def test_reading_after_close_is_an_error(camera: ReplayCamera) -> None:
    camera.close()
    with pytest.raises(CameraError):
        camera.read()


def write_video(path: Path, frames: int, fps: float) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, SIZE)
    for i in range(frames):
        writer.write(numbered(20 * i))
    writer.release()
    return path


def test_video_plays_at_its_own_rate_skipping_frames_nobody_read(tmp_path: Path, clock: FakeClock) -> None:
    video = write_video(tmp_path / "queue.avi", frames=10, fps=10)
    with ReplayCamera.from_video(video, clock=clock) as camera:
        first = frame_number(camera.read(), 20)
        clock.advance(seconds=0.35)
        later = frame_number(camera.read(), 20)
        clock.advance(seconds=1)
        assert (camera.fps, camera.size, first, later, camera.read()) == (10, SIZE, 0, 60, None)


def test_looping_video_wraps_around(tmp_path: Path, clock: FakeClock) -> None:
    video = write_video(tmp_path / "loop.avi", frames=4, fps=10)
    with ReplayCamera.from_video(video, clock=clock, loop=True) as camera:
        clock.advance(seconds=0.5)  # frame 5 of a 4-frame loop
        camera.read()
        clock.advance(seconds=0.1)
        assert frame_number(camera.read(), 20) == 40


def test_open_camera_builds_a_replay_camera_from_config(tmp_path: Path, clock: FakeClock) -> None:
    paths = []
    for i in (1, 2):
        paths.append(tmp_path / f"{i}.png")
        cv2.imwrite(str(paths[-1]), numbered(i * 50))
    camera: FrameSource = open_camera(
        "replay", clock=clock, images=[str(p) for p in paths], fps=5, size=[64, 48]
    )
    with camera:
        clock.advance(seconds=0.2)
        assert frame_number(camera.read()) == 100


def test_open_camera_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown camera kind"):
        open_camera("webcam")


def test_opencv_camera_reads_frames_through_videocapture(tmp_path: Path) -> None:
    video = write_video(tmp_path / "usb.avi", frames=3, fps=10)
    # A file stands in for /dev/video0: same VideoCapture code path, any backend instead of V4L2.
    with open_camera("opencv", device=str(video), api=cv2.CAP_ANY) as camera:
        frames = [frame_number(camera.read(), 20) for _ in range(4)]
    assert frames == [0, 20, 40, None]


def test_opencv_camera_that_cannot_open_says_so() -> None:
    camera = open_camera("opencv", device="/nonexistent/video99")
    with pytest.raises(CameraError, match="cannot open"):
        camera.start()


def test_picamera2_without_picamera2_installed_says_what_to_install() -> None:
    pytest.importorskip("numpy")
    try:
        import picamera2  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("picamera2 is installed: this is a Pi")
    with pytest.raises(CameraError, match="python3-picamera2"):
        open_camera("picamera2").start()
