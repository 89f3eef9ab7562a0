"""pytest setup: device code (lib/), simulated hardware (sim/) and the device
tests' helpers are importable on CPython, exactly as MICROPYPATH makes them
importable on MicroPython."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / 'lib', ROOT / 'sim', ROOT / 'tests' / 'device'):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


# Property tests draw the same examples on every run (derandomize), so a CI run
# cannot fail on a draw no earlier run made; HYPOTHESIS_PROFILE=explore draws
# fresh random examples on each run, to look for new failures.
import os
from hypothesis import settings
settings.register_profile('ci', derandomize=True, database=None)
settings.register_profile('explore', database=None)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))


def pytest_configure(config):
    config.mp_results = []  # (module, passed, failed) from each MicroPython run


def pytest_terminal_summary(terminalreporter):
    res = terminalreporter.config.mp_results
    if res:
        p = sum(r[1] for r in res)
        f = sum(r[2] for r in res)
        terminalreporter.write_line('micropython: %d passed, %d failed' % (p, f))
