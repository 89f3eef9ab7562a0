# A demo pipeline: two sensors sampled by the scheduler, events printed.
# Runs on a board (copy lib/ to /lib and this file to /main.py) and on the
# desktop: micropython examples/demo.py  (with lib/ on MICROPYPATH).
import random

from thingflow import Scheduler, Output, Filter


class Counter:
    """Counts 1, 2, 3 ... and stops after `limit` samples."""

    def __init__(self, sensor_id, limit):
        self.sensor_id = sensor_id
        self.n = 0
        self.limit = limit

    def sample(self):
        if self.n == self.limit:
            raise StopIteration  # completes the stream
        self.n += 1
        return self.n


class Walk:
    """A random walk, like a slowly drifting temperature (°C)."""

    def __init__(self, sensor_id, start, limit):
        self.sensor_id = sensor_id
        self.v = start
        self.left = limit

    def sample(self):
        if not self.left:
            raise StopIteration
        self.left -= 1
        self.v += (random.getrandbits(8) - 127.5) / 1000
        return round(self.v, 2)


class Fahrenheit(Filter):
    """A filter: converts the value of each event from °C to °F."""

    def on_next(self, x):
        self._dispatch_next((x[0] + '_f', x[1], round(x[2] * 9 / 5 + 32, 2)))


sched = Scheduler()
out = Output()
sched.schedule_sensor(Counter('count', 6), 0.5, out)
f = Fahrenheit()
f.connect(out)
sched.schedule_sensor(Walk('temp', 21.0, 3), 1.0, out, f)
sched.run_forever()  # returns when both sensors have completed
print('done: %d wake-ups' % sched.wakeups)
