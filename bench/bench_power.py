"""Power figures (issue 8): wake-ups with slack against the greedy rule,
battery life per sleep mode, RAM of lib/lightsleep.py and lib/deepsleep.py
(and, for comparison, of lib/power.py before it was split)."""
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import DEVICE, ROOT, metric, values

sys.path.insert(0, str(ROOT))
from thingflow_mpy import plan  # noqa: E402
from thingflow_mpy.profiles import MODES, PROFILES, energy  # noqa: E402

IVS = [7, 11, 13, 60]
SLACKS = [0, 0.05, 0.1, 0.2]
DAY = 8640000  # ticks of 10 ms


def _windows(ivs, slack):
    # (interval, slack) in ticks, rounded as the scheduler rounds them
    out = []
    for iv in ivs:
        t = int(round(iv * 100))
        out.append((t, int(slack * t)))
    return out


def _simulate(ivs, slack, wake, day):
    # Wake-ups in a day when each wake-up comes at wake(due, windows) and
    # runs early every task whose window [due - s, due + s] holds it.
    ws = _windows(ivs, slack)
    due = [0] * len(ws)
    n = 0
    while True:
        t = wake(due, ws)
        if t >= day:
            return n
        n += 1
        for i, (iv, s) in enumerate(ws):
            if due[i] - s <= t:
                due[i] += iv


def greedy(ivs, slack, day=DAY):
    """The simple greedy rule, simulated on its own: wake at the earliest due
    time and run early every task whose window [due - s, due + s] holds it."""
    return _simulate(ivs, slack, lambda due, ws: min(due), day)


def stabbing(ivs, slack, day=DAY):
    """The earliest-window-end rule, simulated on its own (a check on the
    scheduler): wake at the earliest window end, run every opened window."""
    return _simulate(ivs, slack, lambda due, ws: max(min(due[i] + ws[i][1] for i in range(len(ws))), 0), day)


REFERENCE = [('temp', 60.0, 0), ('light', 300.0, 0)]  # published in one batch every 15 min
BEFORE = 'f517c35'  # the last commit with the unsplit lib/power.py
PADS = range(0, 128, 8)  # qstr-text offsets for the warm figures (one 128-byte block)


def _old_power(tmp):
    """lib/power.py before the split, compiled to tmp/power.mpy; None when
    git cannot give it (e.g. a shallow clone)."""
    from thingflow_mpy import mpy
    res = subprocess.run(['git', 'show', BEFORE + ':lib/power.py'], cwd=ROOT,
                         capture_output=True, text=True)
    if res.returncode:
        return None
    src = Path(tmp) / 'power.py'
    src.write_text(res.stdout)
    subprocess.run([mpy.mpy_cross_binary(), '-s', 'power.py', '-o', str(Path(tmp) / 'power.mpy'), str(src)],
                   check=True, capture_output=True)
    src.unlink()  # only the .mpy on the path
    return tmp


def import_figures(ctx, mods, extra_path=()):
    """{module: (cold, [warm at each pad])} for importing mods in order after thingflow."""
    def run_pad(pad):
        return values(ctx.micropython(DEVICE / 'power_bench.py', 'import_bytes', pad, *mods,
                                      extra_path=extra_path))
    # cold as every other module's import figure (and the 4,896): mem_import.py
    cold = values(ctx.micropython(DEVICE / 'mem_import.py', 'thingflow', *mods, extra_path=extra_path))
    warm = [run_pad(p) for p in PADS]
    return {m: (cold[m], [w[m] for w in warm]) for m in mods}


def _ram_metrics(name, cold, warm, note):
    yield metric(name, 'micropython', cold, 'bytes', note=note + '; cold: the first module after thingflow, '
                 'it may pay for a new qstr pool block (about 1 KB on the Unix port)')
    yield metric(name + '_warm', 'micropython', int(statistics.median(warm)), 'bytes',
                 min=min(warm), max=max(warm), runs=len(warm),
                 note=note + '; warm: qstr pool already grown; median over %d offsets of the '
                 'qstr text blocks' % len(warm))


def run(ctx):
    for mods in (['lightsleep'], ['deepsleep'], ['lightsleep', 'deepsleep']):
        f = import_figures(ctx, mods)
        m = mods[-1]
        name = '%s_import_bytes' % m if len(mods) == 1 else 'both_import_bytes'
        cold = sum(f[x][0] for x in mods)
        warm = [sum(w) for w in zip(*[f[x][1] for x in mods])]
        note = '%s imported after thingflow, from .mpy' % ' + '.join('lib/%s.py' % x for x in mods)
        yield from _ram_metrics(name, cold, warm, note)
    with tempfile.TemporaryDirectory() as tmp:
        old = _old_power(tmp)
        if old is None:
            yield metric('power_import_bytes_before', 'micropython', None, 'bytes',
                         error='git show %s:lib/power.py failed' % BEFORE)
        else:
            f = import_figures(ctx, ['power'], extra_path=[old])
            yield from _ram_metrics('power_import_bytes_before', f['power'][0], f['power'][1],
                                    'lib/power.py of %s (both clocks, before the split) imported after '
                                    'thingflow, from .mpy' % BEFORE)
    v = values(ctx.micropython(DEVICE / 'power_bench.py', 'clock_bytes'))
    yield metric('light_clock_bytes', 'micropython', v['light_clock_bytes'], 'bytes',
                 note='one LightSleepClock(FakeMachine())')
    yield metric('deep_clock_bytes', 'micropython', v['deep_clock_bytes'], 'bytes',
                 note='one DeepSleepClock(FakeMachine()), state in RTC memory')
    yield metric('deep_file_clock_bytes', 'micropython', v['deep_file_clock_bytes'], 'bytes',
                 note="one DeepSleepClock(FakeMachine(), file='sched.dat')")
    exact = greedy(IVS, 0)
    for s in SLACKS:
        g = greedy(IVS, s)
        st = stabbing(IVS, s)
        for rt, fn in (('micropython', ctx.micropython), ('cpython', ctx.cpython)):
            w = values(fn(DEVICE / 'power_bench.py', 'wakeups', s, *IVS))['wakeups']
            yield metric('wakeups_slack', rt, w, 'wake-ups/day', slack=s, intervals=IVS,
                         greedy=g, stabbing_sim=st, exact=exact, vs_greedy=round(w / g, 4),
                         target_max=21578 if s == 0.1 else None)
    apps = [('reference', REFERENCE, 900.0)]
    rm = ROOT / 'examples' / 'room_monitor.py'
    if rm.is_file():
        try:
            tasks, clock, pub = plan.load_app(str(rm))
            apps.append(('room_monitor', tasks, pub or 0.0))
            apps.append(('room_monitor_batched', tasks, 900.0))
        except Exception as e:  # report, do not hide
            yield metric('battery_days', 'cpython', None, 'days', workload='room_monitor',
                         error='%s: %s' % (type(e).__name__, e))
    p = PROFILES['esp8266']
    for name, tasks, pub in apps:
        for mode in MODES:
            # a writer with a duty cycle (every=) disconnects after each
            # batch in every mode: a connection per batch (as plan does)
            r = plan.simulate(tasks, p, mode, publish=pub, radio='batch' if pub else None)
            e = energy(p, r, 2500)
            yield metric('battery_days', 'cpython', round(e['days'], 1), 'days', workload=name,
                         board='esp8266', mode=mode, battery_mah=2500, avg_ma=round(e['avg_ma'], 4),
                         wakeups=r['wakeups'], connects=r['connects'], boots=r['boots'],
                         target_min=180 if (name == 'reference' and mode == 'deep') else None)
