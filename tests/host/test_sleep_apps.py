"""An app written for a board, with DeepSleepClock() or LightSleepClock()
and nothing of the simulator in it, runs on the desktop (`thingflow-mpy
run`, both runtimes) and is planned (`thingflow-mpy plan`): the desktop's
machine (sim/machine.py) has lightsleep, deepsleep (slept awake) and RTC.
Before, both stopped at 'no machine.deepsleep'."""
import argparse

import pytest

from thingflow_mpy import plan
from test_examples import run

APP = '''import config
from thingflow import Scheduler
from {mod} import {cls}
from mqtt_writer import MQTTWriter


class Count:
    sensor_id = 'n'
    n = 0

    def sample(self):
        self.n += 1
        return self.n


w = MQTTWriter(config.DEVICE, config.MQTT_HOST, config.MQTT_PORT, 'sleepy/{{sensor_id}}', spool='out.txt')
clk = {cls}()
sched = Scheduler(clk)
sched.schedule_sensor(Count(), 3, w)
{resume}sched.run_forever()
'''
DEEP = dict(mod='deepsleep', cls='DeepSleepClock', resume='clk.resume(sched)\n')
LIGHT = dict(mod='lightsleep', cls='LightSleepClock', resume='')
CONFIG = "DEVICE = 'sleepy'\nMQTT_HOST = '127.0.0.1'\nMQTT_PORT = 1883\n"


def _app(tmp_path, kind):
    (tmp_path / 'config.py').write_text(CONFIG)
    app = tmp_path / 'main.py'
    app.write_text(APP.format(**kind))
    return app


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_a_deep_sleep_app_runs_on_the_desktop_sleeping_awake(runtime, tmp_path):
    res, events, s = run(_app(tmp_path, DEEP), '--for', 7.5, '--runtime', runtime)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (s['app'], s['wakeups'], s['sampled'], s['errors']) == ('stopped', 3, 3, 0), res.stdout
    assert [(sid, v) for sid, ts, v in events] == [('n', '1'), ('n', '2'), ('n', '3')]
    # the 3 s gaps (less the time the wake-up took) are deep sleeps, slept awake, said once
    said = [ln for ln in res.stdout.splitlines() if ln.startswith('sim: machine.deepsleep(')]
    assert len(said) == 1 and said[0].endswith(') slept awake, RAM kept (a board resets here)'), res.stdout
    assert 2900 <= int(said[0].split('(')[1].split(')')[0]) <= 3000, said


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_a_light_sleep_app_runs_on_the_desktop(runtime, tmp_path):
    res, events, s = run(_app(tmp_path, LIGHT), '--for', 4.5, '--runtime', runtime)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (s['app'], s['wakeups'], s['sampled'], s['errors']) == ('stopped', 2, 2, 0), res.stdout
    assert [v for sid, ts, v in events] == ['1', '2']


@pytest.mark.parametrize('kind,mode', [(DEEP, 'deep'), (LIGHT, 'light')])
def test_a_sleep_clock_app_is_planned_in_its_mode(kind, mode, tmp_path, capsys):
    ap = argparse.ArgumentParser()
    plan.add_arguments(ap)
    assert plan.main(ap.parse_args([str(_app(tmp_path, kind))])) == 0
    out = capsys.readouterr()
    assert out.err == ''
    rows = out.out.splitlines()
    assert rows[1] == 'tasks: n every 3 s' and rows[3].split()[:2] == [mode, '1200.0']
