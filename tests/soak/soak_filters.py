# Soak of the filters (filters, filters_value, filters_window, filters_time):
# the fluent chains of README's filters section fed by two sensors on a
# virtual clock, 100,000 events in all; the heap is marked (soakkit.mark)
# after every 1,000 wake-ups.
#
# The sensors repeat their values with a period that divides 1,000 samples,
# and every time filter's interval divides the 10,000 s between marks, so
# every filter holds the same number of objects at each mark (a window, a
# partial batch, the last value): after the warm-up the heap must come back
# to the same figure, byte for byte.
#
#   micropython soak_filters.py plain    the chains alone
#   micropython soak_filters.py rebuild  and a third chain whose map fails
#       at every 50th event (FilterError ends it: heartbeat and
#       buffer_with_time cancel their schedules) and is built anew, each
#       time on a new SensorAsOutputThing; the old source's schedule is
#       cancelled (a failed filter ends its own stream, not its source's:
#       the source would go on sampling into the dead filter, counted in
#       its dropped)
import sys

import filters
import filters_value
import filters_window
import filters_time
from thingflow import InputThing, Scheduler, SensorAsOutputThing
from vclock import VirtualClock, run_for

from soakkit import mark


class Sink(InputThing):
    n = errs = 0

    def on_next(self, x):
        self.n += 1

    def on_error(self, e):
        self.errs += 1


class Wave:
    """A temperature that jumps about (period: 100 samples): 21 to 23.5."""
    sensor_id = 'temp'
    n = 0

    def sample(self):
        self.n += 1
        return 21.0 + self.n * 7 % 100 / 40


class Step:
    """0, 1, 2 ... 49, 0, 1 ... (period: 50 samples)."""
    sensor_id = 'step'
    n = 0

    def sample(self):
        self.n += 1
        return self.n % 50


class Fail(Sink):
    """The end of the failing chain: on its FilterError, a new chain."""

    def __init__(self, sched):
        self.sched = sched
        self.built = 0
        self.build()

    def build(self):
        s = self.sched
        self.built += 1
        n = [0]

        def f(e):
            n[0] += 1
            if n[0] % 50 == 0:
                raise ValueError(n[0])
            return e

        t = SensorAsOutputThing(Step(), s.clock)
        t.map(f).heartbeat(50, s).buffer_with_time(100, s, count=10).connect(self)
        self.cancel = s.schedule_periodic(t, 10)

    def on_error(self, e):
        self.errs += 1
        self.cancel()
        self.build()


def main(kind):
    clk = VirtualClock(period=1 << 22)  # the ticks wrap every 70 minutes
    s = Scheduler(clk)
    out = Sink()
    # README's first chain: calibrate, delta, buffer_with_count
    t = SensorAsOutputThing(Wave(), clk)
    t.calibrate(offset=-0.3).clamp(-20, 60).round(2).delta(0.25).buffer_with_count(5).connect(out)
    # the window filters (README filters_window), then time filters
    t.median(5).sliding_mean(6, send_every=6).ema(0.5).connect(out)
    t.delta(0.5).heartbeat(250, s).throttle(40, s).connect(out)
    s.schedule_periodic(t, 10)
    # the whole-event filters on a second sensor
    u = SensorAsOutputThing(Step(), clk)
    d = u.map(lambda e: (e[0], e[1], e[2] * 2)).where(lambda e: e[2] % 3).scan(
        lambda a, e: (e[0], e[1], (a[2] + 1) % 10)).skip(2).dispatch(
        [(lambda e: e[2] & 1, 'odd'), (lambda e: e[2] & 2, 'two')])
    d.connect(out, port_map=('odd', 'default'))
    d.connect(out, port_map=('two', 'default'))
    d.buffer_with_time(500, s, count=20).connect(out)
    u.take(10 ** 9).delta(0).connect(out)
    s.schedule_periodic(u, 10)
    f = Fail(s) if kind == 'rebuild' else None
    k = 0
    while k < 50:  # 2 sensors * 50,000 samples: 100,000 events
        run_for(s, 10000)  # 1,000 wake-ups at 10 s
        k += 1
        mark(k)
    if f:
        print('rebuilt', f.built, 'groups', len(s._groups))
    print('events', out.n, 'wakeups', s.wakeups)


main(sys.argv[1] if len(sys.argv) > 1 else 'plain')
