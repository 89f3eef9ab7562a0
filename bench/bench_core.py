"""Core figures (issue: core event flow and scheduler)."""
import re

from common import DEVICE, metric, qstr_lines, values
from thingflow_mpy import mpy

W1 = ['10', '30', '45', '60', '300']
W2 = ['10', '30', '300', '7.3@45', '12.9@60']


def lower_bound(spec, day=86400):
    """Distinct due times in [0, day) when every task keeps to one common grid
    (multiples of its interval from 0) from its first allowed run."""
    due = set()
    for a in spec:
        t, iv = a.split('@') if '@' in a else ('0', a)
        t, iv = round(float(t) * 100), round(float(iv) * 100)
        first = -(-t // iv) * iv
        due.update(range(first, day * 100, iv))
    return len(due)


def below(ctx, kb):
    """How the reference app fails in a heap one KB smaller: what MicroPython
    reports it was allocating and the app's line it came from, and the
    qstr pools the app ends with (in a large heap). MicroPython reports a
    qstr pool it could not allocate by its names, not its bytes ("allocating
    80 bytes": the third pool, 80 names, a 928-byte block in one piece)."""
    if not kb or kb < 3:
        return {}
    res = mpy.run_micropython([str(DEVICE / 'refapp.py')], [ctx.mpy_lib, mpy.SIM], heap='%dk' % (kb - 1))
    out = res.stdout + res.stderr
    a = re.search(r'allocating (\d+) bytes', out)
    ln = re.findall(r'refapp.py", line (\d+)', out)
    app = ctx.tmp / 'refapp.py'  # (the same names: micropython and qstr_info are the firmware's)
    app.write_text((DEVICE / 'refapp.py').read_text() + 'import micropython\nmicropython.qstr_info()\n')
    q = qstr_lines(mpy.run_micropython([str(app)], [ctx.mpy_lib, mpy.SIM]).stdout)
    return {'below_fails_allocating': int(a.group(1)) if a else None,
            'below_fails_at_line': int(ln[-1]) if ln else None,
            'qstrs': q[-1]['n_qstr'] if q else None, 'qstr_pools': q[-1]['n_pool'] if q else None}


def setup_app(ctx):
    """The reference app up to its run, as the issue measures the original's
    14 KB ("the core with three scheduled sensors ... before running
    anything"): refapp.py without vclock and the day, on the default clock."""
    src = (DEVICE / 'refapp.py').read_text()
    head, run_line, _ = src.partition('run_for(s, 86400)')
    app = head.replace('from vclock import VirtualClock, run_for\n', '').replace('(VirtualClock())', '()')
    if not run_line or 'vclock' in app or 'VirtualClock' in app:
        raise RuntimeError('refapp.py changed: update setup_app()')
    path = ctx.tmp / 'refapp_setup.py'
    path.write_text(app + "print('ok')\n")
    return path


def run(ctx):
    b = ctx.import_bytes('thingflow')
    yield metric('core_import_bytes', 'micropython', b['thingflow'], 'bytes', target_max=6700,
                 note='cold: whichever module grows the qstr pool pays the new pool block',
                 **ctx.qstr['thingflow'])
    w = values(ctx.micropython(DEVICE / 'filters_mem.py', 'warm', 'thingflow'))['thingflow']
    yield metric('core_import_bytes_warm', 'micropython', w, 'bytes',
                 note='qstr pool grown first (see bench/device/filters_mem.py)')
    r = values(ctx.micropython(DEVICE / 'filters_mem.py', 'warm', 'thingflow', 'tfrare'))['tfrare']
    yield metric('core_rare_bytes', 'micropython', r, 'bytes',
                 note='tfrare.py after thingflow, qstr pool grown first: loaded only on first use of '
                      'Output, ExcInDispatch, PortError, sleep_ms, a named input port, a disconnect '
                      'or a bad interval')
    v = values(ctx.micropython(DEVICE / 'core_bench.py', 'three_sensors'))
    yield metric('three_sensors_bytes', 'micropython', v['three_sensors_bytes'], 'bytes',
                 target_max=2800, note='Scheduler, 3 sensors, 3 input things, all included')
    kb = ctx.min_heap_kb(DEVICE / 'refapp.py')
    yield metric('min_heap_kb', 'micropython', kb, 'KB', target_max=12, **below(ctx, kb))
    kb = ctx.min_heap_kb(setup_app(ctx))
    yield metric('min_heap_kb_setup', 'micropython', kb, 'KB',
                 note='the reference app without vclock and without running: the core and three '
                      'scheduled sensors, as the original (14 KB) was measured')
    runs = [values(ctx.micropython(DEVICE / 'core_bench.py', 'dispatch'))['dispatch_events_per_s']
            for i in range(3)]
    yield metric('dispatch_events_per_s', 'micropython', max(runs), 'events/s',
                 runs=runs, note='one SensorAsOutputThing to two input things, best of 3 runs')
    for name, spec in (('W1', W1), ('W2', W2)):
        bound = lower_bound(spec)
        for rt, fn in (('micropython', ctx.micropython), ('cpython', ctx.cpython)):
            v = values(fn(DEVICE / 'core_bench.py', 'wakeups', *spec))
            w = v['wakeups']
            yield metric('wakeups', rt, w, 'wake-ups/day', scenario=name, lower_bound=bound,
                         ratio=round(w / bound, 4), internal_layer=v['internal'],
                         clock_faults=v['clock_faults'],
                         note='run_forever on the virtual clock, tasks scheduled at their times '
                              'between run_for calls; internal_layer: the same day on the internal '
                              'layer, each task added at its exact logical time')
