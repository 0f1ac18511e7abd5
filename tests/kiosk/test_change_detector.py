"""The idle kiosk skips frames of an unchanged scene, yet reads a code within one frame of its appearing (#13)."""

from __future__ import annotations

import numpy as np
from kiosk_factories import card

from hardware.camera import Frame
from hardware.camera.replay import ReplayCamera
from hardware.camera.scene import empty_scene
from hardware.clock import FakeClock
from kiosk.scanning import DECODE_EVERY, SETTLE_FRAMES, ChangeDetector, FrameReader

SIZE = (640, 360)
PERIOD = 1 / 30


def camera_and_reader() -> tuple[FakeClock, ReplayCamera, FrameReader]:
    clock = FakeClock()
    camera = ReplayCamera(clock=clock, size=SIZE, fps=30)
    camera.start()
    return clock, camera, FrameReader(ChangeDetector())


def read_frames(clock: FakeClock, camera: ReplayCamera, reader: FrameReader, count: int) -> list[list[str]]:
    found = []
    for _ in range(count):
        clock.advance(seconds=PERIOD)
        found.append(reader.texts(camera.read()))
    return found


def noisy_frames(count: int, sigma: float = 3.0) -> list[Frame]:
    """The same empty hall with fresh sensor noise in every frame, as a real camera gives."""
    rng = np.random.default_rng(5)
    base = empty_scene(size=SIZE, noise=0).astype(np.float32)
    return [np.asarray(np.clip(base + rng.normal(0, sigma, base.shape), 0, 255), np.uint8) for _ in range(count)]


def test_unchanged_scene_is_decoded_once_per_decode_every_frames() -> None:
    clock, camera, reader = camera_and_reader()
    read_frames(clock, camera, reader, SETTLE_FRAMES + DECODE_EVERY)  # the first frame is a change
    before = reader.decoded
    read_frames(clock, camera, reader, 10 * DECODE_EVERY)
    assert reader.decoded - before == 10


def test_sensor_noise_is_not_a_change() -> None:
    clock, camera, reader = camera_and_reader()
    camera.play(noisy_frames(DECODE_EVERY), loop=True)
    read_frames(clock, camera, reader, SETTLE_FRAMES + DECODE_EVERY)
    before = reader.decoded
    read_frames(clock, camera, reader, DECODE_EVERY)
    assert reader.decoded - before == 1


def test_code_appearing_in_an_idle_scene_is_read_on_that_frame() -> None:
    clock, camera, reader = camera_and_reader()
    read_frames(clock, camera, reader, SETTLE_FRAMES + 7)  # idle, between two forced decodes
    camera.show(card())
    assert read_frames(clock, camera, reader, 1) == [[card()]]


def test_code_held_still_is_read_on_every_frame() -> None:
    clock, camera, reader = camera_and_reader()
    camera.show(card())
    assert read_frames(clock, camera, reader, 3 * DECODE_EVERY) == [[card()]] * (3 * DECODE_EVERY)
