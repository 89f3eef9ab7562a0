# Sleep-mode clocks for the thingflow scheduler: how the board waits between
# wake-ups. The default clock (thingflow.default_clock: time.sleep_ms) keeps
# the CPU running (modem sleep, ~15 mA on an ESP8266); these sleep deeper.
#
# Light sleep (ESP32, RP2040; RAM kept, ~1 mA):
#   from thingflow import Scheduler
#   from power import LightSleepClock
#   sched = Scheduler(LightSleepClock())
#
# Deep sleep (~20 uA, the board resets at each wake-up): main.py opts in with
#   from power import DeepSleepClock
#   clk = DeepSleepClock()             # state in RTC memory (or file='sched.dat')
#   sched = Scheduler(clk)
#   sched.schedule_sensor(temp, 60, writer)   # schedule everything first, then
#   clk.resume(sched)                  # after a deep-sleep reset: restore the schedule
#   sched.run_forever()                # sleeps >= min_ms are deep sleeps
#
# Every class takes `machine` (default: the machine module) and `clock` (the
# clock that counts ticks and sleeps when not sleeping deeper; default
# thingflow.default_clock), so tests inject fakes.
from thingflow import default_clock

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_WRAP = const(65535)  # the scheduler's logical clock wraps every 65535 ticks
_TICK_MS = const(10)


def _machine(m):
    if m is None:
        import machine as m
    return m


def _add(c, t, ms):
    # ticks t plus ms, wrap-safe: time.ticks_add where the clock has it
    # (MicroPython), else plain + (CPython never wraps; VirtualClock's
    # ticks_diff masks its arguments).
    a = getattr(c, 'ticks_add', None)
    return a(t, ms) if a else t + ms


class LightSleepClock:
    """Waits with machine.lightsleep(ms): CPU paused, RAM kept.

    Ports whose ticks stop in light sleep (stops=True) get the slept time
    added back to ticks_ms(), so the scheduler's grid stays exact. stops=None
    (default) decides at the first sleep of at least 100 ms: ticks that
    advanced less than half the requested time mean they stop. Counters:
    sleeps, added (ms added back), early (sleeps that returned before their
    time on a port whose ticks run: a wake-up source other than the timer).
    ValueError when the port has no machine.lightsleep."""

    def __init__(self, machine=None, clock=None, stops=None):
        m = _machine(machine)
        if not hasattr(m, 'lightsleep'):
            raise ValueError('machine.lightsleep: missing on this port; use the default clock')
        self._sleep = m.lightsleep
        c = clock or default_clock
        self._c = c
        self._ticks = c.ticks_ms
        self.ticks_diff = c.ticks_diff
        self.time = c.time
        self.stops = stops
        self.offset = 0  # ms added back in all (the tick shift)
        self.sleeps = 0
        self.added = 0
        self.early = 0

    def ticks_ms(self):
        return _add(self._c, self._ticks(), self.offset) if self.offset else self._ticks()

    def sleep_ms(self, ms):
        """Light-sleep ms milliseconds (an int >= 0)."""
        if ms < 0:
            raise ValueError('cannot sleep %r ms' % (ms,))
        t = self._ticks()
        self._sleep(ms)
        self.sleeps += 1
        d = self.ticks_diff(self._ticks(), t)
        s = self.stops
        if s is None:  # undecided: judge this sleep; decide for good at >= 100 ms
            s = d < ms // 2
            if ms >= 100:
                self.stops = s
        if s:
            if d < ms:  # the ticks missed ms - d
                self.offset += ms - d
                self.added += ms - d
        elif d < ms - 1:
            self.early += 1


class DeepSleepClock:
    """Waits with machine.deepsleep(ms) when the scheduler plans to sleep at
    least min_ms (default 2000 ms); shorter waits use clock.sleep_ms. Before
    a deep sleep it stores the scheduler's state (logical time at the wake-up,
    wraps, each group's interval and next due tick) in RTC memory, or in file
    when given; resume(sched) after the reset restores it, so every task stays
    on its grid. The time from reset to resume() (the boot) is measured and
    taken off the next deep sleep, so boots do not make the grid drift.

    before: a list of callables run just before each deep sleep (flush what
    RAM holds: RAM is lost). Attributes: boot (ms from reset to resume),
    status after resume(): 'cold' (not a deep-sleep wake-up: fresh start),
    'resumed', 'nostate' (deep-sleep wake-up without valid state; fresh
    start; on a port without machine.DEEPSLEEP_RESET a stored state is the
    only sign of a wake-up, so it is used once and cleared), 'changed' (the app's intervals differ from the stored ones;
    fresh start). Counters: deeps (deep sleeps begun in this boot).
    ValueError when the port lacks deepsleep, or RTC memory and no file."""

    def __init__(self, machine=None, clock=None, file=None, min_ms=2000):
        m = _machine(machine)
        if not hasattr(m, 'deepsleep'):
            raise ValueError('machine.deepsleep: missing on this port')
        if file is None and not (hasattr(m, 'RTC') and hasattr(m.RTC(), 'memory')):
            raise ValueError('machine.RTC().memory: missing on this port; pass file=')
        if not (isinstance(min_ms, int) and min_ms >= 0):
            raise ValueError('min_ms %r: want an int >= 0' % (min_ms,))
        self.m = m
        c = clock or default_clock
        self.ticks_ms = c.ticks_ms
        self.ticks_diff = c.ticks_diff
        self.time = c.time
        self._light = c.sleep_ms
        self.file = file
        self.min_ms = min_ms
        self.before = []
        self.sched = None
        self.boot = 0
        self.status = None
        self.deeps = 0

    # ---- storage: RTC memory or a small file ----
    def _load(self):
        if self.file is None:
            return bytes(self.m.RTC().memory())
        try:
            with open(self.file, 'rb') as f:
                return f.read()
        except OSError:  # no file yet
            return b''

    def _save(self, b):
        if self.file is None:
            self.m.RTC().memory(b)
        else:
            with open(self.file, 'wb') as f:
                f.write(b)

    def state(self, ms):
        """The state to store for a deep sleep of ms planned by the
        scheduler: b'tf1 time wraps boot iv due iv due ...' (ticks), as the
        logical clock will stand when the sleep ends."""
        s = self.sched
        t = s.time_in_ticks + s._get_next_sleep_interval()
        w = s._wraps
        sh = 0
        while t >= _WRAP:  # as Scheduler._advance_time does
            t -= _WRAP
            w += 1
            sh += _WRAP
        out = 'tf1 %d %d %d' % (t, w, self.boot)
        for g in s._groups:
            out += ' %d %d' % (g[0], g[1] - sh)
        return out.encode()

    def sleep_ms(self, ms):
        """Sleep ms milliseconds: deep sleep (the board resets) when a
        scheduler is bound by resume() and ms >= min_ms, else clock.sleep_ms."""
        if self.sched is None or ms < self.min_ms or ms < self.boot:
            self._light(ms)
            return
        b = self.state(ms)
        for f in self.before:
            f()
        self._save(b)
        self.deeps += 1
        self.m.deepsleep(ms - self.boot)
        # deepsleep() does not return on a board; a fake may: carry on awake

    def resume(self, sched):
        """Bind sched (call after scheduling every task, before run_forever).
        After a deep-sleep reset, restores its logical time and due times
        from the stored state. Returns True when restored; status says why not."""
        self.sched = sched
        self.boot = self.ticks_ms()  # ms since the reset: the boot took this long
        m = self.m
        d = getattr(m, 'DEEPSLEEP_RESET', None)
        if d is not None and m.reset_cause() != d:
            self.status = 'cold'
            return False
        v = _parse(self._load())
        if d is None:  # no reset cause to tell a wake-up: use a state once
            self._save(b'')
        gs = sched._groups
        if v is None:
            self.status = 'cold' if d is None else 'nostate'
            return False
        if len(v) != 3 + 2 * len(gs) or [g[0] for g in gs] != v[3::2]:
            self.status = 'changed'
            return False
        sched.time_in_ticks = v[0]
        sched._wraps = v[1]
        sched._ms = 0
        i = 4
        for g in gs:
            g[1] = v[i]
            i += 2
        self.status = 'resumed'
        return True


def _parse(b):
    # b'tf1 n n n ...' to [n, n, ...]; None when b is not a valid state
    try:
        p = b.split()
        if not p or p[0] != b'tf1' or len(p) < 4 or len(p) % 2:
            return None
        v = [int(x) for x in p[1:]]
    except ValueError:
        return None
    if not 0 <= v[0] < _WRAP or v[1] < 0:
        return None
    return v
