# Filters for ThingFlow on MicroPython: process readings near the sensor and
# send less over the radio. Importing a filter module gives every
# thingflow.OutputThing the fluent methods of its filters (the core itself
# stays as small as it was).
#
#   filters.py         map, where (alias filter), scan, take, skip,
#                      buffer_with_count, dispatch; FilterError
#   filters_value.py   delta, calibrate, clamp, round
#   filters_window.py  sliding_mean, median, ema
#   filters_time.py    throttle, heartbeat, buffer_with_time
#
# Import only the modules you use: each costs heap (see README.md (filters)).
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
#
# RAM: this file is written for a small heap (every class, function and new
# name costs heap on MicroPython; bench/bench_filters.py measures it):
# - The fluent methods are one __getattr__ on OutputThing (t.buffer_with_count
#   finds the class BufferWithCount in the modules registered in _reg), not one
#   method per filter.
# - Every filter keeps the function it calls per event in _f: the user's
#   function, the rules of dispatch, or the class's own step (value filters).
#   Once its stream has ended, _f is None and on_next is _fail, so a later
#   event is counted: no "ended?" test on the per-event path.
from thingflow import OutputThing, InputThing, Filter, FatalError


class FilterError(Exception):
    """Sent downstream as on_error when a function inside a filter raised.
    .event: the event that caused it; .exc: the exception. Message:
    "Map failed on ('t', 5, 7): ZeroDivisionError(...)"."""


_SKIP = object()  # a step returns this when nothing is to be sent


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
    function, passes completion and errors to every open port: the ports
    of dispatch's rules in their order, then 'default' (one order on both
    runtimes: a MicroPython dict keeps no insertion order).
    A subclass keeps in _f what it calls per event (None once its stream
    ended; on_next is then _fail, which counts) and may define _flush(),
    called once before its stream ends while its default port is open
    (send a partial list, cancel a schedule)."""
    dropped = 0  # events dropped: filtered out, or arrived after the end
    ports = ()  # Dispatch: its rules' ports, then 'default'
    _flush = InputThing.on_next  # a no-op: what to do before the stream ends

    def _fail(self, x, *e):
        # called from the except clause of on_next: x caused exception e;
        # and as on_next once the stream has ended (no e): x is dropped
        if self._f is None:  # the stream has ended already
            self.dropped += 1
            return
        e = e[0]
        if isinstance(e, FatalError):
            raise e
        self._f = None
        f = FilterError('%s failed on %r: %r' % (type(self).__name__, x, e))
        f.event = x
        f.exc = e
        self.on_error(f)

    def on_error(self, e=None):
        # e None: completion. Ports that are closed already are skipped, so
        # an upstream completion after this filter ended is not an error.
        c = self._conns
        for p in self.ports:  # not the dict: its order differs on MicroPython
            if p != 'default' and c[p] is not None:
                self._dispatch_error(e, p)
        if c['default'] is not None:
            self._flush()
            # ended: every later event is counted in dropped (e.g. from a
            # second source of this filter), whatever this filter's on_next
            self._f = None
            self.on_next = self._fail
            self._dispatch_error(e)
        elif e is not None:  # an error after the end (a second source's): counted as a late event
            self.dropped += 1
    on_completed = on_error


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
    """where(func), alias filter(func): passes the events for which the
    predicate func(event) is true; the others are counted in dropped. (A
    subclass of Map only to share its __init__, which saves heap.)"""

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
        self._b = _SKIP if seed is None else seed  # the accumulation

    def on_next(self, x):
        a = self._b
        try:
            if a is not _SKIP:
                x = self._f(a, x)
        except Exception as e:
            return self._fail(x, e)
        self._b = x
        self._dispatch_next(x)


def _n(self, n):
    # __init__ of Take and Skip: n >= 0 events
    _Base.__init__(self)
    self._n = _count(n, 0, type(self).__name__.lower() + ' n')


class Take(_Base):
    """take(n): passes the first n events, then completes; later events are
    counted in dropped. take(0) completes at the first event."""
    __init__ = _n

    def on_next(self, x):
        if self._n > 0:
            self._n -= 1
            self._dispatch_next(x)
            if self._n:
                return
        else:
            self.dropped += 1
        self.on_error()  # complete (a no-op once completed)


class Skip(_Base):
    """skip(n): drops the first n events (counted in dropped), passes the rest."""
    __init__ = _n

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

    def _flush(self):
        k = self._k
        if k:
            self._k = 0
            self._dispatch_next(self._b[:k])


class Dispatch(_Base):
    """dispatch(rules): rules is a list of (pred, port) pairs; each event goes
    to the port of the first pred that is true for it, else to 'default'.
    Completion and errors go to every port, in the order of .ports: the
    rules' ports as given, then 'default' (last even when a rule names it).
    Connect with d.connect(thing, port_map=(port, 'default'))."""

    def __init__(self, rules):
        ports = []
        self._f = rules = tuple(rules)  # once: rules may be an iterator
        for r in rules:
            try:  # a pair (pred, port); not a pred alone, nor one flat pair
                f, p = r
            except Exception:  # (a message of up to 10 characters: a qstr,
                raise TypeError('no pair %r' % (r,))  # not a str object on the heap)
            _fn(f)
            ports.append(p)
        ports.append('default')
        _Base.__init__(self, ports)
        self.ports = ports

    def on_next(self, x):
        p = 'default'
        try:
            for r in self._f:
                if r[0](x):
                    p = r[1]
                    break
        except Exception as e:
            return self._fail(x, e)
        self._dispatch_next(x, p)


# each filter module's globals() in its own slot (filters 0, filters_value 1,
# filters_window 2, filters_time 3): a module imported again (after it left
# sys.modules) replaces its old copy, which is not kept alive
_reg = [globals()] * 4


def _fluent(self, name):
    # OutputThing.__getattr__: t.sliding_mean(...) makes SlidingMean(...) (the
    # name in camel case, a filter class of a module in _reg), connects it to
    # t and returns it; AttributeError naming anything else
    c = ''
    if name == 'filter':  # t.filter(pred) is t.where(pred), as in ThingFlow-Python
        name = 'where'
    for w in name.split('_'):
        if not w.islower():  # only snake case: not t.Map, t._map, t.map_
            raise AttributeError(name)
        c += w[0].upper() + w[1:]
    for g in _reg:
        f = g.get(c)
        if isinstance(f, type) and issubclass(f, _Base):
            def make(*a, **k):
                x = f(*a, **k)
                self.connect(x)
                return x
            return make
    raise AttributeError(name)


OutputThing.__getattr__ = _fluent
