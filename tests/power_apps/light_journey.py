# The battery journey in light sleep, one process (RAM kept): a reading (a
# counter) every IV s into an MQTTWriter with a duty cycle (every=EVERY) on
# a port's clock whose ticks wrap at 2**30 ms as on a 32-bit board, starting
# START ms before the wrap, through a LightSleepClock (the writer shares it,
# as the README asks for ports whose ticks stop). The broker is "down"
# (the writer's port points where nothing listens) during the windows in
# DOWN. Prints one JSON line: the radio calls (on/off, world ms), the
# counters, and the world ms of each reading.
# argv: port dead_port iv every hours stops start down(a-b,c-d in s)
import sys
import json

from machine_power import FakeMachine, PortClock
from lightsleep import LightSleepClock
from thingflow import Scheduler
from mqtt_writer import MQTTWriter

port, dead, iv, every = [int(x) for x in sys.argv[1:5]]
hours = float(sys.argv[5])
stops = sys.argv[6] == '1'
start = int(sys.argv[7])
down = []
for x in sys.argv[8].split(','):
    if x:
        a, b = x.split('-')
        down.append((int(a) * 1000, int(b) * 1000))
pc = PortClock(start=(1 << 30) - start)
pc.epoch = 1000
m = FakeMachine(pc, stops=stops)
clk = LightSleepClock(machine=m, clock=pc)
radio = []
w = MQTTWriter('light', '127.0.0.1', port, 'lj/{sensor_id}', every=every, status=False, clock=clk,
               radio=lambda on: radio.append((on, pc.now)), outbox=100)
T0 = pc.now
seen = []


class Reading:
    sensor_id = 'temp'
    n = 0

    def sample(self):
        t = pc.now - T0
        w.port = port
        for a, b in down:
            if a <= t < b:
                w.port = dead
        seen.append(t)
        self = Reading
        self.n += 1
        return self.n - 1


sched = Scheduler(clk)
sched.schedule_sensor(Reading(), iv, w)
END = pc.now + int(hours * 3600000)


class Stop(Exception):
    pass


def lightsleep(ms, f=m.lightsleep):
    if pc.now + ms > END:
        raise Stop()
    f(ms)


m.lightsleep = lightsleep
try:
    sched.run_forever()
except Stop:
    pass
print(json.dumps({'radio': [(1 if on else 0, t - T0) for on, t in radio], 'seen': seen,
                  'c': [w.connects, w.published, w.queued, w.errors, w.dropped, w.reconnects],
                  'sleeps': clk.sleeps, 'added': clk.added, 'early': clk.early}))
