"""Power figures (issue 8): wake-ups with slack against the greedy rule,
battery life per sleep mode, RAM of lib/power.py."""
import os
import sys

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


def greedy(ivs, slack, day=DAY):
    """The simple greedy rule, simulated on its own: wake at the earliest due
    time and run early every task whose window [due - s, due + s] holds it."""
    ws = _windows(ivs, slack)
    due = [0] * len(ws)
    n = 0
    while True:
        t = min(due)
        if t >= day:
            return n
        n += 1
        for i, (iv, s) in enumerate(ws):
            if due[i] - s <= t:
                due[i] += iv


def stabbing(ivs, slack, day=DAY):
    """The earliest-window-end rule, simulated on its own (a check on the
    scheduler): wake at the earliest window end, run every opened window."""
    ws = _windows(ivs, slack)
    due = [0] * len(ws)
    n = 0
    while True:
        t = min(due[i] + ws[i][1] for i in range(len(ws)))
        t = max(t, 0)
        if t >= day:
            return n
        n += 1
        for i, (iv, s) in enumerate(ws):
            if due[i] - s <= t:
                due[i] += iv


REFERENCE = [('temp', 60.0, 0), ('light', 300.0, 0)]  # published in one batch every 15 min


def run(ctx):
    b = ctx.import_bytes('thingflow', 'power')
    yield metric('power_import_bytes', 'micropython', b['power'], 'bytes',
                 note='lib/power.py imported after thingflow, from .mpy')
    v = values(ctx.micropython(DEVICE / 'power_bench.py', 'clock_bytes'))
    yield metric('light_clock_bytes', 'micropython', v['light_clock_bytes'], 'bytes')
    yield metric('deep_clock_bytes', 'micropython', v['deep_clock_bytes'], 'bytes')
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
            r = plan.simulate(tasks, p, mode, publish=pub)
            e = energy(p, r, 2500)
            yield metric('battery_days', 'cpython', round(e['days'], 1), 'days', workload=name,
                         board='esp8266', mode=mode, battery_mah=2500, avg_ma=round(e['avg_ma'], 4),
                         wakeups=r['wakeups'], connects=r['connects'], boots=r['boots'],
                         target_min=180 if (name == 'reference' and mode == 'deep') else None)
