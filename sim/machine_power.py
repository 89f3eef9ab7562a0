# A recording fake of MicroPython's `machine` power functions, for tests on
# the desktop (both runtimes). It follows the real API:
#   machine.lightsleep([time_ms]), machine.deepsleep([time_ms]),
#   machine.reset_cause(), machine.DEEPSLEEP_RESET and friends,
#   machine.RTC().memory([data])  (ESP8266: at most 492 bytes; ESP32: 2048)
#
#   from machine_power import FakeMachine, PortClock, DeepSleepReset
#   clk = PortClock()                      # a VirtualClock whose ticks can stop
#   m = FakeMachine(clk, stops=True)       # light sleep stops the ticks, as on some ports
#   m.lightsleep(500); m.calls             # [('lightsleep', 500)]
#
# deepsleep(ms) records the call, lets ms pass on the clock and raises
# DeepSleepReset: the board would reset there. reboot() then makes the next
# reset_cause() DEEPSLEEP_RESET, keeping RTC memory, as a real wake-up does.
from vclock import VirtualClock
from machine_rare import _RTC as RTC  # machine.RTC()'s object, with its size

# reset causes, as numbered on the ESP32 port
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


class DeepSleepReset(Exception):
    """Raised by FakeMachine.deepsleep: on a board the process ends here."""


class PortClock(VirtualClock):
    """A VirtualClock for a port: now is the real (world) time in ms; ticks_ms
    does not count the `stopped` ms (time its ticks did not run); ticks_add
    as the port's time.ticks_add."""

    def __init__(self, start=0, period=1 << 30):
        VirtualClock.__init__(self, start, period)
        self.stopped = 0

    def ticks_ms(self):
        return (self.now - self.stopped) & (self.period - 1)

    def ticks_add(self, t, d):
        # as MicroPython's time.ticks_add: OverflowError for a delta of half
        # the period or more (2**29 ms on a 32-bit board)
        h = self.period >> 1
        if not -h < d < h:
            raise OverflowError('ticks interval overflow')
        return (t + d) & (self.period - 1)



class FakeMachine:
    """clock: a PortClock (or VirtualClock) that the sleeps advance.
    stops: light sleep does not advance the ticks (as on ports whose tick
    counter stops). The sleep is the clock's sleep_ms (VirtualClock's), so
    its stop_at ends a simulation there: now at stop_at, StopIteration(clock). early: lightsleep returns
    after this many ms at most (a wake-up source other than the timer).
    rtc_size: RTC memory bytes (ESP8266: 492, ESP32: 2048).
    calls: every call, as (name, argument) tuples."""

    PWRON_RESET = PWRON_RESET
    HARD_RESET = HARD_RESET
    WDT_RESET = WDT_RESET
    DEEPSLEEP_RESET = DEEPSLEEP_RESET
    SOFT_RESET = SOFT_RESET

    def __init__(self, clock=None, stops=False, early=None, rtc_size=2048):
        self.clock = clock or PortClock()
        self.stops = stops
        self.early = early
        self.calls = []
        self.cause = PWRON_RESET
        self._rtc = _DateRTC(self, rtc_size)

    def RTC(self):
        return self._rtc  # one RTC, as on the ports

    def lightsleep(self, ms=None):
        self.calls.append(('lightsleep', ms))
        if ms is None:
            return
        if self.early is not None and ms > self.early:
            ms = self.early
        # the clock's own sleep: now, sleeps, slept, and the end of a
        # simulation at stop_at. Ticks that stop do not count the sleep, but
        # one cut short by that end leaves its time on them, as the app's
        # clock would have added it back had it returned: a later run_for
        # goes on from the end, on the grid
        self.clock.sleep_ms(ms)
        if self.stops:
            self.clock.stopped += ms

    def deepsleep(self, ms=None):
        self.calls.append(('deepsleep', ms))
        if ms is not None:
            self.clock.now += ms
        raise DeepSleepReset(ms)

    def reset_cause(self):
        return self.cause

    def reboot(self, boot_ms=0):
        """The reset after a deep sleep: reset_cause() becomes DEEPSLEEP_RESET,
        RTC memory is kept, and a fresh clock for the new process starts at
        the world time (its ticks from 0), after boot_ms of booting.
        Returns that clock."""
        self.cause = DEEPSLEEP_RESET
        old = self.clock
        c = BootClock(old.now, boot_ms)
        c.epoch = old.epoch  # the ESP ports' RTC runs through a deep sleep
        self.clock = c
        return c


class _Date:
    """datetime() of a FakeMachine's RTC: reads and sets the time() of the
    machine's clock (the RTC is the clock of time.time() on the ports):
    (year, month, day, weekday, hours, minutes, seconds, subseconds),
    weekday 0 Monday. sets: the tuples set. On its own, rp2's machine.RTC():
    datetime(), no memory."""

    def __init__(self, m):
        self.m = m
        self.sets = []

    def datetime(self, t=None):
        c = self.m.clock
        if t is None:
            x = __import__('time').gmtime(int(c.time()))
            return tuple(x[:3]) + (x[6],) + tuple(x[3:6]) + (0,)
        if len(t) != 8:
            raise ValueError('requested length 8 but object has length %d' % len(t))
        self.sets.append(tuple(t))
        c.epoch += _secs(t) - c.time()


class _DateRTC(RTC, _Date):
    """machine.RTC() of a FakeMachine: RTC memory, and datetime()."""

    def __init__(self, m, size):
        RTC.__init__(self, size)
        _Date.__init__(self, m)


def _secs(t):
    # the seconds since 1970-01-01 (UTC) of a datetime() tuple
    y, m = t[0], t[1]
    if m < 3:
        y -= 1
        m += 12
    d = 365 * y + y // 4 - y // 100 + y // 400 + (153 * (m - 3) + 2) // 5 + t[2] - 719469
    return d * 86400 + t[4] * 3600 + t[5] * 60 + t[6]


class Rp2Machine(FakeMachine):
    """The rp2 port's power functions (ports/rp2/modmachine.c, main.c):
    deepsleep() is a light sleep ended by a watchdog reset, so after
    reboot() reset_cause() is WDT_RESET (there is no DEEPSLEEP_RESET); the
    RTC has no memory (DeepSleepClock needs file=); every boot sets the
    clock to 2021-01-01 00:00:00, so time() starts there again."""

    DEEPSLEEP_RESET = HARD_RESET = SOFT_RESET = None  # (rp2 has PWRON_RESET and WDT_RESET only)
    BOOT_TIME = 1609459200  # 2021-01-01 00:00:00 UTC

    def __init__(self, clock=None):
        FakeMachine.__init__(self, clock)
        self._rtc = _Date(self)
        self.clock.epoch = self.BOOT_TIME

    def reboot(self, boot_ms=0):
        c = FakeMachine.reboot(self, boot_ms)
        self.cause = WDT_RESET
        c.epoch = self.BOOT_TIME - (c.now - boot_ms) / 1000
        return c


class BootClock(PortClock):
    """The clock of a process after a reset: world time now continues from
    the old clock, ticks_ms() counts from the reset (0), as on a board."""

    def __init__(self, world, boot_ms=0):
        PortClock.__init__(self, world)
        self.stopped = world  # ticks start at 0 at the reset
        self.now += boot_ms
