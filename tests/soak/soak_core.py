# Soak of the core (thingflow.py + vclock.py): a scheduler with three
# sensors (an MCP9808 on the simulated I2C bus and two random walks) and
# input things, for a simulated week on the virtual clock; the heap is
# marked (soakkit.mark) after every 1,000 wake-ups.
#
#   micropython soak_core.py plain   the pipeline alone
#   micropython soak_core.py churn   the same, and all the time: a task
#       scheduled and cancelled (intervals cycling, slack or none), an input
#       thing connected and disconnected, a plain callable connected and
#       disconnected, and a sensor that raises every 7th sample (its stream
#       ends, the scheduler drops it) replaced by a new one from its sink's
#       on_error
import sys

from machine import SoftI2C, Pin, sim_bus
from chips import MCP9808 as ChipMCP9808
from demo_sensors import RandomWalk
from sensors.mcp9808 import MCP9808
from thingflow import InputThing, Scheduler
from vclock import VirtualClock, run_for

from soakkit import mark


class Sink(InputThing):
    """Counts what it gets (ints only: no heap)."""
    n = done = errs = 0

    def on_next(self, x):
        self.n += 1

    def on_completed(self):
        self.done += 1

    def on_error(self, e):
        self.errs += 1


class Flaky:
    """Raises OSError(5) at every k-th sample: its stream ends."""
    sensor_id = 'flaky'

    def __init__(self, k):
        self.k = k

    def sample(self):
        self.k -= 1
        if not self.k:
            raise OSError(5)
        return self.k


class Restart(Sink):
    """The sink of the flaky sensor: on its error, a new one is scheduled."""

    def __init__(self, sched):
        self.sched = sched

    def on_error(self, e):
        self.errs += 1
        self.sched.schedule_sensor(Flaky(7), 20, self)


class Tick:
    """A task that only counts its runs (schedule_periodic's thing)."""
    n = 0

    def _observe(self):
        self.n += 1


class Churn:
    """Every run: cancels the task it scheduled last time and schedules it
    again at the next interval of a cycle; disconnects the input thing and
    the callable it connected last time and connects them again."""
    IV = (5, 7.5, 12, 30, 0.5)

    def __init__(self, sched, src):
        self.sched = sched
        self.src = src
        self.i = 0
        self.tick = Tick()
        self.sink = Sink()
        self.cancel = self.disc = self.disc2 = None
        self.calls = 0

    def call(self, x):
        self.calls += 1

    def _observe(self):
        if self.cancel:
            self.cancel()
            self.disc()
            self.disc2()
        i = self.i = (self.i + 1) % len(self.IV)
        self.cancel = self.sched.schedule_periodic(self.tick, self.IV[i], 0.25 if i & 1 else 0)
        self.disc = self.src.connect(self.sink)
        self.disc2 = self.src.connect(self.call)


def main(kind):
    bus = sim_bus((5, 4))
    bus.attach(ChipMCP9808(temp=21.5, noise=0.2, seed=7))
    i2c = SoftI2C(scl=Pin(5), sda=Pin(4))
    clk = VirtualClock(period=1 << 30)
    s = Scheduler(clk)
    out = Sink()
    s.schedule_sensor(MCP9808(i2c, sensor_id='temp'), 10, out)
    s.schedule_sensor(RandomWalk('hum', 50.0, 0.5, 0, 100, seed=3), 60, out, Sink())
    walk = RandomWalk('lux', 300.0, 5.0, 0, 1000, seed=5)
    if kind == 'churn':
        from thingflow import SensorAsOutputThing
        src = SensorAsOutputThing(walk, clk)
        src.connect(out)
        s.schedule_periodic(src, 300)
        s.schedule_periodic(Churn(s, src), 30)
        r = Restart(s)
        s.schedule_sensor(Flaky(7), 20, r)
    else:
        s.schedule_sensor(walk, 300, out)
    w = 0
    k = 0
    while clk.now < 7 * 86400000:  # a simulated week
        run_for(s, 10000)  # 1,000 wake-ups at 10 s
        k += 1
        mark(k)
    if kind == 'churn':
        print('restarts', r.errs, 'groups', len(s._groups))
    print('events', out.n, 'wakeups', s.wakeups)


main(sys.argv[1] if len(sys.argv) > 1 else 'plain')
