"""Every ```python block of README.md, run on CPython and on the MicroPython
Unix port, with lib/ and sim/ on the path, in a temporary folder.

CASES has one entry per block, in README order; test_every_block_is_listed
fails when the README gains, loses or reorders a block (each entry names
the block's first line), so no block stops being checked silently. A
block that cannot run on a desktop says why (`skip`). The others run with
small scaffolding:

- the virtual clock: thingflow.default_clock is a VirtualClock before the
  block runs, so Scheduler(), wifi_connect(), MQTTWriter and the sensor
  drivers all run in virtual time, and `stop` seconds end run_forever()
  (the clock's StopIteration, as vclock.run_for ends a run);
- `prelude`: names a fragment uses but does not define (the sensor, the
  writer, `host`), and the simulated chips, access points and config.py;
- `subst`: textual changes, each of which must occur in the block: the
  README's broker address and port become the test's Mosquitto (a free
  127.0.0.1 port) and an absolute path on the board's flash ('/app.log')
  a file in the temporary folder;
- `more`: code run after the block inside the same run (a fragment's
  run_forever()), `after`: prints what the check compares.

Outputs are compared exactly where the README states them."""
import json
import os
import re
import subprocess
import sys

import pytest

from thingflow_mpy import mpy, runner

README = mpy.ROOT / 'README.md'
EXAMPLES = mpy.ROOT / 'examples'
RUNTIMES = ('cpython', 'micropython')


def python_blocks(text):
    """[(line number of the ```python fence, source)] of README text."""
    out = []
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        if lines[i].strip() == '```python':
            j = i + 1
            while lines[j].strip() != '```':
                j += 1
            out.append((i + 1, '\n'.join(lines[i + 1:j]) + '\n'))
            i = j
        i += 1
    return out


BLOCKS = python_blocks(README.read_text())

# ---- scaffolding shared by several blocks ----
COUNTER = '''
class Counter:                      # the README's sensor (thingflow section)
    sensor_id = 'count'
    def __init__(self): self.n = 0
    def sample(self):
        self.n += 1
        return self.n
'''
THERMOMETER = '''
class Thermometer:                  # a sensor that always reads 21.5
    sensor_id = 'temp'
    def sample(self):
        return 21.5
'''
RECORDER = '''
from thingflow import InputThing
class Recorder(InputThing):         # a writer that keeps what it gets
    def __init__(self): self.got = []; self.ends = []
    def on_next(self, x): self.got.append(x)
    def on_completed(self): self.ends.append('completed')
    def on_error(self, e): self.ends.append(e)
'''
CONFIG = '''
WIFI_SSID = 'home'
WIFI_PASSWORD = 'secret123'
MQTT_HOST = '@HOST@'
MQTT_PORT = @PORT@
MQTT_PASSWORD = 'pw'
DEVICE = 'room1'
I2C_SCL = 5
I2C_SDA = 4
'''
# the README's broker (a board on a home network) becomes the test's
TO_BROKER = [("'192.168.1.10'", "'@HOST@'"), ('1883', '@PORT@')]


def events(msgs):
    return [(t, json.loads(p)) for t, p in msgs]


# ---- the checks: (case, output lines, context) -> assert ----
def check_first_app(out, ctx):
    msgs = ctx['sub'].wait(lambda m: len(m) >= 9)
    # the writer's status topic: '<root>/status', retained 'online'
    assert ('home/kitchen/status', b'online') in msgs, msgs
    msgs = events(m for m in msgs if m[0] != 'home/kitchen/status')
    temps = [v for t, v in msgs if t == 'home/kitchen/temp']
    luxes = [v for t, v in msgs if t == 'home/kitchen/lux']
    # 330 s: temp at 0, 60 ... 300, lux at 0 and 300 (sim_wiring.py's chips)
    assert [v[1] for v in temps] == [0.0, 60.0, 120.0, 180.0, 240.0, 300.0], msgs
    assert [v[1] for v in luxes] == [0.0, 300.0], msgs
    assert all(v[0] == 'temp' and 20.5 <= v[2] <= 22.5 for v in temps), temps
    assert all(v[0] == 'lux' and 250 <= v[2] <= 400 for v in luxes), luxes
    assert sorted(t for t, v in msgs) == ['home/kitchen/lux'] * 2 + ['home/kitchen/temp'] * 6
    assert out == ['published 8 dropped 0 errors 0 refused 0 queued 0']


def check_first_app_temp_fails(out, ctx):
    # temp at 0 and 60 s; at 120 s its sample fails: Keep prints, the
    # temperature stream ends, the writer stays open for the light, due at
    # 300 s, which (alone now) runs at the end of its slack window, 330 s
    msgs = ctx['sub'].wait(lambda m: len([1 for t, p in m if t != 'home/kitchen/status']) >= 4)
    got = [(t, json.loads(p)) for t, p in msgs if t != 'home/kitchen/status']
    assert got == [('home/kitchen/temp', ['temp', 0.0, 21.5]), ('home/kitchen/lux', ['lux', 0.0, got[1][1][2]]),
                   ('home/kitchen/temp', ['temp', 60.0, 21.5]), ('home/kitchen/lux', ['lux', 330.0, got[3][1][2]])], msgs
    assert len(out) == 2 and re.match(r'sensor failed: \[Errno 5\] (EIO: )?I/O error$', out[0]), out
    assert out[1] == 'published 4 dropped 0 errors 0 refused 0 queued 0'


def check_thingflow(out, ctx):
    # every 2 s: ('count', ts, n) and ('count', ts, 2 * n), n = 1, 2, 3 ...
    assert out == ["('count', %.1f, %d)" % (2.0 * k, m * (k + 1)) for k in range(3) for m in (1, 2)]


def check_vclock(out, ctx):
    # a simulated day: a sample every 60 s from 0 to 86400 s
    assert out[:-1] == ["('count', %.1f, %d)" % (60.0 * k, k + 1) for k in range(1441)]
    assert out[-1] == 'now 86400000 period 1073741824 epoch 0 stop_at None'


def check_filters(out, ctx):
    # readings every 10 s: 20.3 20.4 20.8 20.9 21.2 21.6 21.7 22.0 22.5 22.6 23.0 23.4
    # calibrated -0.3: 20.0 20.1 20.5 20.6 20.9 21.3 21.4 21.7 22.2 22.3 22.7 23.1;
    # changes of 0.25 or more from the last value passed pass: 20.0 (0 s)
    # 20.5 (20 s) 20.9 (40 s) 21.3 (50 s) 21.7 (70 s) -> the first batch of 5;
    # 22.2 (80 s) 22.7 (100 s) wait for the next
    msgs = events(ctx['sub'].wait(lambda m: len(m) >= 1, topic='home/kitchen/temp'))
    assert len(msgs) == 1, msgs
    topic, batch = msgs[0]
    assert [e[0] for e in batch] == ['temp'] * 5
    assert [e[1] for e in batch] == [0.0, 20.0, 40.0, 50.0, 70.0]
    assert [e[2] for e in batch] == pytest.approx([20.0, 20.5, 20.9, 21.3, 21.7])
    assert out == ['published 1 queued 0 dropped 0 errors 0']


LOGLINE = r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[%s\] %s$'


def check_logger(out, ctx):
    lines = (ctx['tmp'] / 'app.log').read_text().splitlines()
    want = [('INF', re.escape('booted, 3 sensors'))] + [
        ('INF', re.escape("('temp', %.1f, 21.5)" % t)) for t in (0, 60, 120)]
    assert len(lines) == len(want), lines
    for ln, (lvl, msg) in zip(lines, want):
        assert re.match(LOGLINE % (lvl, msg), ln), ln
    assert out == ['writer 3']


def check_wifi_wrong(out, ctx):
    # the README's comment, word for word
    # (the messages of disable_wifi_ap and wifi_connect: no logger, so the console)
    assert out == ['wifi: access point off, status -1', "wifi: connecting to 'home'",
                   "wifi 'home': not connected after 20 s: wrong password (STAT_WRONG_PASSWORD=2)",
                   'now 20000']


def check_wifi_ok(out, ctx):
    ip = "('192.168.1.23', '255.255.255.0', '192.168.1.1', '192.168.1.1')"  # sim/network's
    assert out == ['wifi: access point off, status -1', "wifi: connecting to 'home'",
                   "wifi: connected to 'home': " + ip, ip, 'now 1500']


def check_network(out, ctx):
    assert out == ['home True', 'lab 1001', 'far 1001', 'flaky 202 1001 1010']


def check_mqtt(out, ctx):
    msgs = ctx['sub'].wait(lambda m: len(m) >= 3, topic='home/kitchen/temp')
    # ('temp', ts, 21.5) -> home/kitchen/temp: ["temp", ts, 21.5]
    assert msgs == [('home/kitchen/temp', b'["temp", %s, 21.5]' % t) for t in (b'0.0', b'60.0', b'120.0')]
    assert out == ['published 3 dropped 0 errors 0 queued 0']


def check_duty(out, ctx):
    # 1260 s, an event every 60 s: the radio is on at 600 s (events 0 ... 600)
    # and at 1200 s (660 ... 1200), off between; the event of 1260 s waits
    msgs = ctx['sub'].wait(lambda m: len(m) >= 21, topic='garden/temp')
    assert [json.loads(p)[1] for t, p in msgs] == [60.0 * k for k in range(21)]
    ip = "('192.168.1.23', '255.255.255.0', '192.168.1.1', '192.168.1.1')"  # sim/network's
    assert out == ["wifi: connecting to 'home'", "wifi: connected to 'home': " + ip] * 2 + [
        'published 21 queued 1 connects 2', 'radio on 2 off 2']


def check_sensors(out, ctx):
    assert out[0] == "('temp', 0.0, 21.5625)"
    assert re.match(r"\('lux', 0\.0, 3[12]\d\.\d+\)$", out[1]), out
    assert out[2] == "('temp', 60.0, 21.5625)"
    assert re.match(r"\('lux', 60\.0, 3[12]\d\.\d+\)$", out[3]), out
    assert len(out) == 4, out


def check_neopixel(out, ctx):
    assert out == ['writes 2 frames 2', '[(255, 0, 0), (0, 0, 255), (0, 0, 0), (0, 0, 0), (0, 0, 0), '
                   '(0, 0, 0), (0, 0, 0), (0, 0, 0)]']


def check_lightsleep(out, ctx):
    assert out == ['LightSleepClock']


def check_lightsleep_day(out, ctx):
    # 1441 wake-ups, pc.now == 86400000
    assert out == ['wakeups 1441 now 86400000 events 1441']


def check_deepsleep(out, ctx):
    assert out == [
        'boot 1 cold events [(\'temp\', 0.0), (\'light\', 0.0)] calls [(\'deepsleep\', 60000)]',
        'boot 2 resumed events [(\'temp\', 60.0)] calls [(\'deepsleep\', 60000), (\'deepsleep\', 60000)]',
    ]


# ---- one entry per README block, in order ----
CASES = [
    dict(first='# main.py: temperature every 60 s, light every 5 min, over MQTT, nothing lost',
         what="the 'A first app' main.py, against examples/sim_wiring.py's chips and the test's Mosquitto",
         files={'config.py': 'CONFIG_OVERLAY', 'sim_wiring.py': (EXAMPLES / 'sim_wiring.py').read_text()},
         prelude='import sim_wiring\n', stop=330, broker='plain', sub='home/kitchen/+',
         after="print('published', writer.published, 'dropped', writer.dropped, 'errors', writer.errors, "
               "'refused', writer.refused, 'queued', writer.queued)\n",
         check=check_first_app),
    dict(first='# main.py: temperature every 60 s, light every 5 min, over MQTT, nothing lost',
         variant='MCP9808 fails', what="the same with an MCP9808 that stops answering at 100 s "
                                         "(Keep's claim: the light still goes out)",
         files={'config.py': 'CONFIG_OVERLAY'}, stop=330, broker='plain', sub='home/kitchen/+',
         prelude='''
import machine
from chips import MCP9808 as _M, TSL2591 as _T
class _Fading(_M):
    def mem_read(self, reg, n):
        if _vc.now >= 100000:
            self.fail(1000)
        return _M.mem_read(self, reg, n)
machine.sim_bus((5, 4)).attach(_Fading(temp=21.5))
machine.sim_bus((5, 4)).attach(_T(lux=320.0, ir=0.25))
''',
         after="print('published', writer.published, 'dropped', writer.dropped, 'errors', writer.errors, "
               "'refused', writer.refused, 'queued', writer.queued)\n",
         check=check_first_app_temp_fails),
    dict(first='from thingflow import Scheduler, Output, Filter',
         what='Counter and Double, 4 s of virtual time', stop=4, check=check_thingflow),
    dict(first='from thingflow import Scheduler, Output',
         what="the simulated day, with the Counter of the thingflow section's block",
         prelude=COUNTER,
         after="print('now', clk.now, 'period', clk.period, 'epoch', clk.epoch, 'stop_at', clk.stop_at)\n",
         check=check_vclock),
    dict(first='import filters, filters_value',
         what='the fluent pipeline, a sensor with scripted readings, the test Mosquitto',
         prelude='''
class _Readings:
    sensor_id = 'temp'
    def __init__(self): self.v = [20.3, 20.4, 20.8, 20.9, 21.2, 21.6, 21.7, 22.0, 22.5, 22.6, 23.0, 23.4]
    def sample(self): return self.v.pop(0)
mcp9808 = _Readings()
host = '@HOST@'
''', subst=[('1883', '@PORT@')], stop=110, broker='plain', sub='home/kitchen/#',
         after="w = t._conns['default'][0]._conns['default'][0]._conns['default'][0]._conns['default'][0]\n"
               "print('published', w.published, 'queued', w.queued, 'dropped', w.dropped, 'errors', w.errors)\n",
         check=check_filters),
    dict(first='from logger import initialize_logging, get_logger, DEBUG',
         what='the log in the temporary folder; sched, sensor and mqtt_writer made up; 120 s',
         prelude='from thingflow import Scheduler\n' + THERMOMETER + RECORDER +
                 'sched = Scheduler()\nsensor = Thermometer()\nmqtt_writer = Recorder()\n',
         subst=[("'/app.log'", "'app.log'")],
         more='sched.run_forever()\n', stop=120,
         after="print('writer', len(mqtt_writer.got))\n", check=check_logger),
    dict(first='from wifi import wifi_connect, wifi_disconnect, disable_wifi_ap',
         what='the simulated network (ESP8266), a wrong password in config.py',
         files={'config.py': CONFIG.replace("'secret123'", "'wrong'")},
         prelude="import network\nnetwork.reset('esp8266', _vc)\nnetwork.add_ap('home', 'secret123', delay_ms=1500)\n",
         after="print('now', _vc.now)\n", check=check_wifi_wrong),
    dict(first='from wifi import wifi_connect, wifi_disconnect, disable_wifi_ap', variant='right password',
         what='the simulated network (ESP8266), the right password',
         files={'config.py': CONFIG},
         prelude="import network\nnetwork.reset('esp8266', _vc)\nnetwork.add_ap('home', 'secret123', delay_ms=1500)\n",
         after="print((ip, mask, gateway, dns))\nprint('now', _vc.now)\n", check=check_wifi_ok),
    dict(first='import network                          # sim/ on the path',
         what='as written; then a connect to each access point, to check its comments',
         after='''
w = network.WLAN(network.STA_IF)
print('home', w.isconnected())
for e in ('lab', 'far'):
    w.disconnect(); w.connect(e, 'pw'); clk.advance(5000)
    print(e, w.status())
w.disconnect(); w.connect('flaky', 'pw'); r = []
for ms in (600, 300, 1200):
    clk.advance(ms); r.append(w.status())
print('flaky', *r)
''', check=check_network),
    dict(first='from thingflow import Scheduler',
         what="the test's Mosquitto with user 'dev', a Thermometer reading 21.5, 120 s",
         files={'config.py': CONFIG}, prelude=THERMOMETER,
         subst=TO_BROKER + [("'/outbox.txt'", "'outbox.txt'")], stop=120, broker='users', sub='home/kitchen/#',
         after="print('published', w.published, 'dropped', w.dropped, 'errors', w.errors, 'queued', w.queued)\n",
         check=check_mqtt),
    dict(first='import network',
         what='the duty cycle: the simulated network, the test Mosquitto, a Thermometer every 60 s for 21 min',
         files={'config.py': CONFIG},
         prelude="import config\nfrom mqtt_writer import MQTTWriter\nhost = '@HOST@'\n" + THERMOMETER +
                 "import network\nnetwork.reset('esp8266', _vc)\nnetwork.add_ap('home', 'secret123', delay_ms=200)\n",
         subst=[('1883', '@PORT@')],
         more='from thingflow import Scheduler\nsched = Scheduler()\nsched.schedule_sensor(Thermometer(), 60, w)\n'
              'sched.run_forever()\n', stop=1260, broker='plain', sub='garden/#',
         after="print('published', w.published, 'queued', w.queued, 'connects', w.connects)\n"
               "a = [c for c in network.calls if c[0] == 'active' and c[1] == 0]\n"
               "print('radio on', a.count(('active', 0, True)), 'off', a.count(('active', 0, False)))\n",
         check=check_duty),
    dict(first='from machine import Pin, I2C',
         what='simulated MCP9808 (21.5625 deg C) and TSL2591 on I2C bus 0, 60 s',
         prelude="import machine\nfrom chips import MCP9808 as _M, TSL2591 as _T\n"
                 "machine.sim_bus(0).attach(_M(temp=21.5625))\nmachine.sim_bus(0).attach(_T(lux=320.0, ir=0.25))\n",
         stop=60, check=check_sensors),
    dict(first='from machine import Pin',
         what='the simulated neopixel, ts = 0',
         prelude='ts = 0\n',
         after="print('writes', w.writes, 'frames', len(w.strip.frames))\nprint(w.strip.sim_pixels())\n",
         check=check_neopixel),
    dict(first='from thingflow import Scheduler',
         what="as written (sim/machine's lightsleep)",
         after='print(type(sched.clock).__name__)\n', check=check_lightsleep),
    dict(first='from machine_power import FakeMachine, PortClock   # sim/',
         what="with the lightsleep section's imports, a Thermometer and a recording writer",
         prelude='from thingflow import Scheduler\nfrom lightsleep import LightSleepClock\n' + THERMOMETER + RECORDER +
                 'writer = Recorder()\n',
         after="print('wakeups', sched.wakeups, 'now', pc.now, 'events', len(writer.got))\n",
         check=check_lightsleep_day),
    dict(first='from thingflow import Scheduler',
         what="two boots of main.py on sim/machine_power's FakeMachine: the first deep-sleeps after t=0, "
              "the second (a deep-sleep reset) resumes at t=60",
         deepsleep=True, check=check_deepsleep),
]


def _unlisted(blocks):
    """None when CASES lists exactly these blocks (by first line, in
    order), else the first lines of the blocks."""
    firsts = [c['first'] for c in CASES if not c.get('variant')]
    got = [src.split('\n', 1)[0] for line, src in blocks]
    return None if got == firsts else got


def test_every_block_is_listed():
    """One case (or more: variants) per README block, in order: a block
    added, removed or changed at its first line fails here until CASES
    is updated."""
    assert len(BLOCKS) == 14
    assert _unlisted(BLOCKS) is None, 'README python blocks changed: update CASES\n%r' % _unlisted(BLOCKS)


def test_listing_notices_a_block_added_or_removed():
    text = README.read_text()
    assert _unlisted(python_blocks(text + '\n```python\nprint(1)\n```\n')) is not None
    i = text.index('```python')  # the first block's fence made a plain one: one block fewer
    assert _unlisted(python_blocks(text[:i] + '```' + text[i + 9:])) is not None


def _script(case, src, ctx):
    for old, new in case.get('subst', ()):
        assert old in src, 'substitution %r no longer matches the block' % old
        src = src.replace(old, new)

    def fill(s):
        return s.replace('@HOST@', ctx.get('host', '')).replace('@PORT@', str(ctx.get('port', 0)))
    src = fill(src)
    # never a private address (the README's board network): only the test's broker on 127.0.0.1
    assert '192.168.' not in src, 'an address of the README is left in the block: add it to subst'
    stop = case.get('stop')
    head = ('import thingflow\nfrom vclock import VirtualClock\n_vc = VirtualClock(stop_at=%r)\n'
            'thingflow.default_clock = _vc\n' % (None if stop is None else int(stop * 1000)))
    if case.get('deepsleep'):
        return DEEPSLEEP_RUN % (src,)
    return (head + fill(case.get('prelude', '')) +
            '_src = %r\ntry:\n    exec(_src, globals())\nexcept StopIteration as e:\n'
            '    if not e.args or e.args[0] is not _vc:\n        raise\n' % (src + fill(case.get('more', ''))) +
            'print("@@@")\n' + fill(case.get('after', '')))


# The deep-sleep main.py, booted twice in one process on a FakeMachine that
# stands in for `machine` (its RTC memory survives the "reset"); each boot
# starts with fresh lib/ modules and the machine's clock as default clock.
DEEPSLEEP_RUN = '''
import sys
from machine_power import FakeMachine, DeepSleepReset
_m = FakeMachine()
sys.modules['machine'] = _m
_src = %r
_keep = set(sys.modules)
for boot in (1, 2):
    for k in list(sys.modules):
        if k not in _keep:
            del sys.modules[k]
    import thingflow
    thingflow.default_clock = _m.clock
    _m.clock.stop_at = _m.clock.now + 600000  # a main.py that never deep-sleeps ends after 10 min
    from thingflow import InputThing
    class Recorder(InputThing):
        def __init__(self): self.got = []
        def on_next(self, x): self.got.append((x[0], x[1]))
    class Temp:
        sensor_id = 'temp'
        def sample(self): return 21.5
    class Light:
        sensor_id = 'light'
        def sample(self): return 320.0
    g = {'temp': Temp(), 'light': Light(), 'writer': Recorder(), '__name__': '__main__'}
    try:
        exec(_src, g)
    except DeepSleepReset:
        pass
    except StopIteration as e:
        if not e.args or e.args[0] is not _m.clock:
            raise
        print('boot', boot, 'no deep sleep in 600 s')
    if boot == 1:
        print("@@@")
    print('boot', boot, g['clk'].status, 'events', g['writer'].got, 'calls', _m.calls)
    _m.reboot()
'''


def _run(runtime, script, cwd):
    path = cwd / 'block.py'
    path.write_text(script)
    if runtime == 'micropython':
        return mpy.run_micropython([str(path)], [cwd, mpy.LIB, mpy.SIM], timeout=60, cwd=str(cwd))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(cwd), str(mpy.LIB), str(mpy.SIM)]))
    return subprocess.run([sys.executable, str(path)], env=env, cwd=str(cwd), timeout=60,
                          capture_output=True, text=True)


def _case_id(i):
    # blockNN (the README's NN-th python block), and the variant's name
    c = CASES[i]
    n = sum(1 for d in CASES[:i + 1] if not d.get('variant'))
    return 'block%02d%s' % (n, '-' + c['variant'].replace(' ', '_') if c.get('variant') else '')


def _block_of(i):
    # (README line of the block's fence, its source)
    n = sum(1 for d in CASES[:i + 1] if not d.get('variant'))
    return BLOCKS[n - 1]


@pytest.mark.parametrize('runtime', RUNTIMES)
@pytest.mark.parametrize('i', range(len(CASES)), ids=[_case_id(i) for i in range(len(CASES))])
def test_readme_block(i, runtime, tmp_path, make_broker, subscriber):
    case = CASES[i]
    if case.get('skip'):
        pytest.skip(case['skip'])
    ctx = {'tmp': tmp_path}
    kind = case.get('broker')
    if kind:
        b = make_broker(users={'dev': 'pw'}) if kind == 'users' else make_broker()
        ctx.update(host=b.host, port=b.port)
        ctx['sub'] = subscriber(b, case['sub'], **({'user': 'dev', 'password': 'pw'} if kind == 'users' else {}))
    for name, text in case.get('files', {}).items():
        if text == 'CONFIG_OVERLAY':  # as `thingflow-mpy run` makes it
            text = runner.config_overlay(EXAMPLES, ctx['host'], ctx['port'])
        (tmp_path / name).write_text(text.replace('@HOST@', ctx.get('host', '')).replace(
            '@PORT@', str(ctx.get('port', 0))))
    line, src = _block_of(i)
    assert src.split('\n', 1)[0] == case['first'], 'README blocks changed: see test_every_block_is_listed'
    res = _run(runtime, _script(case, src, ctx), tmp_path)
    text = 'README.md line %d, %s, on %s:\n%s' % (line, case['what'], runtime, res.stdout + res.stderr)
    assert res.returncode == 0 and res.stderr == '', text
    assert '@@@\n' in res.stdout, text  # the block ran to its end
    out = [ln for ln in res.stdout.splitlines() if ln != '@@@']
    try:
        case['check'](out, ctx)
    except AssertionError as e:
        raise AssertionError('README.md line %d on %s: %s' % (line, runtime, e)) from None
