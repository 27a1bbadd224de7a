"""Recent timings kept for the metrics endpoint and the benchmarks (mixer clock lateness,
packet latency, video fan-out delay): shared by the mixer and the media path."""

from __future__ import annotations

import numpy as np


class RecentValues:
    """A bounded ring of recent measurements (seconds) with percentiles."""

    def __init__(self, capacity: int = 3000) -> None:
        self._values = np.zeros(capacity, dtype=np.float64)
        self._count = 0

    def record(self, seconds: float) -> None:
        self._values[self._count % len(self._values)] = seconds
        self._count += 1

    @property
    def count(self) -> int:
        return self._count

    def clear(self) -> None:
        self._count = 0

    def percentile(self, q: float) -> float:
        n = min(self._count, len(self._values))
        return float(np.percentile(self._values[:n], q)) if n else 0.0
