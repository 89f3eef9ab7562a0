"""The planner (thingflow_mpy/plan.py), board profiles and the pure energy
model (thingflow_mpy/profiles.py)."""
import argparse
import xml.etree.ElementTree as ET

import pytest

from thingflow_mpy import plan
from thingflow_mpy.profiles import PROFILES, MODES, energy

KEYS = ('modem_ma', 'light_ma', 'deep_ma', 'active_ma', 'boot_ma', 'boot_s', 'radio_ma',
        'connect_s', 'publish_s', 'wake_s')


def test_profiles_are_complete_and_sourced():
    assert sorted(PROFILES) == ['esp32', 'esp8266', 'rp2040w']
    for name, p in PROFILES.items():
        for k in KEYS:
            assert isinstance(p[k], float) and p[k] > 0, (name, k)
            assert len(p['sources'][k]) > 10, (name, k)
        # deep_light (optional, rp2): its deep sleep is a light sleep, then a reset
        assert set(p['sources']) == set(KEYS) | {'light_wifi'} | ({'deep_light'} & set(p))
        assert len(p['sources']['light_wifi']) > 10, name
        assert p['deep_ma'] <= p['light_ma'] <= p['modem_ma'], name
    # the datasheet figures the issue names; light sleep on the ESP8266 is
    # what MicroPython's machine.lightsleep costs there: it polls with the
    # CPU running (ports/esp8266/modmachine.c), the modem-sleep 15 mA, not
    # the chip's 0.9 mA light sleep, which it never enters
    e = PROFILES['esp8266']
    assert (e['modem_ma'], e['light_ma'], e['deep_ma']) == (15.0, 15.0, 0.02)
    # boot: the 78.2 mA its cited measurement gives (mat.8u.cz: "On boot,
    # wifi not connected: 15.64mV ~ 78.2mA"); it was 70 under that source
    assert e['boot_ma'] == 78.2 and '78.2mA' in e['sources']['boot_ma']
    # what machine.lightsleep does to the wifi: the ESP8266's polls with
    # the wifi as it is; the ESP32's drops it (ESP-IDF Sleep Modes); the
    # Pico W's leaves the CYW43 associated and may return at once
    assert [PROFILES[b]['light_wifi'] for b in ('esp8266', 'esp32', 'rp2040w')] == ['kept', 'dropped', 'unreliable']
    assert [PROFILES[b].get('deep_light') for b in ('esp8266', 'esp32', 'rp2040w')] == [None, None, True]
    assert 'mp_machine_deepsleep' in PROFILES['rp2040w']['sources']['deep_light']
    # ESP32 Series Datasheet v3.5: modem sleep at 160 MHz 27-44 mA, RX 95-100 mA
    e = PROFILES['esp32']
    assert (e['modem_ma'], e['active_ma'], e['light_ma'], e['deep_ma'], e['radio_ma']) == (27.0, 27.0, 0.8, 0.01, 95.0)


PROF = {'modem_ma': 10.0, 'light_ma': 1.0, 'deep_ma': 0.01, 'active_ma': 20.0, 'boot_ma': 50.0,
        'boot_s': 0.5, 'radio_ma': 100.0, 'connect_s': 2.0, 'publish_s': 0.5, 'wake_s': 0.0}


@pytest.mark.parametrize('run,mas,avg', [
    # always awake in modem sleep for 1000 s: 10 mA
    (dict(seconds=1000, sleep_s={'modem': 1000}, awake_s=0, boots=0, connects=0, publishes=0),
     {'modem': 10000, 'light': 0, 'deep': 0, 'awake': 0, 'boot': 0, 'radio': 0}, 10.0),
    # 900 s light, 100 s awake, 1 connection and 4 publishes
    (dict(seconds=1000, sleep_s={'light': 900}, awake_s=100, boots=0, connects=1, publishes=4),
     {'modem': 0, 'light': 900, 'deep': 0, 'awake': 2000, 'boot': 0, 'radio': 400}, 3.3),
    # deep sleep with 10 boots and a connection at each
    (dict(seconds=1000, sleep_s={'deep': 990}, awake_s=5, boots=10, connects=10, publishes=10),
     {'modem': 0, 'light': 0, 'deep': 9.9, 'awake': 100, 'boot': 250, 'radio': 2500}, 2.8599),
])
def test_energy_model_table(run, mas, avg):
    e = energy(PROF, run, battery_mah=1000)
    assert e['mas'] == pytest.approx(mas)
    assert e['avg_ma'] == pytest.approx(avg)
    assert e['days'] == pytest.approx(1000 / avg / 24)


def test_energy_model_rejects_bad_input():
    run = dict(seconds=10, sleep_s={}, awake_s=0, boots=0, connects=0, publishes=0)
    with pytest.raises(ValueError, match='battery_mah 0'):
        energy(PROF, run, 0)
    with pytest.raises(ValueError, match='seconds 0'):
        energy(PROF, dict(run, seconds=0))


def test_always_awake_esp8266_lasts_about_a_week():
    r = plan.simulate([('t', 60.0, 0)], PROFILES['esp8266'], 'modem')
    e = energy(PROFILES['esp8266'], r)
    assert 6.9 <= e['days'] <= 7.0


@pytest.mark.parametrize('text,want', [
    ('7,11,13', [('7s', 7.0, 0.1), ('11s', 11.0, 0.1), ('13s', 13.0, 0.1)]),
    ('7:0.2, 60', [('7s', 7.0, 0.2), ('60s', 60.0, 0.1)]),
])
def test_parse_intervals(text, want):
    assert plan.parse_intervals(text, 0.1) == want


@pytest.mark.parametrize('text', ['7,x', '', '7:y'])
def test_parse_intervals_errors_name_the_value(text):
    with pytest.raises(ValueError, match='--intervals'):
        plan.parse_intervals(text)


def test_schedule_exact_and_with_slack():
    ivs = [('a', 7, 0), ('b', 11, 0), ('c', 13, 0), ('d', 60, 0)]
    w = plan.schedule(ivs)
    assert len(w) == 25290  # the distinct due times of the four grids in a day
    assert w[:4] == [(0, ['a', 'b', 'c', 'd']), (700, ['a']), (1100, ['b']), (1300, ['c'])]
    ws = plan.schedule([(n, iv, 0.1) for n, iv, s in ivs])
    assert len(ws) < 21578  # better than the greedy rule
    runs = {n: sum(n in ns for t, ns in ws) for n, iv, s in ivs}
    # the long-run rate stays exact: each task runs once per grid point;
    # d's point at 86400 s may run up to 6 s early, inside the day
    assert runs == {'a': 12343, 'b': 7855, 'c': 6647, 'd': 1441}


def test_simulate_accounts_for_every_second():
    p = PROFILES['esp8266']
    tasks = [('temp', 60.0, 0), ('light', 300.0, 0)]
    for mode in MODES:
        r = plan.simulate(tasks, p, mode)
        total = sum(r['sleep_s'].values()) + r['awake_s'] + r['boot_s']
        assert total == pytest.approx(86400), mode
        # the writer's cycle begins at the first wake-up: batches at 900,
        # 1800, ..., 85500 s (not at 0 s too, as before: 96)
        assert r['wakeups'] == 1440 and r['publishes'] == 95
    r = plan.simulate(tasks, p, 'deep')
    assert (r['boots'], r['connects'], r['radio']) == (1439, 95, 'batch')
    assert plan.simulate(tasks, p, 'light')['connects'] == 1
    # short gaps stay awake in deep mode: 1 s task, deep only from 2 s
    r = plan.simulate([('fast', 1.0, 0)], p, 'deep', seconds=100)
    assert r['boots'] == 0 and r['sleep_s']['deep'] == 0
    assert plan.simulate([('t', 60.0, 0)], p, 'modem', publish=0)['publishes'] == 1440


@pytest.mark.parametrize('kw,msg', [
    (dict(mode='hibernate'), "mode 'hibernate'"),
    (dict(mode='deep', radio='kept'), 'impossible in deep sleep'),
    (dict(radio='always'), "radio 'always'"),
    (dict(publish=-1), 'publish -1'),
    (dict(mode='deep', short='deep'), "short 'deep'"),
])
def test_simulate_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        plan.simulate([('t', 60.0, 0)], PROFILES['esp8266'], **kw)


def test_reference_workload_targets():
    # temperature every 60 s, light every 5 min, one batch every 15 min
    tasks = [('temp', 60.0, 0), ('light', 300.0, 0)]
    p = PROFILES['esp8266']
    deep = energy(p, plan.simulate(tasks, p, 'deep', publish=900), 2500)
    modem = energy(p, plan.simulate(tasks, p, 'modem', publish=900), 2500)
    assert deep['days'] >= 180
    assert 6.5 <= modem['days'] <= 7.5


def test_svg_timeline():
    tasks = [('a', 7.0, 0), ('b', 11.0, 0)]
    w = plan.schedule(tasks, 120)
    root = ET.fromstring(plan.svg(w, tasks, minutes=1))
    ns = '{http://www.w3.org/2000/svg}'
    runs = root.findall(ns + 'circle')
    bands = root.findall(ns + 'rect')
    # in [0, 60] s: a at 0,7,..,56 (9 runs), b at 0,11,..,55 (6); wake-ups: 14 (0 shared)
    assert len(runs) == 15 and len(bands) == 14
    assert [t.text for t in root.findall(ns + 'text')][:2] == ['a', 'b']


def _args(argv):
    ap = argparse.ArgumentParser()
    plan.add_arguments(ap)
    return ap.parse_args(argv)


def test_cli_intervals_and_svg(tmp_path, capsys):
    out = tmp_path / 't.svg'
    assert plan.main(_args(['--intervals', '7,11,13,60', '--mode', 'modem', '--svg', str(out)])) == 0
    text = capsys.readouterr().out
    assert 'modem      1053.8' in text  # 25290 wake-ups a day
    assert out.read_text().startswith('<svg')
    assert text.splitlines()[-1] == 'timeline of the first 10 minutes: %s' % out


def test_svg_of_task_names_with_markup_characters():
    # a sensor_id is the app's text: '<', '>' and '&' must not break the file
    tasks = [('a<b>&c', 7.0, 0)]
    root = ET.fromstring(plan.svg(plan.schedule(tasks, 60), tasks, minutes=1))
    ns = '{http://www.w3.org/2000/svg}'
    assert [t.text for t in root.findall(ns + 'text')][0] == 'a<b>&c'


def test_cli_app_uses_the_apps_clock(tmp_path, capsys):
    app = tmp_path / 'app.py'
    app.write_text(
        'from thingflow import Scheduler, Output\n'
        'from deepsleep import DeepSleepClock\n'
        'from machine_power import FakeMachine\n'
        'class S:\n'
        '    sensor_id = "temp"\n'
        '    def sample(self): return 1\n'
        'class MQTTWriter:\n'
        '    every, batch = 900, 0\n'
        'w = MQTTWriter()\n'
        'clk = DeepSleepClock(FakeMachine(), min_ms=5000)\n'
        's = Scheduler(clk)\n'
        's.schedule_sensor(S(), 60, Output(), slack=0.1)\n'
        'clk.resume(s)\n'
        's.run_forever()\n'
        'raise SystemExit("not reached")\n')
    tasks, clock, pub = plan.load_app(str(app))
    assert (tasks, pub) == ([('temp', 60.0, 0.1)], 900.0)
    assert plan.app_mode(clock) == ('deep', 5000, 'modem')
    assert plan.main(_args([str(app)])) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == 'tasks: temp every 60 s slack 0.1'
    assert lines[3].split()[:5] == ['deep', '60.0', '443.2', '95', '1439']  # 1440 x 8 ms + 1439 boots x 0.3 s


DEEP_APP = (
    'from thingflow import Scheduler, Output\n'
    'from deepsleep import DeepSleepClock\n'
    'from machine_power import FakeMachine\n'
    'class S:\n'
    '    sensor_id = "t"\n'
    '    def sample(self): return 1\n'
    'clk = DeepSleepClock(FakeMachine(), min_ms=3500)\n'
    's = Scheduler(clk)\n'
    's.schedule_sensor(S(), 7, Output())\n'
    's.schedule_sensor(S(), 11, Output())\n'
    'clk.resume(s)\n'
    's.run_forever()\n')


@pytest.mark.parametrize('argv,boots', [
    # 7 and 11 s for an hour: gaps of 1 to 7 s; the app's min_ms 3500 makes
    # 514 of them deep sleeps, 2000 makes 607
    ([], 514),                       # the app's min_ms
    (['--mode', 'deep'], 514),       # still the app's min_ms
    (['--min-ms', '2000'], 607),     # an explicit --min-ms wins
    (['--mode', 'deep', '--min-ms', '2000'], 607),
])
def test_cli_min_ms_the_apps_unless_given(argv, boots, tmp_path, capsys):
    app = tmp_path / 'app.py'
    app.write_text(DEEP_APP)
    assert plan.main(_args([str(app), '--hours', '1'] + argv)) == 0
    row = capsys.readouterr().out.splitlines()[3].split()
    assert (row[0], int(row[4])) == ('deep', boots)
    # the same counts as the schedule given by --intervals
    assert plan.main(_args(['--intervals', '7,11', '--hours', '1', '--mode', 'deep', '--min-ms',
                            '2000' if boots == 607 else '3500'])) == 0
    assert int(capsys.readouterr().out.splitlines()[3].split()[4]) == boots


def test_load_app_keeps_the_apps_slack_ticks(tmp_path):
    # slack 0.29 of 2 s is 57 ticks on the board (int(0.29 * 200)); 57 / 200
    # = 0.285, and int(0.285 * 200) is 56: the plan must schedule 57
    app = tmp_path / 'app.py'
    app.write_text(
        'from thingflow import Scheduler, Output\n'
        'class S:\n'
        '    sensor_id = "a"\n'
        '    def sample(self): return 1\n'
        's = Scheduler()\n'
        's.schedule_sensor(S(), 2, Output(), slack=0.29)\n'
        's.schedule_sensor(S(), 7, Output(), slack=0.41)\n'
        's.run_forever()\n')
    tasks, clock, pub = plan.load_app(str(app))
    tf = plan._lib()
    s = tf.Scheduler()
    for name, iv, sl in tasks:
        s.schedule_periodic(plan._Task(name), iv, slack=sl)
    assert [g[:3] for g in s._groups] == [[200, 0, 57], [700, 0, 287]]
    assert [(n, iv, '%g' % sl) for n, iv, sl in tasks] == [('a', 2.0, '0.285'), ('a', 7.0, '0.41')]


@pytest.mark.parametrize('argv,msg', [
    ([], 'give an app file or --intervals'),
    (['nope.py'], 'no such app: nope.py'),
    (['x.py', '--intervals', '7'], 'not both'),
    (['--intervals', '7,zz'], "--intervals 'zz'"),
    (['--intervals', '7', '--hours', '0'], '--hours 0.0: want a number > 0 and at most 8784'),
    (['--intervals', '7', '--hours', 'nan'], '--hours nan: want a number > 0 and at most 8784'),
    (['--intervals', '7', '--battery-mah', '-5'], '--battery-mah -5.0: want a number > 0 and at most 1e+09'),
    (['--intervals', '7', '--min-ms', '-1'], '--min-ms -1: want a number from 0 to 1e9'),
    (['--intervals', '7', '--task-ms', 'nan'], '--task-ms nan: want a number from 0 to 1e9'),
    (['--intervals', '7', '--publish', 'nan'], '--publish nan: want a number from 0 to 1e9'),
    (['--intervals', '7', '--publish', '-1'], '--publish -1.0: want a number from 0 to 1e9'),
    # inf: a traceback (OverflowError) before, not one line and exit status 2
    (['--intervals', '7', '--hours', 'inf'], '--hours inf: want a number > 0 and at most 8784'),
    (['--intervals', '7', '--publish', 'inf'], '--publish inf: want a number from 0 to 1e9'),
    (['--intervals', '7', '--task-ms', 'inf'], '--task-ms inf: want a number from 0 to 1e9'),
    # finite, but inf once in ticks (an OverflowError traceback), or a
    # simulation that never ends
    (['--intervals', '7', '--publish', '1e307'], '--publish 1e+307: want a number from 0 to 1e9'),
    (['--intervals', '7', '--hours', '1e306'], '--hours 1e+306: want a number > 0 and at most 8784'),
    (['--intervals', '7', '--hours', '8785'], '--hours 8785.0: want a number > 0 and at most 8784'),
])
def test_cli_errors(argv, msg, capsys):
    assert plan.main(_args(argv)) == 2
    assert msg in capsys.readouterr().err


def test_deep_app_whose_short_gaps_light_sleep(tmp_path, capsys):
    # a DeepSleepClock that waits the gaps below min_ms with a
    # LightSleepClock (as the README suggests): those gaps cost the light
    # current, not the modem one. 7 and 11 s, min_ms 3500: 12 s of every 77
    # are short gaps (3, 1, 2, 2, 1, 3 s)
    app = tmp_path / 'app.py'
    app.write_text(DEEP_APP.replace(
        'clk = DeepSleepClock(FakeMachine(), min_ms=3500)',
        'from lightsleep import LightSleepClock\n'
        'clk = DeepSleepClock(FakeMachine(), LightSleepClock(FakeMachine()), min_ms=3500)'))
    tasks, clock, pub = plan.load_app(str(app))
    assert plan.app_mode(clock) == ('deep', 3500, 'light')
    p = PROFILES['esp8266']
    modem = plan.simulate(tasks, p, 'deep', seconds=77, min_ms=3500)
    light = plan.simulate(tasks, p, 'deep', seconds=77, min_ms=3500, short='light')
    assert modem['sleep_s']['light'] == 0 and modem['boots'] == light['boots'] == 10
    assert light['sleep_s']['modem'] == 0
    assert light['sleep_s']['light'] == pytest.approx(modem['sleep_s']['modem'])
    assert light['sleep_s']['light'] == pytest.approx(12 - 6 * (0.005 + p['wake_s']))  # one task before each
    # (on an ESP32: the ESP8266's machine.lightsleep costs the modem current)
    assert plan.main(_args([str(app), '--publish', '900', '--board', 'esp32'])) == 0
    row = capsys.readouterr().out.splitlines()[3].split()
    # (95 batches: 1.6 s at 95 mA less than the 96 counted before, 3.201 mA and 7.270 mA)
    assert row[0] == 'deep' and row[5:] == ['3.200', '32.6']  # 7.268 mA, 14.3 days as modem sleep
    # the same schedule given by --intervals: modem sleep, as documented
    assert plan.main(_args(['--intervals', '7,11', '--mode', 'deep', '--min-ms', '3500', '--publish', '900',
                            '--board', 'esp32'])) == 0
    assert capsys.readouterr().out.splitlines()[3].split()[5:] == ['7.268', '14.3']


WRITER_APP = (
    'from thingflow import Scheduler\n'
    'from deepsleep import DeepSleepClock\n'
    'from machine_power import FakeMachine\n'
    'from mqtt_writer import MQTTWriter\n'
    'class S:\n'
    '    sensor_id = "temp"\n'
    '    def sample(self): return 1\n'
    'w = MQTTWriter("bat", "127.0.0.1", 1883, "bat/{sensor_id}", every=300, spool="spool")\n'
    'clk = DeepSleepClock(FakeMachine())\n'
    's = Scheduler(clk)\n'
    's.schedule_sensor(S(), 70, w)\n'
    'clk.resume(s)\n'
    's.run_forever()\n')


def test_publish_counts_the_writers_cycle_not_a_grid(tmp_path, capsys):
    # the MQTT writer's `every` cycle begins again at the wake-up that sends
    # (README MQTT, "Duty cycle in deep sleep"; tests/power_apps/battery_app.py
    # run a process per wake-up with a reading every 70 s connects at wake-ups
    # 5, 10, 15, 20: every 350 s). A day of wake-ups at 0, 70, ..., 86380 s:
    # the cycle begins at 0, a batch each 350 s: 86380 // 350 = 246 (a fixed
    # 300 s grid counted 288, 17 % too many connections; a batch at 0 s too,
    # which the writer does not send, 247)
    app = tmp_path / 'app.py'
    app.write_text(WRITER_APP)
    tasks, clock, pub = plan.load_app(str(app))
    assert (tasks, pub, plan.app_mode(clock)) == ([('temp', 70.0, 0.0)], 300.0, ('deep', 2000, 'modem'))
    p = PROFILES['esp8266']
    r = plan.simulate(tasks, p, 'deep', publish=300)
    assert (r['wakeups'], r['publishes'], r['connects'], r['boots']) == (1235, 246, 246, 1234)
    pub_ticks = [t for t, ns in r['wakes']][::5][1:5]
    assert pub_ticks == [35000, 70000, 105000, 140000]
    # by hand: 1235 wake-ups of 5 ms + 3 ms; 1234 boots of 0.3 s at 78.2 mA; the rest deep sleep
    awake = 1235 * 0.008
    deep = 86400 - awake - 1234 * 0.3
    mas = 0.02 * deep + 15 * awake + 78.2 * 0.3 * 1234 + 70 * (1.0 * 246 + 0.1 * 246)
    e = energy(p, r)
    assert e['avg_ma'] == pytest.approx(mas / 86400)
    assert plan.main(_args([str(app)])) == 0
    row = capsys.readouterr().out.splitlines()[3].split()
    assert row == ['deep', '51.5', '380.1', '246', '1234', '%.3f' % (mas / 86400), '%.1f' % (2500 / (mas / 86400) / 24)]
    assert row[5:] == ['0.576', '180.9']  # 0.542 mA, 192.3 days with 247 batches and boots at 70 mA
    # publish 0: at every wake-up; wake-ups on the publish period: one batch each
    assert plan.simulate(tasks, p, 'deep', publish=0)['publishes'] == 1235
    assert plan.simulate([('t', 60.0, 0)], p, 'deep', publish=300)['publishes'] == 287  # at 300 ... 86100 s


def test_esp8266_light_sleep_costs_what_modem_sleep_costs(capsys):
    # MicroPython's machine.lightsleep on the ESP8266 is a polling loop
    # (ports/esp8266/modmachine.c): the plan printed 0.911 mA and 114 days
    # for light sleep, 16 times the battery life the board gets
    assert plan.main(_args(['--intervals', '60', '--mode', 'all', '--publish', '900'])) == 0
    rows = [ln.split() for ln in capsys.readouterr().out.splitlines()[3:]]
    assert [r[0] for r in rows] == ['modem', 'light', 'deep']
    # 15 mA all day, and 70 mA for 1 connection of 1.0 s and 95 batches of 0.1 s (at 900 ... 85500 s)
    assert rows[0][5:] == rows[1][5:] == ['%.3f' % (15 + 70 * (1.0 + 95 * 0.1) / 86400), '6.9']


def test_deep_mode_keeps_the_connection_across_gaps_slept_awake():
    # a writer without a duty cycle (publish 0) disconnects only when a deep
    # sleep resets the board: gaps below min_ms are slept awake and keep
    # the connection. 1 s readings, min_ms 2000: never a deep sleep, one
    # connection (the plan counted 3600 connections of 1.0 s in the hour
    # and printed 92.0 mA: more radio time than the hour has)
    p = PROFILES['esp8266']
    r = plan.simulate([('fast', 1.0, 0)], p, 'deep', seconds=3600, publish=0)
    assert (r['wakeups'], r['boots'], r['publishes'], r['connects']) == (3600, 0, 3600, 1)
    assert energy(p, r)['avg_ma'] == pytest.approx(15 + 70 * (1.0 + 3600 * 0.1) / 3600)
    # 7 and 11 s, min_ms 3500, 77 s: wake-ups at 0 7 11 14 21 22 28 33 35 42 44 49
    # 55 56 63 66 70; the gaps of 3, 1, 2, 2, 1, 3 s are slept awake, the 10
    # others end in a boot: a connection at 0 and after each boot
    r = plan.simulate([('a', 7.0, 0), ('b', 11.0, 0)], p, 'deep', seconds=77, publish=0, min_ms=3500)
    assert (r['wakeups'], r['boots'], r['publishes'], r['connects']) == (17, 10, 17, 11)
    # with a duty cycle the writer disconnects after each batch: one each
    r = plan.simulate([('a', 7.0, 0), ('b', 11.0, 0)], p, 'deep', seconds=77, publish=10, min_ms=3500)
    assert r['connects'] == r['publishes'] == 6  # at 11, 22, 33, 44, 55, 66 (the cycle begins at 0)
    # every gap a deep sleep: a connection at each wake-up, as before
    r = plan.simulate([('t', 60.0, 0)], p, 'deep', publish=0)
    assert (r['boots'], r['connects']) == (1439, 1440)


LIGHT_WRITER_APP = (
    'from thingflow import Scheduler\n'
    'from lightsleep import LightSleepClock\n'
    'from machine_power import FakeMachine\n'
    'from mqtt_writer import MQTTWriter\n'
    'class S:\n'
    '    sensor_id = "temp"\n'
    '    def sample(self): return 1\n'
    'w = MQTTWriter("bat", "127.0.0.1", 1883, "bat/{sensor_id}", %s)\n'
    's = Scheduler(LightSleepClock(FakeMachine()))\n'
    's.schedule_sensor(S(), 70, w)\n'
    's.run_forever()\n')


@pytest.mark.parametrize('board,kw,argv,connects,pubs', [
    # every=300: the writer disconnects after each batch (mqtt_rare.close),
    # in light sleep as in deep sleep: 246 connections a day (at 350, 700,
    # ... 86100 s), as the deep plan of
    # test_publish_counts_the_writers_cycle_not_a_grid and the real
    # light-sleep run of tests/host/test_battery_journey.py (the plan
    # counted 1)
    ('esp32', 'every=300', [], 246, 246),
    ('esp32', 'batch=5', ['--publish', '350'], 246, 246),  # batch=: a duty cycle too
    # an explicit --radio wins, and a writer without a duty cycle keeps its
    # connection, where machine.lightsleep keeps the association (ESP8266)
    ('esp8266', 'every=300', ['--radio', 'kept'], 1, 246),
    ('esp8266', 'qos=1', [], 1, 1235),
    # the ESP32's light sleep drops it (ESP-IDF Sleep Modes): associated at
    # 0 s, then a new connection for each batch after a light sleep (the
    # plan counted 1: 0.940 mA and 110.8 days for the qos=1 writer)
    ('esp32', 'every=300', ['--radio', 'kept'], 1 + 246, 246),
    ('esp32', 'qos=1', [], 1235, 1235),
])
def test_a_duty_cycle_writer_connects_per_batch_in_light_sleep(board, kw, argv, connects, pubs, tmp_path, capsys):
    app = tmp_path / 'app.py'
    app.write_text(LIGHT_WRITER_APP % kw)
    assert plan.main(_args([str(app), '--board', board] + argv)) == 0
    out = capsys.readouterr()
    row = out.out.splitlines()[3].split()
    p = PROFILES[board]
    aw = 0.005 + p['wake_s']
    assert row[:4] == ['light', '51.5', '%.1f' % (1235 * aw), str(connects)]
    # 1235 wake-ups of 5 ms + wake_s at active_ma, the rest light sleep;
    # radio_ma for connect_s a connection and publish_s a batch
    mas = (p['light_ma'] * (86400 - 1235 * aw) + p['active_ma'] * 1235 * aw
           + p['radio_ma'] * (p['connect_s'] * connects + p['publish_s'] * pubs))
    assert row[5] == '%.3f' % (mas / 86400)
    relinks = connects - 1 if board == 'esp32' and (kw == 'qos=1' or argv == ['--radio', 'kept']) else 0
    assert out.err == ('' if not relinks else
                       'thingflow-mpy plan: warning: light: esp32: machine.lightsleep drops the wifi association '
                       '(ESP-IDF, Sleep Modes: connections are not maintained in light sleep), so %d of the %d '
                       'connections counted are new ones after a light sleep, 1.5 s at 95 mA each; a writer with '
                       'every= disconnects before it sleeps and connects per batch\n' % (relinks, connects))
