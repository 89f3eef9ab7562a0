# Time-based filters: throttle, heartbeat, buffer_with_time. Their time is
# the scheduler's clock (Scheduler.clock), so they run in virtual time in
# tests (vclock.VirtualClock); heartbeat and buffer_with_time schedule
# themselves on the scheduler (no thread). Importing this module gives
# thingflow.OutputThing their fluent methods (and imports filters.py).
#
#   import filters_value, filters_time
#   s = Scheduler()
#   t = SensorAsOutputThing(sensor, s.clock)
#   t.delta(0.5).heartbeat(300, s).throttle(60, s).connect(writer)
#   s.schedule_periodic(t, 10)
#   # a change of 0.5 goes out at once (at most one a minute), and when
#   # nothing changed the last value is repeated every 5 minutes
from thingflow import default_clock
from filters import _Base, _SKIP, _count, _reg


class Throttle(_Base):
    """throttle(interval, sched=None): at most one event per interval seconds:
    an event passes when interval s have gone by since the last one passed
    (the first always passes); the others are dropped (counted).
    sched: the Scheduler whose clock to use (or a clock object); default:
    thingflow.default_clock."""

    def __init__(self, interval, sched=None):
        _Base.__init__(self)
        c = default_clock if sched is None else sched
        if not hasattr(c, 'ticks_ms'):  # a Scheduler: its clock (not the .clock
            c = c.clock  # a LightSleepClock wraps: its ticks may stop in a sleep)
        c.ticks_diff  # AttributeError for something that is not a clock
        try:
            ms = int(round(interval * 1000))
        except Exception:  # not a number, NaN, infinity
            ms = 0
        # at most half the ticks period of a 32-bit board (2**29 ms): a
        # longer interval would pass an event once ticks_diff wrapped
        if not 0 < ms <= 536870000:
            raise ValueError('throttle interval must be 0.001 to 536870 s, not %r' % (interval,))
        self._ms = ms
        self._clk = c
        self._t = None

    def on_next(self, x):
        c = self._clk
        now = c.ticks_ms()
        t = self._t
        # a negative difference can only be a wrapped clock: long ago
        if t is not None and 0 <= c.ticks_diff(now, t) < self._ms:
            self.dropped += 1
            return
        self._t = now
        self._dispatch_next(x)


class Heartbeat(_Base):
    """heartbeat(interval, sched): passes every event at once; at each check
    (every interval seconds on sched) when nothing passed since the previous
    check, sends the last value again, with the clock's time() as its ts
    for a (sensor_id, ts, value) event, so the larger system knows the
    device is alive. A repeat thus follows a whole interval without a value
    (each silent interval gets one), never a fresh value's wake-up when the
    source runs first in it, and the longest silence is under 2 * interval.
    Counter: repeats."""
    repeats = 0

    def __init__(self, interval, sched):
        _Base.__init__(self)
        self._b = sched
        # checks every interval s; the cancel function is what _Base.on_error
        # calls before the stream ends (validates interval)
        self._flush = sched.schedule_periodic(self, interval)
        self._last = _SKIP
        self._seen = False
        self._t = None  # the scheduler's wakeups at the first check

    def on_next(self, x):
        self._last = x
        # a value after the first check in its wake-up counts as before it
        self._seen = self._b.wakeups != self._t
        self._dispatch_next(x)

    def _observe(self):
        s = self._b
        if self._t is None:
            # The first check: move to the end of this interval's group (the
            # scheduler runs a group in the order its tasks were added), so
            # that from now on the check runs after a source scheduled once
            # the chain was built (the README's order) and sees the values
            # of its wake-up: a check before them would send a stale repeat
            # just before a fresh value.
            for g in s._groups:
                if self in g[3:]:
                    g.remove(self)
                    g.append(self)
                    break
            self._t = s.wakeups
        if self._seen:
            self._seen = False
            return
        x = self._last
        if x is _SKIP:
            return
        if type(x) is tuple and len(x) > 2:  # only the ts is new
            x = (x[0], s.clock.time()) + x[2:]
        self.repeats += 1
        self._dispatch_next(x)


class BufferWithTime(_Base):
    """buffer_with_time(interval, sched, count=None): collects events and
    sends them as one list every interval seconds (on sched's schedule),
    when there are any; with count, a list also goes out as soon as it
    holds count events (which bounds its size). At completion or an error
    the partial list is sent first."""

    def __init__(self, interval, sched, count=None):
        if count is not None:
            _count(count, 1, 'count')
        _Base.__init__(self)
        self._stop = sched.schedule_periodic(self, interval)  # validates interval
        self._n = count
        self._b = []

    def on_next(self, x):
        b = self._b
        b.append(x)
        if len(b) == self._n:
            self._observe()

    def _observe(self):
        b = self._b
        if b:
            self._b = []
            self._dispatch_next(b)

    def _flush(self):
        # before the stream ends: no more checks, the partial list goes out
        self._stop()
        self._observe()


_reg[3] = globals()  # the fluent methods: t.throttle(...) etc.
