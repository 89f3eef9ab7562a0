"""Deep sleep for real: the reference app (tests/power_apps/deep_app.py) is
run as a new process for every wake-up, on the MicroPython Unix port (lib/ as
.mpy) and on CPython, with a simulated board's `machine` that ends the
process at machine.deepsleep(ms) and keeps RTC memory, the reset cause and
the world time in files. The runs must stay on their 60 s / 300 s grids."""
import json
import os
import subprocess
import sys

import pytest

from thingflow_mpy import mpy

HERE = os.path.dirname(os.path.abspath(__file__))
APPS = os.path.join(os.path.dirname(HERE), 'power_apps')



def boot(runtime, mpy_lib, d, boots, extra=False, port=None, app='deep_app.py', wifi=False):
    env = dict(os.environ)
    env['TF_POWER_DIR'] = str(d)
    if port is not None:
        env['TF_PORT'] = str(port)
    env.pop('TF_WIFI', None)
    if wifi:
        env['TF_WIFI'] = '1'
    env['TF_BOOT_MS'] = ','.join(str(b) for b in boots)
    env.pop('TF_EXTRA', None)
    if extra:
        env['TF_EXTRA'] = '1'
    app = os.path.join(APPS, app)
    if runtime == 'micropython':
        res = mpy.run_micropython([app], [APPS, mpy_lib, mpy.SIM], env=env, timeout=60)
    else:
        env['PYTHONPATH'] = os.pathsep.join([APPS, str(mpy.LIB), str(mpy.SIM)])
        res = subprocess.run([sys.executable, app], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


def log(d):
    out = []
    for ln in (d / 'log').read_text().splitlines():
        sid, t, st = ln.split()
        out.append((sid, int(t), st))
    return out


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_deep_sleep_restarts_keep_the_grid(runtime, mpy_lib, tmp_path):
    boots = [150, 180, 120, 150, 400, 150, 150, 160, 150, 150, 150]
    for k in range(len(boots)):
        boot(runtime, mpy_lib, tmp_path, boots)
    got = log(tmp_path)
    # every process ran once: temp at each minute, light every 5 min, on
    # the grid that starts at the cold run (150 ms after power-on); each
    # later run `boot` ms after its grid point (that boot's time, no drift)
    want = []
    for k, b in enumerate(boots):
        st = 'cold' if k == 0 else 'resumed'
        t = 150 + 60000 * k + (b if k else 0)
        want.append(('temp', t, st))
        if k % 5 == 0:
            want.append(('light', t, st))
    assert got == want
    sleeps = [int(x) for x in (tmp_path / 'deepsleeps').read_text().split()]
    assert sleeps == [60000] + [60000 - b for b in boots[1:]]
    assert (tmp_path / 'rtc').read_bytes() == b'tf2 465 1 150 660000 6000 465 30000 24465 '  # wrapped at 655.35 s; wall 660 s, in ms


@pytest.mark.parametrize('runtime', ['micropython'])
def test_power_on_and_changed_app_start_a_fresh_grid(runtime, mpy_lib, tmp_path):
    boots = [100]
    boot(runtime, mpy_lib, tmp_path, boots)
    boot(runtime, mpy_lib, tmp_path, boots)  # resumed at 60 s
    # an update adds a 45 s task: the stored schedule no longer fits
    boot(runtime, mpy_lib, tmp_path, boots, extra=True)
    # a power cut while asleep: the next start is a power-on reset
    (tmp_path / 'cause').write_bytes(b'1')
    boot(runtime, mpy_lib, tmp_path, boots)
    got = log(tmp_path)
    assert got == [
        ('temp', 100, 'cold'), ('light', 100, 'cold'),
        ('temp', 60200, 'resumed'),
        # fresh grid from this boot; shortest interval first
        ('extra', 120200, 'changed'), ('temp', 120200, 'changed'), ('light', 120200, 'changed'),
        # slept 45 s for the 45 s task (a fresh grid: no boot to make up
        # for); then a power-on: fresh again
        ('temp', 165300, 'cold'), ('light', 165300, 'cold')]


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_deep_sleep_with_an_mqtt_duty_cycle_loses_nothing(runtime, mpy_lib, tmp_path, broker, subscriber):
    # a new process for every wake-up (a reading each 60 s), an MQTTWriter
    # with every=300 and a spool, the real broker: the duty cycle spans the
    # deep sleeps (a connection at every fifth wake-up) and every reading
    # arrives once, in order
    sub = subscriber(broker, 'bat/#')
    boots = [150]
    for k in range(11):
        boot(runtime, mpy_lib, tmp_path, boots, port=broker.port, app='battery_app.py')
    runs = [tuple(int(x) for x in ln.split()) for ln in (tmp_path / 'writer').read_text().splitlines()]
    # (connects, published, queued, errors) of each run before its deep sleep: the
    # cycle began at the first reading (0.15 s); due at 300.3 s and 600.3 s
    assert runs == [(0, 0, 1, 0), (0, 0, 2, 0), (0, 0, 3, 0), (0, 0, 4, 0), (0, 0, 5, 0), (1, 6, 0, 0),
                    (0, 0, 1, 0), (0, 0, 2, 0), (0, 0, 3, 0), (0, 0, 4, 0), (1, 5, 0, 0)], runs
    got = sub.wait(lambda m: len(m) >= 11)
    ms = [round(json.loads(p)[1] * 1000) for t, p in got]
    assert ms == [150] + [300 + 60000 * k for k in range(1, 11)], ms
    assert [t for t, p in got] == ['bat/temp'] * 11
    assert (tmp_path / 'spool.cyc').read_text() == '600'
    assert not (tmp_path / 'spool').exists()  # nothing waits


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_wifi_down_at_a_cycle_is_retried_at_the_next_wake_up(runtime, mpy_lib, tmp_path, broker, subscriber):
    # the radio hook is wifi_connect, which raises OSError when the access
    # point is not there (wake-up 5, when every=300 makes the cycle due):
    # a failed cycle (counted, radio off), retried at the next wake-up, not
    # an exception out of the scheduler (that ended the app: on a board it
    # stays awake, and the readings of the later wake-ups are never taken)
    sub = subscriber(broker, 'bat/#')
    for k in range(8):
        noap = tmp_path / 'noap'
        if k == 5:
            noap.write_bytes(b'')
        elif noap.exists():
            noap.unlink()
        boot(runtime, mpy_lib, tmp_path, [150], port=broker.port, app='battery_app.py', wifi=True)
    runs = [tuple(int(x) for x in ln.split()) for ln in (tmp_path / 'writer').read_text().splitlines()]
    # (connects, published, queued, errors) of each run before its deep sleep
    assert runs == [(0, 0, 1, 0), (0, 0, 2, 0), (0, 0, 3, 0), (0, 0, 4, 0), (0, 0, 5, 0), (0, 0, 6, 1),
                    (1, 7, 0, 0), (0, 0, 1, 0)], runs
    got = sub.wait(lambda m: len(m) >= 7)
    assert [json.loads(p)[2] for t, p in got] == list(range(7))
    assert len((tmp_path / 'deepsleeps').read_text().split()) == 8  # every run went to sleep
