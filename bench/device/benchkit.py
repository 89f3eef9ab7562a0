# Shared parts of the device-side benchmark scripts (they run on MicroPython
# and CPython; the script's folder is on the path, so `import benchkit` works).
import time

# a microsecond clock on both runtimes
try:
    ticks_us, ticks_diff = time.ticks_us, time.ticks_diff
except AttributeError:  # CPython
    def ticks_us():
        return time.monotonic_ns() // 1000

    def ticks_diff(a, b):
        return a - b


class Sensor:
    """A sensor that counts: 1, 2, 3 ..."""

    def __init__(self, sid='s'):
        self.sensor_id = sid
        self.n = 0

    def sample(self):
        self.n += 1
        return self.n


class Sink:
    """An input thing that counts events; an error is raised, never hidden."""

    def __init__(self):
        self.n = 0

    def on_next(self, x):
        self.n += 1

    def on_completed(self):
        pass

    def on_error(self, e):
        raise e


def rate(thing, n=20000, rounds=5):
    """Events per second of thing._observe(), the best of rounds runs of n
    (MicroPython's time.ticks_us)."""
    import gc
    import time
    best = 0
    for r in range(rounds):
        gc.collect()
        t0 = time.ticks_us()
        for i in range(n):
            thing._observe()
        dt = time.ticks_diff(time.ticks_us(), t0)
        best = max(best, n * 1000000 // dt)
    return best
