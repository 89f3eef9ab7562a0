"""pytest setup: device code (lib/), simulated hardware (sim/) and the device
tests' helpers are importable on CPython, exactly as MICROPYPATH makes them
importable on MicroPython."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / 'lib', ROOT / 'sim', ROOT / 'tests' / 'device'):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))



def pytest_configure(config):
    config.mp_results = []  # (module, passed, failed) from each MicroPython run


def pytest_terminal_summary(terminalreporter):
    res = terminalreporter.config.mp_results
    if res:
        p = sum(r[1] for r in res)
        f = sum(r[2] for r in res)
        terminalreporter.write_line('micropython: %d passed, %d failed' % (p, f))
