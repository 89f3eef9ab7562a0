"""The sleep clocks live in two modules, so that an app pays in RAM only for
the clock it uses: importing one must not load the other (nor the old
lib/power.py, which is gone). Checked in a fresh process on the MicroPython
Unix port (lib/ as .mpy, as a board loads it) and on CPython; and, on the
Unix port, what its real built-in `machine` (no lightsleep, no deepsleep)
makes the clocks say."""
import os
import subprocess
import sys

import pytest

from thingflow_mpy import mpy

WATCH = ('deepsleep', 'lightsleep', 'power', 'machine', 'machine_power', 'vclock')
SHOW = 'import sys\nprint(sorted(m for m in %r if m in sys.modules))\n' % (WATCH,)



def run(runtime, mpy_lib, code):
    """stdout + stderr of code in a new process with only lib/ on the path."""
    if runtime == 'micropython':
        res = mpy.run_micropython(['-c', code], [mpy_lib], timeout=60)
    else:
        env = dict(os.environ)
        env['PYTHONPATH'] = str(mpy.LIB)
        res = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                             text=True, timeout=60)
    return res.returncode, res.stdout + res.stderr


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
@pytest.mark.parametrize('code,want', [
    ('import lightsleep\n', "['lightsleep']"),
    ('import deepsleep\n', "['deepsleep']"),
    ('from lightsleep import LightSleepClock\nfrom deepsleep import DeepSleepClock\n',
     "['deepsleep', 'lightsleep']"),
])
def test_an_app_loads_only_the_clock_it_imports(runtime, mpy_lib, code, want):
    rc, out = run(runtime, mpy_lib, code + SHOW)
    assert (rc, out.strip()) == (0, want)


@pytest.mark.parametrize('runtime', ['micropython', 'cpython'])
def test_the_unsplit_power_module_is_gone(runtime, mpy_lib):
    rc, out = run(runtime, mpy_lib, 'import power\n')
    assert rc == 1 and "no module named 'power'" in out.lower(), out


@pytest.mark.parametrize('code,want', [
    ('from lightsleep import LightSleepClock\nLightSleepClock()\n',
     'ValueError: no machine.lightsleep'),
    ('from deepsleep import DeepSleepClock\nDeepSleepClock()\n',
     'ValueError: no machine.deepsleep'),
])
def test_the_unix_ports_own_machine_has_no_sleep(mpy_lib, code, want):
    # the clocks import the port's real machine module by default
    rc, out = run('micropython', mpy_lib, code)
    assert rc == 1 and out.strip().splitlines()[-1] == want, out
