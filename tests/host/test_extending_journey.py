"""A developer's extension, end to end against a real Mosquitto: a driver
for a chip the library lacks (SHT31: tests/device/sht31.py),
its chip model on the simulated bus wired by a sim_wiring.py, filters, two
MQTT writers; on CPython (sources), MicroPython (lib/ as .mpy) and through
`thingflow-mpy run --broker` (which runs sim_wiring.py as the setup)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from thingflow_mpy import mpy


DEVICE = Path(__file__).resolve().parent.parent / 'device'
# the simulated wiring: the SHT31 model of tests/device/sht31.py (copied
# beside the app with its driver) on the simulated bus
WIRING = r'''
import machine
from sht31 import SimSHT31

machine.sim_bus(0).attach(SimSHT31(21.5, 40.0))
'''

APP = r'''
import machine
import filters
from sht31 import SHT31
from thingflow import Scheduler, SensorAsOutputThing
from mqtt_writer import MQTTWriter
import config

i2c = machine.I2C(0, scl=machine.Pin(5), sda=machine.Pin(4))
wt = MQTTWriter('ext-t', config.MQTT_HOST, config.MQTT_PORT, 'ext/t/{sensor_id}')
wh = MQTTWriter('ext-h', config.MQTT_HOST, config.MQTT_PORT, 'ext/h/{sensor_id}')
s = Scheduler()
t = SensorAsOutputThing(SHT31(i2c, sensor_id='temp'), s.clock)
t.take(3).connect(wt)                       # its completion closes wt only
h = SensorAsOutputThing(SHT31(i2c, sensor_id='hum', hum=True), s.clock)
h.map(lambda e: (e[0], e[1], e[2] + 0.5)).take(4).connect(wh)
s.schedule_periodic(t, 0.2)
s.schedule_periodic(h, 0.2)


class Stop:                                 # take ends the filter's stream, not the
    n = 0                                   # sensor's: the app stops itself

    def _observe(self):
        self.n += 1
        if self.n == 6:
            s.stop()


s.schedule_periodic(Stop(), 0.2)
s.run_forever()
print('done', wt.published, wh.published, wt.refused, wh.refused, s.wakeups)
'''


def _files(d, app='app.py'):
    shutil.copy(DEVICE / 'sht31.py', d / 'sht31.py')
    (d / 'sim_wiring.py').write_text(WIRING)
    (d / app).write_text(APP)


def _events(sub):
    return [(t, json.loads(p)[0], json.loads(p)[2]) for t, p in sub.messages()
            if not t.endswith('/status')]


@pytest.mark.parametrize('runtime', ['cpython', 'micropython'])
def test_own_driver_to_mosquitto(runtime, broker, subscriber, tmp_path, mpy_lib):
    sub = subscriber(broker, 'ext/#')
    (tmp_path / 'config.py').write_text('MQTT_HOST = %r\nMQTT_PORT = %d\n' % (broker.host, broker.port))
    _files(tmp_path)
    go = ['-c', 'import sim_wiring; import app']
    if runtime == 'cpython':
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, [tmp_path, mpy.LIB, mpy.SIM])))
        r = subprocess.run([sys.executable] + go, env=env, capture_output=True, text=True, timeout=60)
    else:
        r = mpy.run_micropython(go, [tmp_path, mpy_lib, mpy.SIM], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    # 3 temps, 4 hums; the 4th temp and the 5th hum end their streams
    # (take) before reaching a writer, the later ones are dropped by take:
    # nothing refused; 6 wake-ups
    assert r.stdout.split() == ['done', '3', '4', '0', '0', '6'], r.stdout + r.stderr
    sub.wait(lambda m: len(_events(sub)) >= 7, timeout=10)
    ev = _events(sub)
    assert [e for e in ev if e[1] == 'temp'] == [('ext/t/temp', 'temp', 21.5)] * 3
    assert [e for e in ev if e[1] == 'hum'] == [('ext/h/hum', 'hum', 40.5)] * 4
    sub.wait(lambda m: [p for t, p in m if t == 'ext/h/status'][-1:] == [b'offline'], timeout=10)
    st = [(t, p) for t, p in sub.messages() if t.endswith('/status')]
    assert sorted(st) == [('ext/h/status', b'offline'), ('ext/h/status', b'online'),
                          ('ext/t/status', b'offline'), ('ext/t/status', b'online')]


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_own_driver_with_thingflow_mpy_run(runtime, broker, tmp_path):
    (tmp_path / 'config.py').write_text('MQTT_HOST = "x"\nMQTT_PORT = 1\n')  # run sets the broker's
    _files(tmp_path, 'main.py')
    cmd = [sys.executable, '-m', 'thingflow_mpy.cli', 'run', str(tmp_path / 'main.py'), '--runtime', runtime,
           '--broker', 'mqtt://%s:%d' % (broker.host, broker.port), '--for', '30']
    if runtime == 'micropython':
        cmd += ['--heap', '64']  # filters, two writers, the driver: more than 32 KB
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert 'done 3 4 0 0 6' in r.stdout, out
    assert 'app ended' in out and 'wake-ups 6, sampled 12, published 7, queued 0, dropped 0, refused 0, errors 0' in out, out
    assert 'received 7 events' in out, out
