# Deep sleep for the thingflow scheduler (~20 uA on an ESP8266; the board
# resets at each wake-up). main.py opts in with three lines:
#
#   from thingflow import Scheduler
#   from deepsleep import DeepSleepClock
#   clk = DeepSleepClock()             # state in RTC memory (or file='sched.dat')
#   sched = Scheduler(clk)
#   sched.schedule_sensor(temp, 60, writer)   # schedule everything first, then
#   clk.resume(sched)                  # after a deep-sleep reset: restore the schedule
#   sched.run_forever()                # sleeps >= min_ms are deep sleeps
#
# For light sleep see lightsleep.py. RAM (MicroPython 1.29 Unix port, .mpy):
# see README.md (power), measured by `python bench/run.py power`
# (deepsleep_import_bytes, deep_clock_bytes).
from thingflow import default_clock

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_WRAP = const(65535)  # the scheduler's logical clock wraps every 65535 ticks


class DeepSleepClock:
    """Waits with machine.deepsleep(ms) when the scheduler plans to sleep at
    least min_ms (an int, default 2000 ms); shorter waits use clock.sleep_ms
    (clock: default thingflow's; machine: default import machine). Before a
    deep sleep it stores the scheduler's state (logical time at the wake-up,
    wraps, boot, each group's interval and next due tick) in RTC memory, or
    in file when given; resume(sched) after the reset restores it, so every
    task stays on its grid. The time from the reset to the end of a resume()
    that restored the state (boot, ms; else 0) is taken off the next deep
    sleep, as is the time the state, the before hooks and the store take,
    so none makes the grid drift. On a port without DEEPSLEEP_RESET (rp2,
    which sets its clock to 2021-01-01 at every boot) a restoring resume()
    sets machine.RTC() to the time, so time() goes on.

    before: a list of callables run just before each deep sleep (flush what
    RAM holds: RAM is lost). status after resume(): 'cold' (not a deep-sleep
    wake-up: fresh start), 'resumed', 'nostate' (deep-sleep wake-up without
    a valid state, e.g. one cut short: fresh start), 'changed' (the app's
    intervals differ from the stored ones: fresh start). A state is read
    once and cleared: on a port without machine.DEEPSLEEP_RESET it is the
    only sign of a wake-up, and a soft reset after a wake-up finds none.
    Counter: deeps (deep sleeps begun in this boot).
    ValueError when the port lacks deepsleep, or RTC memory and no file is
    given, and for a bad min_ms."""

    def __init__(self, machine=None, clock=None, file=None, min_ms=2000):
        if machine is None:
            import machine
        if not hasattr(machine, 'deepsleep'):
            raise ValueError('no machine.deepsleep')
        if file is None:
            try:  # the store: RTC memory, else the memory() method below
                self.memory = machine.RTC().memory
            except AttributeError:
                raise ValueError('no RTC().memory: pass file=')
        else:
            self.file = file
        if not (type(min_ms) is int and min_ms >= 0):  # not True: a bool is no ms
            raise ValueError('min_ms %r: int >= 0' % (min_ms,))
        self.machine = machine
        c = clock or default_clock
        self.clock = c
        self.ticks_ms = c.ticks_ms
        self.ticks_diff = c.ticks_diff
        self.time = c.time
        self.min_ms = min_ms
        self.before = []
        self.sched = None
        self.boot = 0
        self.status = None
        self.deeps = 0

    def memory(self, b=None):
        """The stored state (b'' when none), as RTC().memory() returns it;
        memory(b) stores b. In file, when one was given."""
        if b is None:
            try:
                with open(self.file, 'rb') as f:
                    return f.read()
            except OSError:  # no file yet
                return b''
        with open(self.file, 'wb') as f:
            f.write(b)

    def state(self, ms):
        """The state to store for a deep sleep of ms planned by the
        scheduler: b'tf2 time wraps boot wall iv due iv due ...' (ticks), as
        the logical clock will stand when the sleep ends; wall: time() then,
        in ms (by the ticks since resume())."""
        w2 = self._w  # the wall time in ms now, by the ticks since a known time
        w2 = w2[0] + self.ticks_diff(self.ticks_ms(), w2[1])  # (first: as near sleep_ms()'s t as can be)
        s = self.sched
        t = s.time_in_ticks + s._get_next_sleep_interval()
        w = t // _WRAP  # wraps before the wake-up, as Scheduler._advance_time does
        sh = w * _WRAP
        x = int(self.time()) * 1000  # time() itself, when the two differ by more than
        if not -3000 < w2 - x < 3000:  # whole seconds can: the clock was set since (NTP), or the ticks wrapped
            w2 = x
        out = 'tf2 %d ' % (t - sh) + '%d %d %d ' % (s._wraps + w, self.boot, w2 + ms)
        for g in s._groups:  # each number ends with a space: a state cut short is seen
            out += '%d %d ' % (g[0], g[1] - sh)
        return out.encode()

    def sleep_ms(self, ms):
        """Sleep ms milliseconds: deep sleep (the board resets) when a
        scheduler is bound by resume(), ms >= min_ms and ms > boot, else
        clock.sleep_ms."""
        if self.sched is None or ms < self.min_ms or ms <= self.boot:
            self.clock.sleep_ms(ms)
            return
        t = self.ticks_ms()
        b = self.state(ms)
        for f in self.before:
            f()
        try:
            self.memory(b)
        except (OSError, ValueError):  # file= on a full flash; a state too long for
            pass  # RTC memory: sleep without it (the wake-up says 'nostate') rather than stay awake
        # less the next boot and what the state, hooks and store took (else
        # each cycle would add it to the grid)
        ms -= self.boot + self.ticks_diff(self.ticks_ms(), t)
        if ms < 1 <= ms + self.boot:  # no time left, the due still ahead: deepsleep(1)
            # would wake late, the grid with it: awake to the due, the state cleared
            try:
                self.memory(b'')
            except OSError:
                pass
            self.clock.sleep_ms(ms + self.boot)
            return
        self.deeps += 1
        # never deepsleep(0): on the ESP ports a sleep without a timer
        self.machine.deepsleep(ms if ms > 0 else 1)
        # deepsleep() does not return on a board; a fake may: carry on awake

    def resume(self, sched):
        """Bind sched (call after scheduling every task, before run_forever).
        After a deep-sleep reset, restores its logical time and due times
        from the stored state. Returns True when restored; status says why not."""
        self.sched = sched
        m = self.machine
        self._w = (int(self.time()) * 1000, self.ticks_ms())  # time() in ms at a tick, for state()
        d = getattr(m, 'DEEPSLEEP_RESET', None)
        c = m.reset_cause()
        b = self.memory()
        # a state is used once, read and cleared also at a cold start: the
        # only sign of a wake-up where the port has no DEEPSLEEP_RESET (rp2,
        # whose machine.reset() and watchdog give WDT_RESET, as the end of
        # its deep sleep does: a state left at a power-on must not be resumed
        # by them); a soft reset later finds none (the ESP8266's
        # reset_cause() still says DEEPSLEEP_RESET then)
        if b:  # (no write when there is nothing to clear: flash wear with file=)
            self.memory(b'')
        # a power-on is never a wake-up (rp2: a state left in the file by a
        # deep sleep the power cut short)
        if d is not None and c != d or c == getattr(m, 'PWRON_RESET', None):
            self.status = 'cold'
            return False
        p = b.split()
        self.status = 'cold' if d is None else 'nostate'
        # valid: b'tf2 time wraps boot wall iv due ... ' of ints, 0 <= time <
        # _WRAP, ending in a space (not cut short inside its last number)
        v = []
        try:
            for x in p[1:]:
                v.append(int(x))
            if p[0] != b'tf2' or b[-1] != 32 or not len(p) % 2 or not 0 <= v[0] < _WRAP or v[1] < 0 or v[2] < 0 \
                    or not 0 <= v[3] < 1 << 45:  # (wall: ms, before the year 3085)
                return False
        except (ValueError, IndexError):  # not ints; too short
            return False
        gs = sched._groups
        iv = []
        for g in gs:
            iv.append(g[0])
        if iv != v[4::2]:  # another app, e.g. after an update
            self.status = 'changed'
            return False
        for x, y in zip(iv, v[5::2]):  # each due time within reach of the time (state()
            if not -x <= y - v[0] <= 2 * x:  # writes each one's next, slack less than half):
                return False  # a corrupt one would be an absurd sleep
        sched.time_in_ticks = v[0]
        sched._wraps = v[1]
        sched._ms = 0
        for g, x in zip(gs, v[5::2]):
            g[1] = x
        # ms since the wake-up's reset, to the end of this read: taken off
        # the next deep sleep. Else boot stays 0: a fresh grid starts here,
        # and ticks_ms() may count from power-on (a soft reset). The logical
        # time stands for now (_last): what the app does before run_forever
        # counts as elapsed, else each wake-up's grid drifts by it
        sched._last = self.boot = self.ticks_ms()
        # rp2 (no DEEPSLEEP_RESET) sets its clock to 2021-01-01 at every boot,
        # also at the watchdog reset that ends its deep sleep: the RTC is set
        # to now, so that time() goes on (event stamps, a writer's every= in
        # <spool>.cyc, the log's lines). Now, in ms: the wake-up's wall time,
        # less the last boot (the sleep was cut by it), plus this one. (The
        # ESP ports' RTC runs through a deep sleep, which may also end early:
        # a pin's wake-up)
        t = v[3] - v[2] + self.boot
        if d is None and self.time() < t // 1000:
            self._w = (t, self.boot)
            t = __import__('time').gmtime(t // 1000)
            try:
                m.RTC().datetime(t[:3] + (t[6],) + t[3:6] + (0,))
            except AttributeError:  # a port without RTC().datetime: time() as it is
                pass
        self.status = 'resumed'
        return True
