# ThingFlow for MicroPython: things, events, ports and a scheduler that wakes rarely.
#
# Runs unmodified on MicroPython (1.29) and CPython (3.11+).
#
#   from thingflow import Scheduler, Output
#   class Counter:                      # any object with sensor_id and sample()
#       sensor_id = 'count'
#       def __init__(self): self.n = 0
#       def sample(self):
#           self.n += 1
#           return self.n
#   s = Scheduler()
#   s.schedule_sensor(Counter(), 2.0, Output())    # prints ('count', ts, 1) every 2 s
#   s.run_forever()
#
# Events are plain tuples (sensor_id, ts, value). Things talk through on_next,
# on_completed and on_error, by named ports, as in ThingFlow-Python.
import time as default_clock  # MicroPython: the time module is the clock

# One scheduler tick is 10 ms and the logical clock wraps every 65535 ticks
# (655.35 s): the two numbers appear as literals below, which costs no RAM.

# ---- the one place where the two runtimes differ: ticks and sleeping ----
if not hasattr(default_clock, 'ticks_ms'):  # CPython: a monotonic millisecond clock with MicroPython's API
    # (names and strings here are chosen to add no qstr on MicroPython)
    time = default_clock

    class default_clock:  # a namespace like the time module, not instantiated
        def ticks_ms():
            return getattr(time, 'monotonic_ns')() // 1000000

        def ticks_diff(x, e):  # CPython's ticks never wrap
            return x - e

        def sleep_ms(x):
            time.sleep(x / 1000)

        time = time.time
ticks_ms = default_clock.ticks_ms
ticks_diff = default_clock.ticks_diff


class FatalError(Exception):
    """An error that stops the event flow; dispatch never wraps it."""


# ExcInDispatch, PortError, Output and sleep_ms live in tfrare.py, loaded on
# first use (most apps never raise them nor print events):
# thingflow.PortError and `from thingflow import Output` work as usual.
def __getattr__(x):
    import tfrare
    return getattr(tfrare, x)


class InputThing:
    """Receives events; every method does nothing by default."""

    def on_next(self, x=None):
        pass
    on_completed = on_error = on_next


class OutputThing:
    """Emits events on named output ports (['default'] when none are given).
    _conns maps each port to a tuple of the input things connected to it,
    or to None once the port is closed. A plain callable or a named input
    port is connected through an adapter from tfrare (on_next calling it,
    or on_<port>_next, _completed, _error), so dispatch only ever calls
    on_next, on_completed and on_error."""

    def __init__(self, ports=None):
        self._conns = dict.fromkeys(ports or ('default',), ())

    def _port(self, port):
        # The connections of an open port; PortError for an unknown (0) or closed (None) one.
        c = self._conns.get(port, 0)
        if c == 0 or c is None:
            __import__('tfrare')._port(c, port)
        return c

    def connect(self, thing, port_map=None):
        """Send the events of an output port to an input thing or a plain
        callable (called with each event; errors re-raised, completion
        ignored). port_map=(out_port, in_port); an in_port other than
        'default' calls on_<in_port>_next/_completed/_error.
        Returns a callable that disconnects."""
        out_p, in_p = port_map or ('default', 'default')
        if in_p != 'default' or not hasattr(thing, 'on_next'):
            thing = __import__('tfrare').connect(thing, in_p)  # an adapter
        else:  # a missing method raises AttributeError naming it
            thing.on_completed
            thing.on_error
        self._conns[out_p] = self._port(out_p) + (thing,)

        def cancel():  # once: the same thing may be connected twice
            nonlocal thing
            if thing is not None:
                __import__('tfrare').cancel(self._conns, out_p, thing)
                thing = None
        return cancel

    def _dispatch_next(self, x, port=None):
        if port is None:
            port = 'default'
        c = self._conns
        cs = c.get(port)
        if not cs:
            if cs is None:
                self._port(port)  # raises: unknown or closed
            return
        try:
            for t in cs:  # only to things still connected: one may close the port or disconnect another
                if c[port] is cs or t in (c[port] or ()):
                    t.on_next(x)
        except Exception as e:  # ExcInDispatch, unless e is a FatalError
            raise __import__('tfrare')._dispatch_next(x, e)

    def _dispatch_completed(self, port=None):
        self._dispatch_error(None, port)

    def _dispatch_error(self, e, port=None):
        # e None: completion. Either way the port is closed from here on.
        if port is None:
            port = 'default'
        cs = self._port(port)
        self._conns[port] = None
        try:
            for t in cs:
                if e is None:
                    t.on_completed()
                else:
                    t.on_error(e)
        except Exception as e2:
            raise __import__('tfrare')._dispatch_next(e or 'the completion', e2)


class Filter(OutputThing, InputThing):
    """Both at once: by default forwards every event, completion and error
    to its own default port. Subclasses override on_next and friends."""
    on_next = OutputThing._dispatch_next
    on_completed = OutputThing._dispatch_completed
    on_error = OutputThing._dispatch_error


class SensorAsOutputThing(OutputThing):
    """Samples a sensor (any object with sensor_id and sample()) at each
    wake-up and dispatches (sensor_id, ts, value); ts is the clock's time()
    in seconds. StopIteration from sample() completes the stream; any other
    exception is dispatched as on_error and ends it. Once the stream has
    ended (also by a _dispatch_completed() from elsewhere), _observe() no
    longer samples."""

    def __init__(self, sensor, clock=None):
        sensor.sample  # AttributeError names what is missing
        sensor.sensor_id
        OutputThing.__init__(self)
        self.sensor = sensor
        self.clock = clock or default_clock

    def _observe(self):
        if self._conns['default'] is None:  # ended between its runs: not sampled, the scheduler drops it
            return
        v = self._sample()
        if v is not self:
            self._dispatch_next((self.sensor.sensor_id, self.clock.time(), v))

    def _sample(self):
        # The try lives here, not in _observe: a function with an except
        # clause and more than a few locals gets its frame from the heap on
        # MicroPython, which made each event ten times slower.
        try:
            return self.sensor.sample()
        except Exception as e:  # StopIteration completes, the rest are errors
            self._dispatch_error(None if isinstance(e, StopIteration) else e)
        return self


class Scheduler:
    """Samples output things on their intervals, waking as rarely as it can.

    Internal layer (methods starting with _): integer ticks of 10 ms, no
    sleeping, no sampling. Tasks of one interval form a group; every group
    keeps to a common grid (due times are multiples of its interval from the
    scheduler's start), so intervals that are factors or multiples of each
    other always wake together, and a late run keeps the grid (no drift, no
    catch-up burst). The logical clock wraps every 65535 ticks.

    Public layer: schedule_periodic, schedule_sensor, run_forever, stop.
    clock: an object with ticks_ms(), ticks_diff(a, b), sleep_ms(ms) and,
    for event times, time(); default: the time module.
    Counters: wakeups (wake-ups that ran tasks), clock_faults (elapsed times
    that could not be true, replaced by the planned sleep; a negative time
    between two run_forever calls by none)."""

    def __init__(self, clock=None):
        self.clock = clock = clock or default_clock
        clock.ticks_ms  # AttributeError at once for what is not a clock (the type named)
        self.time_in_ticks = self.wakeups = self.clock_faults = 0  # logical time (0 <= t < 65535), counters
        self._groups = []  # [interval_ticks, next_tick, slack, task...], by interval
        self._wraps = 0  # how often the logical clock wrapped
        self._ms = 0  # elapsed milliseconds not yet counted as a tick
        self._run = False  # while running: the tasks cancelled in this wake-up
        self._last = None  # clock ticks when the logical time was last brought up to date

    # ---- internal layer: pure arithmetic on ticks ----
    def _add_task(self, task, ticks, slack=0):
        # slack in ticks here: the task may run that much early or late
        now = self.time_in_ticks
        # first due: the next point of the common grid at or after now; a
        # group of this interval due then takes the task (not one that ran
        # at this point already, nor one that is late: too late or too early)
        due = now + (-now - (self._wraps % ticks) * (65535 % ticks)) % ticks
        gs = self._groups
        i = 0
        for g in gs:
            if g[0] == ticks and g[2] == slack and g[1] == due:
                g.append(task)
                return
            if g[0] > ticks:
                break
            i += 1
        gs.insert(i, [ticks, due, slack, task])

    def _remove_task(self, task, ticks=None):
        # Remove one scheduling of task (of that interval, when given, and
        # slack: ticks | slack << 16); True if found.
        for g in self._groups:
            if (ticks is None or g[0] | g[2] << 16 == ticks) and task in g:  # (g's 3 ints are no thing)
                g.remove(task)
                if len(g) == 3:
                    self._groups.remove(g)
                if self._run is not False:
                    self._run.append(task)  # it must not run later in this wake-up
                return True
        return False

    def _get_next_sleep_interval(self):
        # Ticks until the earliest end of a group's window (its due time
        # when exact); 0 when overdue, None when empty.
        s = None
        for g in self._groups:
            d = max(g[1] + g[2] - self.time_in_ticks, 0)
            if s is None or d < s:
                s = d
        return s

    def _advance_time(self, ticks):
        t = self.time_in_ticks + ticks
        while t >= 65535:  # wrap: shift every due time with the clock
            t -= 65535
            self._wraps += 1
            for g in self._groups:
                g[1] -= 65535
        self.time_in_ticks = t

    def _get_tasks(self):
        # The tasks of every group whose window has opened, shortest interval
        # first. Waking at the earliest window end and running every opened
        # group is the optimal way to stab the windows: fewest wake-ups. Each
        # group moves to its next grid point whose window opens after now (a
        # late group skips missed points, an early one keeps its grid).
        now = self.time_in_ticks
        out = []
        for g in self._groups:
            d = g[1]
            if d - g[2] <= now:
                out += g[3:]
                g[1] = d + g[0] * ((now - d + g[2]) // g[0] + 1)
        if out:
            self.wakeups += 1
        return out

    # ---- public layer ----
    def schedule_periodic(self, thing, interval, slack=0):
        """Call thing._observe() every interval seconds (0.01 to 655.34,
        rounded to 10 ms). slack (a fraction of the interval, below 0.5, 0 =
        exact) lets a run move that much early or late to share a wake-up;
        the long-run rate stays exact. Returns a callable that cancels."""
        thing._observe  # AttributeError for a thing that is not an output thing
        try:
            t = 0 <= interval < 655.345 and 0 <= slack < .5 and round(interval * 100)
        except TypeError:  # not a number
            t = 0
        if not t:  # raises the error that names the bad value
            __import__('tfrare').schedule_periodic(interval, slack)
        s = int(slack * t)
        self._add_task(thing, t, s)
        t |= s << 16  # what cancel removes: this interval with this slack

        def cancel():  # once: the same thing may be scheduled twice
            nonlocal t
            if t:
                self._remove_task(thing, t)
                t = 0
        return cancel

    def schedule_sensor(self, sensor, interval, *things, slack=0):
        """Sample sensor every interval seconds, sending (sensor_id, ts, value)
        to each of things. Returns a callable that cancels."""
        task = SensorAsOutputThing(sensor, self.clock)
        for x in things:
            task.connect(x)
        return self.schedule_periodic(task, interval, slack)

    def stop(self):
        """Make run_forever() return after the current wake-up."""
        if self._run is not False:  # running: mark this wake-up's list
            self._run.append(None)

    def run_forever(self):
        """Run due tasks, sleep, repeat; returns when no task is left (a
        thing whose ports are all closed is dropped) or after stop()."""
        clk = self.clock
        woke = clk.ticks_ms()
        ms = 0  # elapsed since the logical time was last brought up to date
        if self._last is not None:  # after an earlier run_forever: the time since
            ms = clk.ticks_diff(woke, self._last)
            if ms < 0:  # time ran backwards (or wrapped): not to be trusted
                self.clock_faults += 1
                ms = 0
        self._run = gone = []  # one list: a stop() during a sleep lands in it
        while True:
            ms += self._ms
            self._ms = ms % 10
            self._advance_time(ms // 10)
            self._last = woke  # the clock reading that logical time stands for (also when none is left)
            if not self._groups:
                break
            ts = self._get_tasks()
            for t in ts:
                if t in gone:
                    continue
                t._observe()
                c = getattr(t, '_conns', None)
                if c is not None:
                    for c in c.values():
                        if c is not None:
                            break
                    else:  # every port closed: drop the thing
                        while self._remove_task(t):
                            pass
            if None in gone or not self._groups:  # stop() or nothing left
                break
            done = clk.ticks_ms()
            busy = clk.ticks_diff(done, woke)
            if busy < 0:  # time ran backwards: not to be trusted
                self.clock_faults += 1
                busy = 0
            plan = max(self._get_next_sleep_interval() * 10 - self._ms - busy, 0)
            if plan:
                clk.sleep_ms(plan)
            elif ts:  # no sleep: the next pass (due at once) is part of this wake-up (counted there)
                self.wakeups -= 1
            woke = clk.ticks_ms()
            if None not in gone:  # cancels during the sleep forgotten, a stop() kept
                gone.clear()
            ms = clk.ticks_diff(woke, done)
            if ms < 0 or ms > 2 * plan + 1000:
                self.clock_faults += 1  # a clock that wrapped or jumped
                ms = plan
            ms += busy
        self._run = False
