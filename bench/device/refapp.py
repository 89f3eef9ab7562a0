# The reference app of min_heap_kb: three sensors at 10, 30 and 60 s, one
# input thing each, for a simulated day on the virtual clock.
from thingflow import Scheduler, InputThing
from vclock import VirtualClock, run_for


class Sensor:
    def __init__(self, sid):
        self.sensor_id = sid

    def sample(self):
        return 1


class Count(InputThing):
    n = 0

    def on_next(self, x):
        self.n += 1


s = Scheduler(VirtualClock())
c = [Count(), Count(), Count()]
s.schedule_sensor(Sensor('a'), 10, c[0])
s.schedule_sensor(Sensor('b'), 30, c[1])
s.schedule_sensor(Sensor('c'), 60, c[2])
run_for(s, 86400)
print('ok' if [k.n for k in c] == [8641, 2881, 1441] else 'wrong %r' % [k.n for k in c])
