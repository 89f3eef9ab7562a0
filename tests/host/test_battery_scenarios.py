"""The battery scenario across modules: a new process for every deep-sleep
wake-up (tests/power_apps: simboard.py, machine.py), on the MicroPython Unix
port (lib/ as .mpy) and on CPython, an MQTTWriter with a radio duty cycle
and a spool, wifi from sim/network.py, a real Mosquitto on 127.0.0.1."""
import json
import os
import subprocess
import sys

import pytest

from thingflow_mpy import mpy

HERE = os.path.dirname(os.path.abspath(__file__))
APPS = os.path.join(os.path.dirname(HERE), 'power_apps')


@pytest.fixture(scope='module')
def mpy_lib(tmp_path_factory):
    out = tmp_path_factory.mktemp('mpylib_battery')
    mpy.compile_tree(out)
    return out


def boot(runtime, mpy_lib, d, port, app):
    # one wake-up: a new process (as test_power_restart.boot, boot time 150 ms)
    env = dict(os.environ)
    env['TF_POWER_DIR'] = str(d)
    env['TF_PORT'] = str(port)
    env['TF_BOOT_MS'] = '150'
    app = os.path.join(APPS, app)
    if runtime == 'micropython':
        res = mpy.run_micropython([app], [APPS, mpy_lib, mpy.SIM], env=env, timeout=60)
    else:
        env['PYTHONPATH'] = os.pathsep.join([APPS, str(mpy.LIB), str(mpy.SIM)])
        res = subprocess.run([sys.executable, app], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


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
        boot(runtime, mpy_lib, tmp_path, broker.port, 'wifi_battery_app.py')
    runs = [tuple(int(x) for x in ln.split()) for ln in (tmp_path / 'writer').read_text().splitlines()]
    # (connects, published, queued, errors) of each run before its deep sleep
    assert runs == [(0, 0, 1, 0), (0, 0, 2, 0), (0, 0, 3, 0), (0, 0, 4, 0), (0, 0, 5, 0), (0, 0, 6, 1),
                    (1, 7, 0, 0), (0, 0, 1, 0)], runs
    got = sub.wait(lambda m: len(m) >= 7)
    assert [json.loads(p)[2] for t, p in got] == list(range(7))
    assert len((tmp_path / 'deepsleeps').read_text().split()) == 8  # every run went to sleep
