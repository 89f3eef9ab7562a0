"""Defects found by the second user journey (the larger system's side of MQTT
delivery), fixed.

keepalive: README's "A first app" samples the temperature every 60 s into a
writer with the default keepalive of 60 s. The writer starts a fresh
connection when a wake-up comes a whole keepalive (or more) after the broker
last heard from it, although the broker keeps the connection for 1.5
keepalives (MQTT 3.1.1 section 3.1.2.10). So an event every 60 s drops a live
connection at (nearly) every event: the socket is closed without DISCONNECT
(the broker publishes the last will, `offline`, retained), then `online` is
published again, and `reconnects` counts up. Against Mosquitto (keepalive=2,
an event every 2 s, 10 events) the status topic flapped offline/online twice
on both runtimes. Now the writer starts afresh only after 1.25 keepalives:
one connection for the whole run."""
import subprocess
import sys

import pytest

from thingflow_mpy import mpy

SCRIPT = r'''
from thingflow import Scheduler
from vclock import VirtualClock, run_for
from mqtt_writer import MQTTWriter


class Sock:
    def __init__(self, log):
        self.log = log

    def close(self):
        self.log.append('close')


class Client:
    # umqtt's API; records connects, closes (no DISCONNECT: the broker
    # publishes the will) and the messages
    def __init__(self):
        self.log = []
        self.sock = None

    def set_last_will(self, topic, msg, retain=False, qos=0):
        pass

    def connect(self, clean=True):
        self.log.append('connect')
        self.sock = Sock(self.log)
        return 0

    def publish(self, topic, msg, retain=False, qos=0):
        self.log.append(topic + ' ' + (msg if isinstance(msg, str) else msg.decode()))

    def ping(self):
        self.log.append('ping')

    def disconnect(self):
        self.log.append('disconnect')
        self.sock = None


class Temp:
    sensor_id = 'temp'

    def sample(self):
        return 21.5


clk = VirtualClock()
c = Client()
w = MQTTWriter('kitchen-board', '192.168.1.10', 1883, 'home/kitchen/{sensor_id}', client=c, clock=clk)
s = Scheduler(clk)
s.schedule_sensor(Temp(), 60, w)  # README's "A first app": every 60 s, keepalive 60
run_for(s, 601)
print('connects', w.connects, 'reconnects', w.reconnects, 'published', w.published)
print('wills', c.log.count('close'), 'online', c.log.count('home/kitchen/status online'))
'''


@pytest.mark.parametrize('runtime', ['cpython', 'micropython'])
def test_events_every_keepalive_seconds_keep_one_connection(runtime, tmp_path):
    f = tmp_path / 'ka_app.py'
    f.write_text(SCRIPT)
    if runtime == 'cpython':
        import os
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(mpy.LIB), str(mpy.SIM)]))
        r = subprocess.run([sys.executable, str(f)], env=env, capture_output=True, text=True, timeout=60)
    else:
        r = mpy.run_micropython([str(f)], [mpy.LIB, mpy.SIM], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    # 11 readings (0, 60, ... 600 s), one connection, no will, one 'online'
    assert r.stdout.split() == ['connects', '1', 'reconnects', '0', 'published', '11',
                                'wills', '0', 'online', '1'], r.stdout
