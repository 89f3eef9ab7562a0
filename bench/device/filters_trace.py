# The reference sensor trace of the filter benchmarks and the end-to-end test:
# a day of a slowly varying indoor temperature sampled every 10 s, made
# deterministically (no random module: an LCG for the noise), in steps of
# 1/16 deg C as an MCP9808 reports it. Runs on MicroPython and CPython.
#
#   from filters_trace import trace
#   for v in trace(): ...          # 8640 values, deg C
import math

_DAY = 86400


def trace(n=8640, step=10, seed=12345):
    """n temperatures (deg C) sampled every step seconds, starting at midnight:
    21 +- 2.5 deg C over the day (coldest at 04:00), a slower +-0.7 deg C
    drift with a 5.6 h period, and +-0.0625 deg C of sensor noise."""
    s = seed
    for i in range(n):
        t = i * step
        v = 21 + 2.5 * math.sin(2 * math.pi * (t - 36000) / _DAY) \
            + 0.7 * math.sin(2 * math.pi * t / 20000)
        s = (s * 1103515245 + 12345) & 0x7fffffff
        v += ((s >> 16) % 3 - 1) * 0.0625
        yield round(v * 16) / 16


class TraceSensor:
    """A sensor (sensor_id, sample()) that plays trace(...), then raises
    StopIteration (which completes the stream)."""

    def __init__(self, sid='temp', **kw):
        self.sensor_id = sid
        self._it = trace(**kw)

    def sample(self):
        return next(self._it)
