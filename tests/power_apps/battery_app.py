# The battery app: deep sleep between readings and the radio duty cycle of
# an MQTTWriter, as a board's main.py would be, except for the simulated
# clock (simboard) and the broker's port from $TF_PORT: a reading (a
# counter) every 60 s, published every 300 s (every=300) through a spool
# that carries the outbox across the deep sleeps. With $TF_WIFI the
# writer's radio hook associates with the access point through
# wifi_connect (sim/network.py; the access point is missing while
# $TF_POWER_DIR/noap exists: wifi_connect then raises OSError) and switches
# the station off again. Before each deep sleep it appends "connects
# published queued errors" to $TF_POWER_DIR/writer.
import os

import simboard  # test only: a board's clock is the time module (no clock= below)
from thingflow import Scheduler
from deepsleep import DeepSleepClock
from mqtt_writer import MQTTWriter

D = os.getenv('TF_POWER_DIR')
radio = None
if os.getenv('TF_WIFI'):
    import network
    from wifi import wifi_connect
    network.reset('esp8266', simboard.clock)
    try:
        open(D + '/noap').close()
    except OSError:
        network.add_ap('home', 'pw', delay_ms=700)

    def radio(on):
        if on:
            wifi_connect('home', 'pw', timeout=3, clock=simboard.clock)
        else:
            network.WLAN(network.STA_IF).active(False)


class Reading:
    sensor_id = 'temp'

    def sample(self):
        n = int(simboard.machine._read('seq', b'0'))
        simboard.machine._write('seq', b'%d' % (n + 1))
        return n


w = MQTTWriter('battery', '127.0.0.1', int(os.getenv('TF_PORT')), 'bat/{sensor_id}', every=300,
               spool=D + '/spool', status=False, clock=simboard.clock, radio=radio)


def note():
    with open(D + '/writer', 'a') as f:
        f.write('%d %d %d %d\n' % (w.connects, w.published, w.queued, w.errors))


clk = DeepSleepClock(clock=simboard.clock)
clk.before.append(note)
sched = Scheduler(clk)
sched.schedule_sensor(Reading(), 60, w)
clk.resume(sched)
sched.run_forever()
