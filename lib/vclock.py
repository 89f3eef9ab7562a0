# A virtual clock for the scheduler: sleeping advances time at once, so a
# simulated day runs in well under a second. Same API as the default clock.
#
#   from thingflow import Scheduler
#   from vclock import VirtualClock
#   clk = VirtualClock()
#   sched = Scheduler(clk)      # ... schedule things, then run_forever()
#   clk.now                     # milliseconds since the start, never wraps


class VirtualClock:
    """now: virtual milliseconds since start (an int that never wraps).
    ticks_ms() wraps at period ms as a board's ticks do (2**30 by default);
    time() is epoch + now / 1000 seconds. stop_at (ms): sleep_ms raises
    StopIteration(clock) once now would pass it, to end a simulation."""

    def __init__(self, start=0, period=1 << 30, epoch=0, stop_at=None):
        if type(period) is not int or period < 2 or period & (period - 1):
            raise ValueError('period must be a power of two, not %r' % (period,))
        if type(start) is not int:  # (a float or str failed at the first ticks_ms())
            raise ValueError('start %r: want int ms' % (start,))
        self.now = start
        self.period = period
        self.epoch = epoch
        self.stop_at = stop_at
        self.sleeps = 0  # calls of sleep_ms
        self.slept = 0  # milliseconds slept in all

    def ticks_ms(self):
        return self.now & (self.period - 1)

    def ticks_diff(self, a, b):
        h = self.period >> 1
        return ((a - b + h) & (self.period - 1)) - h

    def sleep_ms(self, ms):
        if type(ms) is not int or ms < 0:  # NaN, floats (a board's sleep_ms takes ints: now stays an int)
            raise ValueError('cannot sleep %r ms' % (ms,))
        if self.stop_at is not None and self.now + ms > self.stop_at:
            if self.now < self.stop_at:  # never backwards: a task may have run past it
                self.now = self.stop_at
            raise StopIteration(self)  # (self: run_for tells it from a task's own)
        self.sleeps += 1
        self.slept += ms
        self.now += ms

    def advance(self, ms):
        """Let ms pass without sleeping (e.g. the time a task takes)."""
        if type(ms) is not int:  # (now stays an int; < 0: a clock that runs back, for tests)
            raise ValueError('cannot advance %r ms' % (ms,))
        self.now += ms

    def time(self):
        return self.epoch + self.now / 1000


def run_for(sched, seconds):
    """Run sched.run_forever() on its VirtualClock for seconds of virtual
    time (or until no task is left). Returns the scheduler's wake-up count;
    ValueError for seconds that are not a number >= 0 (int or float).
    The end comes at a sleep on the clock that would pass it, the
    scheduler's or a task's (a sensor that waits for its reading then gets
    the StopIteration: its stream ends); a StopIteration a task raises
    itself (also in a run due at the end) goes out of run_for. A clock that
    wraps one (a LightSleepClock on sim/machine_power's PortClock: its
    .clock) is run on that one's virtual time."""
    if type(seconds) not in (int, float) or seconds < 0 or seconds - seconds:  # (NaN, inf: NaN; the
        # message has at most 10 characters: a qstr, no str object in the heap)
        raise ValueError('seconds %r' % (seconds,))
    clk = sched.clock
    v = getattr(clk, 'clock', clk)  # the VirtualClock (itself, or the one a sleep clock wraps)
    v.stop_at = v.now + round(seconds * 1000)
    try:
        sched.run_forever()
    except StopIteration as e:
        if not e.args or e.args[0] is not v:  # not the clock's: the task's own (also at the end)
            raise
        # the scheduler's logical time stands at its last wake-up: bring it
        # to the end, so that a task scheduled now starts from there (the
        # steps of run_forever's start, which a method of the scheduler's
        # would cost every app's heap)
        ms = clk.ticks_diff(clk.ticks_ms(), sched._last)
        if ms < 0:  # more than half the period: a clock fault, as in run_forever
            sched.clock_faults += 1
            ms = 0
        ms += sched._ms
        sched._ms = ms % 10
        sched._advance_time(ms // 10)
        sched._last = clk.ticks_ms()
    finally:  # also when a task raised: the clock sleeps freely again
        sched._run = False
        v.stop_at = None
    return sched.wakeups
