"""Runs every device test module again on the real MicroPython Unix port,
against lib/ compiled to .mpy by mpy-cross, as a board would load it."""
import re
from pathlib import Path

import pytest

from thingflow_mpy import mpy

HERE = Path(__file__).resolve().parent
DEVICE = HERE.parent / 'device'
MODULES = sorted(p.stem for p in DEVICE.glob('test_*.py'))



@pytest.mark.parametrize('module', MODULES)
def test_device_module_on_micropython(module, mpy_lib, request):
    res = mpy.run_micropython([str(DEVICE / 'mprun.py'), module],
                              [mpy_lib, mpy.SIM, DEVICE], timeout=600)
    out = res.stdout + res.stderr
    m = re.search(r'^micropython: (\d+) passed, (\d+) failed$', res.stdout, re.M)
    assert m, 'no result line from the MicroPython run:\n' + out
    passed, failed = int(m.group(1)), int(m.group(2))
    request.config.mp_results.append((module, passed, failed))
    assert failed == 0 and res.returncode == 0, out
    assert passed > 0, out
