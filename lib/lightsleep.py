# Light sleep for the thingflow scheduler: waits with machine.lightsleep(ms)
# (CPU paused, RAM kept; ~1 mA on an ESP32 or a Pico, against ~15-20 mA for
# the default clock's time.sleep_ms). For deep sleep see deepsleep.py.
#
#   from thingflow import Scheduler
#   from lightsleep import LightSleepClock
#   sched = Scheduler(LightSleepClock())
#
# RAM (MicroPython 1.29 Unix port, .mpy): see README.md (power), measured by
# `python bench/run.py power` (lightsleep_import_bytes, light_clock_bytes).
import sys

from thingflow import default_clock


class LightSleepClock:
    """Waits with machine.lightsleep(ms): CPU paused, RAM kept.

    machine: the machine module (default: import machine); clock: the clock
    whose ticks_ms, ticks_diff and time it uses (default thingflow's).
    Ports whose ticks stop in light sleep (stops=True) get the slept time
    added back to ticks_ms(), so the scheduler's grid stays exact. stops=None
    (default) is False on rp2 and esp32, whose ticks run; elsewhere it
    decides at the first sleep of at least 100 ms: ticks that
    advanced less than half the requested time mean they stop (on a sleep
    of 2 s or more only if the clock's time() saw over a second more: else
    it returned early, as a Pico W's with its wifi up); stops=False trusts
    the ticks. Counters: sleeps, added (ms added back), early (sleeps that
    returned before their time on a port whose ticks run: a wake-up source
    other than the timer), offset (the current shift of ticks_ms;
    within the ticks period where the clock has ticks_add).
    ValueError when the port has no machine.lightsleep."""

    def __init__(self, machine=None, clock=None, stops=None):
        if machine is None:
            import machine
        if not hasattr(machine, 'lightsleep'):
            raise ValueError('no machine.lightsleep')
        self.machine = machine
        c = clock or default_clock
        self.clock = c
        self.ticks_diff = c.ticks_diff
        self.time = c.time
        # rp2 and esp32 keep their ticks running in light sleep (rp2: the
        # timer's clock stays on, ports/rp2/modmachine.c): nothing to decide,
        # and an early first wake-up (a Pico W's with its wifi up) is never
        # taken for stopped ticks, which would run the tasks far too often
        self.stops = False if stops is None and sys.platform in 'rp2 esp32' else stops  # (one str: no tuple)
        self.offset = 0  # ms added back (the tick shift, within the period)
        self.sleeps = 0
        self.added = 0
        self.early = 0

    def ticks_ms(self):
        # the clock's ticks plus offset, wrap-safe: where the clock has
        # time.ticks_add (MicroPython) offset is kept below the ticks period
        # and added with ticks_diff, which takes any offset (ticks_add
        # refuses one of half the period, 2**29 ms on a 32-bit board), then
        # brought back into the period with ticks_add; else + (CPython's ticks
        # never wrap; VirtualClock's ticks_diff masks its arguments)
        c = self.clock
        t = c.ticks_ms()
        o = self.offset
        if o:
            a = getattr(c, 'ticks_add', None)
            t = a(c.ticks_diff(t, -o), 0) if a else t + o
        return t

    def sleep_ms(self, ms):
        """Light-sleep ms milliseconds (an int >= 0)."""
        if type(ms) is not int or ms < 0:  # before the sleep: nothing slept or counted
            raise ValueError('ms %r: int >= 0' % (ms,))
        c = self.clock
        w = self.time()
        t = c.ticks_ms()
        self.machine.lightsleep(ms)
        self.sleeps += 1
        d = c.ticks_diff(c.ticks_ms(), t)
        s = self.stops
        if s is None:  # undecided: judge this sleep; decide for good at >= 100 ms
            # (on a sleep of 2 s or more, stopped ticks only if time(), an RTC,
            # saw it pass: else it returned early, as a Pico W's with its wifi up)
            s = d < ms // 2 and (ms < 2000 or self.time() - w > d // 1000 + 1)
            if ms >= 100:
                self.stops = s
        if s:
            if d < ms:  # the ticks missed ms - d
                d = ms - d
                self.added += d
                a = getattr(c, 'ticks_add', None)
                self.offset = a(self.offset, d) if a else self.offset + d
        elif d < ms - 1:
            self.early += 1
