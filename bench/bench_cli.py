"""thingflow-mpy figures (issue 6): build sizes, the heap each example needs
on MicroPython from .mpy, what the simulated hardware adds, the embedded
broker's start time, fast_sampler's delivery at 10 Hz."""
import io
import re
import tempfile
import time

from common import ROOT, metric, smallest
from thingflow_mpy import build, mpy, runner
from thingflow_mpy.embedded_broker import EmbeddedBroker

EX = ROOT / 'examples'
COUNTS = re.compile(r'app stopped.*sampled (-|\d+), published (-|\d+).*received (\d+) events?')


def _run(app, **kw):
    out, err = io.StringIO(), io.StringIO()
    rc = runner.run(app, out=out, err=err, **kw)
    return rc, out.getvalue()


def _counts(out):
    # (sampled, published, received) from a run's summary line, or None
    m = COUNTS.search(out)
    return None if m is None else tuple(-1 if v == '-' else int(v) for v in m.groups())


def delivered(app, seconds, runtime):
    """(received, published) of app run for seconds: only from a run that
    the runner stopped at the end of --for, never from one that failed or
    ended before (a figure of N events in 10 s from a run that died after
    2 s would look like a slow machine). RuntimeError with the summary."""
    rc, out = _run(app, seconds=seconds, runtime=runtime)
    c = _counts(out)
    if rc or c is None or c[1] < 0:
        s = [ln for ln in out.splitlines() if ln.startswith('summary:')]
        raise RuntimeError('%s on %s: no figure from this run (exit status %d): %s'
                           % (app, runtime, rc, s[-1] if s else out[-500:]))
    return c[2], c[1]


def min_heap_kb(app, lo=8, hi=256, seconds=1.5, romfs=False):
    """The smallest --heap (KB, the app's share) at which app runs for
    `seconds` and does what it does in a large heap: it is stopped, not
    failed, every reading is published and arrives, and as many readings
    are taken (one in ten fewer allowed for a fast app, which a small heap's
    collections slow). A reading lost to a MemoryError that the app catches
    (room_monitor's Guard logs a sensor's failure and goes on) fails it."""
    rc, out = _run(app, heap=hi, seconds=seconds, romfs=romfs)
    ref = _counts(out)
    if rc or ref is None or ref[0] < 1:
        raise RuntimeError('%s does not run in a %d KB heap:\n%s' % (app, hi, out))

    def good(kb):
        rc, out = _run(app, heap=kb, seconds=seconds, romfs=romfs)
        c = _counts(out)
        return (rc == 0 and c is not None and c[0] == c[1] == c[2]
                and c[0] >= ref[0] - ref[0] // 10)
    return smallest(good, lo, hi)


def run(ctx):
    with tempfile.TemporaryDirectory() as d:
        rows = build.build(d, 'xtensa')
    yield metric('lib_mpy_bytes', 'mpy-cross', sum(r[2] for r in rows), 'bytes', arch='xtensa',
                 source_bytes=sum(r[1] for r in rows), files=len(rows),
                 note='flash for lib/ as .mpy (the same bytes for every arch: no native code)')
    _, out = _run(EX / 'room_monitor.py', heap=256, seconds=1)
    m = re.search(r'\+([0-9.]+) KB for the simulated hardware', out)
    yield metric('run_sim_overhead_kb', 'micropython', float(m.group(1)), 'KB',
                 note='heap of the runner (tfrun, its main() frame, the hooks) + sim/ (machine, chips, '
                      'network) + the setup script, added on top of --heap (exactly, with their share '
                      'of the collector\'s tables)')
    for name in ('room_monitor', 'fast_sampler'):
        kb = min_heap_kb(EX / (name + '.py'))
        yield metric('example_min_heap_kb', 'micropython', kb, 'KB', example=name,
                     target_max=32, note='smallest run --heap at which it runs as in a large heap: '
                                         'every reading published and arrived, none lost to MemoryError')
    kb = min_heap_kb(EX / 'room_monitor.py', romfs=True)
    yield metric('example_min_heap_kb_romfs', 'micropython', kb, 'KB', example='room_monitor',
                 note='the same with run --romfs: lib/ as a ROMFS image mounted at /rom, as on a board '
                      'whose firmware has ROMFS (the image is flash there: not counted in --heap)')
    t = time.perf_counter()
    with EmbeddedBroker():
        t = time.perf_counter() - t
    yield metric('embedded_broker_start_s', 'cpython', round(t, 3), 's')
    for rt in ('micropython', 'cpython'):
        received, published = delivered(EX / 'fast_sampler.py', 10, rt)
        yield metric('fast_sampler_events_in_10s', rt, received, 'events', published=published,
                     note='10 Hz to the embedded broker, counted at the listener')
