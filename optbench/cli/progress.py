"""A live progress line for runs that take more than a moment (stderr, terminals only)."""

from __future__ import annotations

import time
from typing import Any, Optional


class RunProgress:
    """Callback for the driver: after ``delay`` seconds shows iteration, f and ‖∇f‖, refreshed ≤ 10×/s."""

    def __init__(self, console: Any, label: str, enabled: bool = True, delay: float = 0.5):
        self.console = console
        self.label = label
        self.enabled = enabled and console.is_terminal
        self.delay = delay
        self.start = time.perf_counter()
        self.last = 0.0
        self.status: Optional[Any] = None

    def __call__(self, rec: dict) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.start < self.delay or now - self.last < 0.1:
            return
        self.last = now
        text = f"{self.label}: iter {rec['iter']}  f = {rec['f']:.6g}  ‖∇f‖ = {rec['grad_norm']:.3g}  ({now - self.start:.1f} s)"
        if self.status is None:
            self.status = self.console.status(text)
            self.status.start()
        else:
            self.status.update(text)

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
