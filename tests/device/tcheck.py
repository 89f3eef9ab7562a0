# Small helpers for device tests (they run on MicroPython, so no pytest here).
from thingflow import InputThing


def raises(exc, fn, *args, **kw):
    """Call fn(*args, **kw); it must raise exc. Returns the exception."""
    try:
        fn(*args, **kw)
    except exc as e:
        return e
    raise AssertionError('%r did not raise %s' % (fn, exc.__name__))


def msg(e):
    """The message of an exception, as str() gives it on both runtimes."""
    return str(e.args[0]) if e.args else ''


class Rec(InputThing):
    """An input thing that records ('next', x) / ('done',) / ('err', e) in .log."""

    def __init__(self):
        self.log = []

    def on_next(self, x):
        self.log.append(('next', x))

    def on_completed(self):
        self.log.append(('done',))

    def on_error(self, e):
        self.log.append(('err', e))


class Seq:
    """A sensor that plays a list (an exception in it is raised), then
    raises StopIteration."""

    def __init__(self, values, sid='seq'):
        self.sensor_id = sid
        self.values = list(values)

    def sample(self):
        if not self.values:
            raise StopIteration
        v = self.values.pop(0)
        if isinstance(v, Exception):
            raise v
        return v
