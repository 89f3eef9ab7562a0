# The battery app: deep sleep between readings and the radio duty cycle of
# an MQTTWriter, as a board's main.py would be, except for the simulated
# clock (simboard) and the broker's port from $TF_PORT: temperature every
# 60 s, published every 300 s (every=300) through a spool that carries the
# outbox across the deep sleeps. Before each deep sleep it appends
# "connects published queued" to $TF_POWER_DIR/writer.
import os

import simboard  # test only: a board's clock is the time module (no clock= below)
from thingflow import Scheduler
from deepsleep import DeepSleepClock
from mqtt_writer import MQTTWriter

D = os.getenv('TF_POWER_DIR')


class Reading:
    sensor_id = 'temp'

    def sample(self):
        return 21


w = MQTTWriter('battery', '127.0.0.1', int(os.getenv('TF_PORT')), 'bat/{sensor_id}', every=300,
               spool=D + '/spool', status=False, clock=simboard.clock)


def note():
    with open(D + '/writer', 'a') as f:
        f.write('%d %d %d\n' % (w.connects, w.published, w.queued))


clk = DeepSleepClock(clock=simboard.clock)
clk.before.append(note)
sched = Scheduler(clk)
sched.schedule_sensor(Reading(), 60, w)
clk.resume(sched)
sched.run_forever()
