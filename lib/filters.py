# Filters for ThingFlow on MicroPython: process readings near the sensor and
# send less over the radio. Importing a filter module adds its fluent methods
# to thingflow.OutputThing (the core itself stays as small as it was).
#
#   filters.py         map, where (alias filter), scan, take, skip,
#                      buffer_with_count, dispatch; FilterError
#   filters_value.py   delta, calibrate, clamp, round
#   filters_window.py  sliding_mean, median, ema
#   filters_time.py    throttle, heartbeat, buffer_with_time
#
# Import only the modules you use: each costs heap (see docs/filters.md).
#
#   import filters, filters_value
#   from thingflow import Scheduler, SensorAsOutputThing
#   s = Scheduler()
#   t = SensorAsOutputThing(sensor, s.clock)
#   t.calibrate(offset=-0.5).delta(0.2).buffer_with_count(6).connect(writer)
#   s.schedule_periodic(t, 10)          # sample every 10 s
#
# The same filters by construction:  m = filters.Map(f); t.connect(m); m.connect(w)
#
# Events are tuples (sensor_id, ts, value). map, where, scan, take, skip,
# buffer_with_count and dispatch see whole events, as in ThingFlow-Python;
# the value filters work on the value of an event.
#
# Errors: an exception in a function a filter calls (the user's function of
# map, where, scan, dispatch, or the arithmetic of a value filter) is sent
# downstream as on_error(FilterError) naming the event, and that filter's
# stream ends (later events are counted in .dropped). FatalError passes
# through. Bad parameters raise ValueError (TypeError for a function that is
# not callable) at construction. Completion and errors pass through every
# filter. Every filter counts what it drops in .dropped.
from thingflow import Scheduler, SensorAsOutputThing
#   s = Scheduler()
#   t = SensorAsOutputThing(sensor, s.clock)
#   t.calibrate(offset=-0.5).delta(0.2).buffer_with_count(6).connect(writer)
#   s.schedule_periodic(t, 10)          # sample every 10 s
#
# The same filters by construction:  m = filters.Map(f); t.connect(m); m.connect(w)
#
# Events are tuples (sensor_id, ts, value). map, where, scan, take, skip,
# buffer_with_count and dispatch see whole events, as in ThingFlow-Python.
# The value filters (delta, sliding_mean, median, ema, calibrate, clamp,
# round) work on the value of an event and pass on (sensor_id, ts, new value);
# any other input (e.g. a number after .map(lambda e: e[2])) is the value.
#
# Errors: an exception in a function a filter calls (the user's function of
# map, where, scan, dispatch, or the arithmetic of a value filter) is sent
# downstream as on_error(FilterError) naming the event, and that filter's
# stream ends (later events are counted in .dropped). FatalError passes
# through. Bad parameters raise ValueError (TypeError for a function that is
# not callable) at construction. Completion and errors pass through every
# filter. Every filter counts what it drops in .dropped.
# Time-based filters (throttle, heartbeat, buffer_with_time) are in
# filters_time.py.
from thingflow import OutputThing, Filter, FatalError


class FilterError(Exception):
    """Sent downstream as on_error when a function inside a filter raised.
    .event: the event that caused it; .exc: the exception."""

    def __init__(self, name, event, exc):
        super().__init__('%s failed on %r: %r' % (name, event, exc))
        self.event = event
        self.exc = exc


class _Ended(Exception):
    pass


def _ended(*a):
    # stands in for the functions of a filter whose stream has ended
    raise _Ended


_SKIP = _Ended  # a value filter's step returns this when nothing is to be sent


def _count(n, lo, what):
    # an int >= lo, or ValueError naming the value
    if type(n) is not int or n < lo:
        raise ValueError('%s must be an int >= %d, not %r' % (what, lo, n))
    return n


def _fn(f):
    if not callable(f):
        raise TypeError('want a function, not %r' % (f,))
    return f


class _Base(Filter):
    """Common to all filters: counts drops, ends the stream on a failed
    function, passes completion and errors to every open port."""
    dropped = 0  # events dropped: filtered out, or arrived after the end

    def _fail(self, x, e):
        # called from the except clause of on_next: x caused exception e
        if isinstance(e, _Ended):  # the stream has ended already
            self.dropped += 1
            return
        if isinstance(e, FatalError):
            raise e
        self._end()
        self.on_error(FilterError(self.__class__.__name__, x, e))

    def _end(self):
        # from now on every event raises _Ended (counted as dropped)
        self._f = self._step = _ended

    def on_completed(self):
        self.on_error(None)

    def on_error(self, e):
        # e None: completion. Ports that are closed already are skipped, so
        # an upstream completion after this filter ended is not an error.
        c = self._conns
        for p in c:
            if c[p] is not None:
                self._dispatch_error(e, p)


class Map(_Base):
    """map(func): sends func(event) for each event."""

    def __init__(self, func):
        _Base.__init__(self)
        self._f = _fn(func)

    def on_next(self, x):
        try:
            y = self._f(x)
        except Exception as e:
            return self._fail(x, e)
        self._dispatch_next(y)


class Where(Map):
    """where(pred), alias filter(pred): passes the events for which pred(event)
    is true; the others are counted in dropped. (A subclass of Map only to
    share its __init__, which saves heap.)"""

    def on_next(self, x):
        try:
            ok = self._f(x)
        except Exception as e:
            return self._fail(x, e)
        if ok:
            self._dispatch_next(x)
        else:
            self.dropped += 1


class Scan(_Base):
    """scan(func, seed=None): sends the running accumulation acc = func(acc,
    event). Without a seed the first event is the first accumulation (as
    ThingFlow-Python's scan)."""

    def __init__(self, func, seed=None):
        _Base.__init__(self)
        self._f = _fn(func)
        self._acc = seed
        self._has = seed is not None

    def on_next(self, x):
        try:
            a = self._f(self._acc, x) if self._has else x
        except Exception as e:
            return self._fail(x, e)
        self._acc = a
        self._has = True
        self._dispatch_next(a)


class Take(_Base):
    """take(n): passes the first n events, then completes; later events are
    counted in dropped. take(0) completes at the first event."""

    def __init__(self, n):
        _Base.__init__(self)
        self._n = _count(n, 0, 'take n')

    def on_next(self, x):
        if self._n > 0:
            self._n -= 1
            self._dispatch_next(x)
            if self._n:
                return
        else:
            self.dropped += 1
        self.on_error(None)  # complete (a no-op once completed)


class Skip(_Base):
    """skip(n): drops the first n events (counted in dropped), passes the rest."""

    def __init__(self, n):
        _Base.__init__(self)
        self._n = _count(n, 0, 'skip n')

    def on_next(self, x):
        if self._n > 0:
            self._n -= 1
            self.dropped += 1
        else:
            self._dispatch_next(x)


class BufferWithCount(_Base):
    """buffer_with_count(count): sends one list of count events (so count
    readings go out in one message). At completion or an error the partial
    list, if not empty, is sent first. Each list is allocated once, full
    size, and handed downstream (never reused)."""

    def __init__(self, count):
        _Base.__init__(self)
        self._n = _count(count, 1, 'count')
        self._b = [None] * count
        self._k = 0

    def on_next(self, x):
        b = self._b
        k = self._k
        b[k] = x
        k += 1
        if k == self._n:
            self._b = [None] * k
            self._k = 0
            self._dispatch_next(b)
        else:
            self._k = k

    def on_error(self, e):
        k = self._k
        if k and self._conns['default'] is not None:
            self._k = 0
            self._dispatch_next(self._b[:k])
        _Base.on_error(self, e)


class Dispatch(_Base):
    """dispatch(rules): rules is a list of (pred, port) pairs; each event goes
    to the port of the first pred that is true for it, else to 'default'.
    Completion and errors go to every port. Connect with
    d.connect(thing, port_map=(port, 'default'))."""

    def __init__(self, rules):
        ports = []
        for r in rules:
            _fn(r[0])
            ports.append(r[1])
        ports.append('default')
        _Base.__init__(self, ports)
        self._rules = tuple(rules)

    def _end(self):
        self._rules = ((_ended, 0),)

    def on_next(self, x):
        p = 'default'
        try:
            for r in self._rules:
                if r[0](x):
                    p = r[1]
                    break
        except Exception as e:
            return self._fail(x, e)
        self._dispatch_next(x, p)


def _fluent(cls):
    def method(self, *a, **k):
        f = cls(*a, **k)
        self.connect(f)
        return f
    return method


def _install(names):
    # the fluent methods: OutputThing.<name>(*args) connects a new filter
    for n, c in names:
        setattr(OutputThing, n, _fluent(c))


_install((('map', Map), ('where', Where), ('filter', Where), ('scan', Scan),
          ('take', Take), ('skip', Skip), ('buffer_with_count', BufferWithCount),
          ('dispatch', Dispatch)))
