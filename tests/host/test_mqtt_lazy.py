"""The MQTT modules that only some apps need are imported only when used,
on both runtimes (CPython with lib/, MicroPython with lib/ as .mpy):
mqtt_rare only for a network failure, a duty cycle or the end of the
stream, mqtt_errors only for an error or a warning while a logger is in
use, mqtt_spool only with spool= and only while the spool file or the
outbox holds something, mqtt_tls only for ssl=True. What is not
imported costs no RAM on a board. (mqtt_client always comes with
mqtt_writer: the writer is an MQTTClient.)"""
import os
import subprocess
import sys

import pytest

from thingflow_mpy import mpy

SCRIPT = r'''
import sys
from mqtt_writer import MQTTWriter


def loaded():
    return ' '.join(sorted(m for m in sys.modules if m.startswith('mqtt_')))


class Client:  # umqtt's API, a broker that always answers
    def connect(self, clean=True):
        return 0

    def publish(self, topic, msg, retain=False, qos=0):
        pass

    def disconnect(self):
        pass


w = MQTTWriter('x', None, None, 't/{sensor_id}', client=Client())
w.on_next(('a', 1, 2))
print('custom client:', loaded(), w.published)
w.on_next(('a', 1, float('nan')))  # refused, but no logger: no text needed
print('refused without a logger:', loaded(), w.refused)
import logger  # noqa: E402,F401  (imported, never initialised: nothing is logged)
w.on_next(('a', 1, float('nan')))
print('refused, logger not initialised:', loaded(), w.refused)
w.on_completed()
print('completed:', loaded(), w.published)
w = MQTTWriter('x', '127.0.0.1', 1883, 't/{sensor_id}', every=60, radio=print)
w.on_next(('a', 1, 2))  # queued: the duty cycle connects later
print('own client, duty cycle:', loaded(), w.queued)
w = MQTTWriter('x', '127.0.0.1', 1883, 't', spool=SPOOL, every=60)
print('spool, nothing to replay:', loaded())
w.on_next(('a', 1, 2))  # waits for the duty cycle: into the file
print('spool, a message waits:', loaded(), w.queued)
try:
    MQTTWriter('x', '127.0.0.1', 1883, 't/#')
except ValueError as e:
    print('bad topic:', loaded(), e)
import mqtt_tls
print('tls:', mqtt_tls.context().verify_mode == 0)
'''

WANT = [
    'custom client: mqtt_client mqtt_writer 1',
    'refused without a logger: mqtt_client mqtt_writer 1',
    'refused, logger not initialised: mqtt_client mqtt_writer 2',
    'completed: mqtt_client mqtt_rare mqtt_writer 1',
    'own client, duty cycle: mqtt_client mqtt_rare mqtt_writer 1',
    'spool, nothing to replay: mqtt_client mqtt_rare mqtt_writer',
    'spool, a message waits: mqtt_client mqtt_rare mqtt_spool mqtt_writer 1',
    "bad topic: mqtt_client mqtt_errors mqtt_rare mqtt_spool mqtt_writer topic 't/#': + and # are for "
    "subscribing, not publishing",
    'tls: True',
]



@pytest.mark.parametrize('runtime', ['cpython', 'micropython'])
def test_optional_modules_are_imported_only_when_used(runtime, mpy_lib, tmp_path):
    app = tmp_path / 'app.py'
    app.write_text('SPOOL = %r\n' % str(tmp_path / 'spool.txt') + SCRIPT)
    if runtime == 'cpython':
        env = dict(os.environ, PYTHONPATH=str(mpy.LIB))
        res = subprocess.run([sys.executable, str(app)], env=env, capture_output=True, text=True, timeout=60)
    else:
        res = mpy.run_micropython([str(app)], [mpy_lib], timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.splitlines() == WANT, res.stdout
