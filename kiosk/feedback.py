"""What the person at the door sees and hears: LEDs, buzzer and door relay / 声光反馈.

Also times each outcome from frame capture to LED, the figure the rush-hour
benchmark reports.
"""

from __future__ import annotations

import time
from collections import deque

from hardware.gpio import KioskSignals


class Feedback:
    """Green and door, or red, for one outcome; and the latency of every outcome the scan loop handled."""

    def __init__(self, signals: KioskSignals) -> None:
        self.signals = signals
        self.latencies: deque[float] = deque(maxlen=100_000)
        """Seconds from frame capture to LED set, one per verdict the loop handled (perf_counter)."""

    def outcome(self, accepted: bool, started: float | None, *, door: bool = False) -> None:
        """Signal an outcome; ``started`` is the frame's perf_counter (None for touch-screen actions)."""
        if accepted:
            self.signals.accept()
            if door:
                self.signals.release_door()
        else:
            self.signals.refuse()
        if started is not None:
            self.latencies.append(time.perf_counter() - started)

    def attention(self) -> None:
        """Red and double beep after the door opened: a quick health screen sends the child to the 保健室."""
        self.signals.refuse()

    def refuse(self) -> None:
        """Red and buzz for a fault, untimed."""
        self.signals.refuse()

    def tick(self) -> None:
        """Let timed signals (LED hold, door release) end on time."""
        self.signals.tick()
