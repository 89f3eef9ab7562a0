# Helpers for the sensor, simulator and NeoPixel device tests (both runtimes).
import machine
import tcheck
from thingflow import InputThing, Scheduler
from vclock import VirtualClock, run_for


def bus(key=0):
    """A fresh simulated I2C bus (every earlier bus, pin and ADC forgotten)
    and a machine.I2C on it."""
    machine.sim_reset()
    return machine.I2C(key, scl=machine.Pin(5), sda=machine.Pin(4))


def close(a, b, tol=1e-9):
    """a and b equal up to tol relative (floats, or tuples of floats)."""
    if isinstance(a, tuple):
        return len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


class Rec(tcheck.Rec):
    """Records ('next', event) / ('done',) / ('err', exception)."""

    def values(self):
        return [x[1][2] for x in self.log if x[0] == 'next']

    def times(self):
        return [x[1][1] for x in self.log if x[0] == 'next']


class Counter:
    """A plain sensor beside the one under test: 1, 2, 3, ..."""
    sensor_id = 'count'

    def __init__(self):
        self.n = 0

    def sample(self):
        self.n += 1
        return self.n


class Hook(InputThing):
    """Calls fn(n) after the n-th event it receives (n from 1)."""

    def __init__(self, fn):
        self.fn = fn
        self.n = 0

    def on_next(self, x):
        self.n += 1
        self.fn(self.n)


def error_mid_run(sensor, chip, interval=10, fail_after=3, seconds=99):
    """Run sensor and a Counter every interval s in virtual time; after the
    sensor's fail_after-th event, the chip fails its next transfer (EIO).
    Returns (recorder of the sensor, recorder of the counter)."""
    clk = VirtualClock()
    s = Scheduler(clk)
    r, rc = Rec(), Rec()

    def hit(n):
        if n == fail_after:
            chip.fail(1)
    s.schedule_sensor(sensor, interval, r, Hook(hit))
    s.schedule_sensor(Counter(), interval, rc)
    run_for(s, seconds)
    return r, rc


def newlib_errno(fn, *a, **k):
    """The OSError that fn(*a, **k) raises on a port whose errno numbers are
    newlib's (the ESP32: ETIMEDOUT is 116, not 110): a stand-in errno
    module for the call, and sensors._err loaded anew (before and after)."""
    import sys

    class Errno:
        ENODEV = 19
        ETIMEDOUT = 116

    def unload():
        sys.modules.pop('sensors._err', None)
        p = sys.modules.get('sensors')
        if p is not None and hasattr(p, '_err'):
            delattr(p, '_err')
    saved = sys.modules.get('errno')
    unload()
    sys.modules['errno'] = Errno
    try:
        return tcheck.raises(OSError, fn, *a, **k)
    finally:
        if saved is None:
            del sys.modules['errno']
        else:
            sys.modules['errno'] = saved
        unload()
