"""`thingflow-mpy plan`: predict wake-ups, awake time, radio connections,
average current and battery life of an app's schedule before deploying it.

    thingflow-mpy plan examples/room_monitor.py --board esp8266
    thingflow-mpy plan --intervals 7,11,13 --slack 0.1 --svg first.svg

The schedule runs in virtual time through the real scheduler (lib/thingflow.py,
internal layer: the same batching, slack and grid as on the board) for a
simulated day; no task is sampled (sensors, network: nothing is touched).
Sleep modes: modem (time.sleep_ms, the default clock), light
(lightsleep.LightSleepClock), deep (deepsleep.DeepSleepClock: gaps of at
least --min-ms are deep sleeps with a boot after each, shorter ones modem
sleep, or light sleep for an app whose DeepSleepClock waits them with a
LightSleepClock).
Radio: 'kept' (associated all the time, one connection; the sleep currents
of the profile include keeping it; on the ESP32, whose light sleep drops the
association, a connection per batch after a light sleep) or 'batch' (connect for each publish
batch, every --publish seconds; forced in deep sleep, which loses the
connection at each reset; the default for an app whose MQTT writer has a
duty cycle, every= or batch=, which disconnects after each batch). The
energy model is profiles.energy."""
import math
import os
import runpy
import sys

from . import mpy
from .profiles import MODES, PROFILES, energy

DAY = 86400


def _lib():
    for p in (str(mpy.LIB), str(mpy.SIM)):
        if p not in sys.path:
            sys.path.insert(0, p)
    import thingflow
    return thingflow


class _Task:
    """A stand-in output thing for the simulation (never sampled)."""

    def __init__(self, name):
        self.name = name

    def _observe(self):
        pass


def parse_intervals(text, slack=0.0):
    """'7,11,13' or '7:0.1,60' (interval s[:slack]) to [(name, interval, slack)]."""
    out = []
    for part in text.split(','):
        part = part.strip()
        if not part:
            continue
        iv, _, sl = part.partition(':')
        try:
            v = float(iv)
            s = float(sl) if sl else slack
        except ValueError:
            raise ValueError('--intervals %r: want seconds like 7,11,13 or 7:0.1,60' % (part,))
        out.append(('%gs' % v, v, s))
    if not out:
        raise ValueError('--intervals %r: no interval given' % (text,))
    return out


class _Captured(BaseException):
    pass


def load_app(path, notes=None, publish=None, info=None):
    """Run an app file up to its run_forever() and return (tasks, clock,
    publish): tasks as [(name, interval s, slack)], one per scheduled task,
    from the app's scheduler; clock is that scheduler's clock object; publish
    the radio duty cycle of the app's MQTT writer (its `every` in s; 0 when
    it publishes at once; None when the app has no writer): one its
    scheduled things are connected to, else one in its globals. notes: a list
    that gets the warnings (a deep-sleep writer without spool=, filters
    whose state a deep sleep loses, writers not modelled, and the writer's
    batch=, unless publish, the --publish given, says how often). info: a
    dict that gets 'duty': True when that writer has a duty cycle (every=
    or batch=: it disconnects after each batch, in every sleep mode), and
    'hook': True when it has a radio= hook (it can turn the wifi off). The
    app runs in a temporary folder (its files, such as logs, go there), with
    its own folder on the path, after sim_wiring.py beside it (the simulated
    chips, as `thingflow-mpy run` wires them), and config_example.py
    standing in for a missing config.py."""
    import tempfile
    from .deploy import check_app
    tf = _lib()
    check_app(path, py=False)  # (a UsageError is a ValueError)
    path = os.path.abspath(path)
    here = os.path.dirname(path)
    got = []
    orig = tf.Scheduler.run_forever

    def capture(self):
        got.append((self, sys._getframe(1).f_globals))
        raise _Captured()
    tf.Scheduler.run_forever = capture
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    had_config = 'config' in sys.modules
    try:
        sys.path.insert(0, here)
        if not had_config and not os.path.isfile(os.path.join(here, 'config.py')) and \
                os.path.isfile(os.path.join(here, 'config_example.py')):
            sys.modules['config'] = runpy_module(os.path.join(here, 'config_example.py'), 'config')
        with tempfile.TemporaryDirectory(prefix='tfplan-') as tmp:
            os.chdir(tmp)
            try:
                wiring = os.path.join(here, 'sim_wiring.py')  # as `thingflow-mpy run` does
                if os.path.isfile(wiring):
                    runpy.run_path(wiring)
                runpy.run_path(path, run_name='__main__')
            except _Captured:
                pass
            finally:
                os.chdir(old_cwd)
    finally:
        tf.Scheduler.run_forever = orig
        sys.path[:] = old_path
        if not had_config:
            sys.modules.pop('config', None)
    if not got:
        raise ValueError('%s: never called Scheduler.run_forever()' % path)
    s, g = got[0]
    ws = _writers(s, g)
    if notes is not None and type(s.clock).__name__ == 'DeepSleepClock':
        for w in ws:
            if not getattr(w, 'spool', None):
                notes.append('%s %r has no spool=: its outbox is RAM, lost at every deep sleep%s; '
                             'give it spool=\'/outbox.txt\'' % (
                                 type(w).__name__, getattr(w, 'name', '?'),
                                 ', and its every=%g never comes due (each wake-up starts the app afresh: '
                                 'events wait until the deep sleep loses them)' % w.every if w.every else ''))
        kept = []
        for v in _reach(_tasks(s)):
            n = type(v).__name__
            if n in STATEFUL and n not in kept:
                kept.append(n)
        if kept:
            notes.append('%s keep%s state in RAM, which every deep sleep loses: each wake-up starts '
                         'them afresh (a delta passes every reading, a window or buffer holds one event '
                         'and never fills, a throttle never holds back, a heartbeat never repeats); batch '
                         'with the writer\'s every= and spool= instead, or carry the state across wake-ups '
                         'yourself' % (
                             ', '.join(kept), 's' * (len(kept) == 1)))
    tasks = []
    for grp in s._groups:
        for t in grp[3:]:
            sensor = getattr(t, 'sensor', None)
            name = getattr(sensor, 'sensor_id', None) or type(t).__name__
            sl = grp[2] / grp[0]
            while int(sl * grp[0]) < grp[2]:  # as schedule_periodic rounds it: the app's ticks
                sl = math.nextafter(sl, 1)
            tasks.append((str(name), grp[0] / 100, sl))
    given = publish
    publish = float(ws[0].every or 0) if ws else None
    if info is not None:
        info['duty'] = bool(ws and (ws[0].every or getattr(ws[0], 'batch', 0)))
        info['hook'] = bool(ws and getattr(ws[0], 'radio', None))
    if notes is not None and len(ws) > 1:
        notes.append('%d MQTT writers: the figures follow the first, %s %r (every=%g); %s' % (
            len(ws), type(ws[0]).__name__, getattr(ws[0], 'name', '?'), ws[0].every,
            ', '.join('%r (every=%g)' % (getattr(w, 'name', '?'), w.every) for w in ws[1:])
            + ' not modelled'))
    if notes is not None and ws and getattr(ws[0], 'batch', 0) and given is None:
        notes.append('%s %r: batch=%d is not modelled (it connects when that many events wait): the figures '
                     'assume %s; give --publish S for the seconds its batches take to fill' % (
                         type(ws[0]).__name__, getattr(ws[0], 'name', '?'), ws[0].batch,
                         'a batch every %g s (its every=)' % publish if publish else 'a batch at every wake-up'))
    return tasks, s.clock, publish


def _reach(starts):
    """starts and what they reach through their connections (filters and
    named input ports included), each once, in that order (classes and
    None left out)."""
    out = []
    seen = set()
    todo = list(starts)
    while todo:
        v = todo.pop(0)
        if isinstance(v, type) or v is None or id(v) in seen:
            continue
        seen.add(id(v))
        out.append(v)
        c = getattr(v, '_conns', None)
        if isinstance(c, dict):
            for things in c.values():
                todo.extend(things or ())
        if type(v).__name__ == '_Port':  # tfrare's adapter of a named input port: its thing
            todo.append(getattr(v.on_next, '__self__', None))
    return out


def _tasks(sched):
    return [t for grp in sched._groups for t in grp[3:]]


def _writers(sched, g):
    """The MQTT writers of an app: those its scheduled things reach, then
    those in its globals (connected to nothing scheduled: e.g. one the app
    calls itself), each once, in that order."""
    return [v for v in _reach(_tasks(sched) + list(g.values()))
            if 'Writer' in type(v).__name__ and hasattr(v, 'every') and hasattr(v, 'batch')]


# the library's filters that keep state in RAM from one event to the next
# (a count, the last value, a window, a buffer, the last time sent; a
# heartbeat's last value: after a deep sleep it has none to repeat)
STATEFUL = ('Scan', 'Take', 'Skip', 'BufferWithCount', 'Throttle', 'BufferWithTime', 'Delta',
            'SlidingMean', 'Median', 'Ema', 'Heartbeat')


def runpy_module(path, name):
    """A module object from a file (config_example.py as config)."""
    import types
    m = types.ModuleType(name)
    m.__file__ = path
    with open(path) as f:
        exec(compile(f.read(), path, 'exec'), m.__dict__)
    return m


def app_mode(clock):
    """(mode, min_ms, short) for an app's clock: its sleep mode, the
    deep-sleep threshold (None but for deep) and the mode of the gaps
    shorter than that ('light' when a DeepSleepClock waits them with a
    LightSleepClock, else 'modem')."""
    n = type(clock).__name__
    if n == 'DeepSleepClock':
        short = 'light' if type(clock.clock).__name__ == 'LightSleepClock' else 'modem'
        return 'deep', clock.min_ms, short
    if n == 'LightSleepClock':
        return 'light', None, 'modem'
    return 'modem', None, 'modem'


def schedule(tasks, seconds=DAY):
    """Run tasks [(name, interval s, slack)] through the real scheduler's
    internal layer for seconds of virtual time. Returns the wake-ups as
    [(tick, [names])] (ticks of 10 ms from the start, not wrapped)."""
    tf = _lib()
    s = tf.Scheduler()
    for name, iv, sl in tasks:
        if sl:
            s.schedule_periodic(_Task(name), iv, slack=sl)
        else:
            s.schedule_periodic(_Task(name), iv)
    end = int(round(seconds * 100))
    now = 0
    out = []
    while True:
        ts = s._get_tasks()
        if ts:
            out.append((now, [t.name for t in ts]))
        sl = s._get_next_sleep_interval()
        if sl is None or now + sl >= end:
            return out
        s._advance_time(sl)
        now += sl


def simulate(tasks, profile, mode='modem', seconds=DAY, publish=900, radio=None,
             min_ms=2000, task_ms=5, short='modem', duty=False):
    """The day of an app in one sleep mode: the counts the energy model
    needs. publish: seconds between publish batches (0: at every wake-up):
    as the MQTT writer's `every` counts its cycle, the cycle begins at the
    first wake-up (the first event) and a batch is sent at the first
    wake-up at least publish s (less 16 ms a second of it, at most 1 s)
    after the cycle began, which the batch begins anew (publish 0: a batch
    at every wake-up, the first one included).
    radio: 'kept' or 'batch' (default: batch in deep sleep, else kept):
    kept associates at the first wake-up and stays connected; batch
    connects for each batch, but in deep mode with publish 0 (a writer
    without a duty cycle, which never disconnects) a connection lasts
    until a deep sleep resets the board. On a board whose
    machine.lightsleep drops the wifi association (profile light_wifi
    'dropped': the ESP32), a light sleep loses a connection as a reset
    does: the next batch connects anew (counted in relinks too).
    task_ms: the CPU time of one task run. short: in deep mode, how the gaps
    shorter than min_ms are slept, 'modem' or 'light'. duty: the writer
    has a duty cycle (every= or batch=): it disconnects after each batch,
    also with publish 0. Returns a dict; overruns: the wake-ups whose
    time awake (tasks, wake-up, connection, batch, and the boot after a
    deep sleep) is longer than the time to the next wake-up (overrun: the
    first, as (need s, have s); excess_s: the seconds they lack in all),
    which the figures cannot hold (report() warns from 1 % of the time)."""
    if mode not in MODES:
        raise ValueError('mode %r: want one of %s' % (mode, ', '.join(MODES)))
    if short not in ('modem', 'light'):
        raise ValueError("short %r: want 'modem' or 'light'" % (short,))
    if radio is None:
        radio = 'batch' if mode == 'deep' else 'kept'
    if radio not in ('kept', 'batch'):
        raise ValueError("radio %r: want 'kept' or 'batch'" % (radio,))
    if mode == 'deep' and radio == 'kept':
        raise ValueError("radio 'kept' is impossible in deep sleep: the board resets")
    if not 0 <= publish < math.inf:
        raise ValueError('publish %r s: want >= 0' % (publish,))
    wakes = schedule(tasks, seconds)
    p = profile
    drops = p.get('light_wifi') == 'dropped'
    sleep = {'modem': 0.0, 'light': 0.0, 'deep': 0.0}
    awake = 0.0
    boots = publishes = connects = relinks = overruns = 0
    overrun = None
    excess = 0.0
    up = False  # a connection is up (a deep sleep's reset loses it, and a light sleep where it drops)
    lost = False  # a light sleep dropped it
    # the writer's cycle in ticks (less 16 ms a second of it, at most 1 s)
    cycle = round(publish * 100) - min(round(publish * 1.6), 100)
    next_pub = 0
    for i, (t, names) in enumerate(wakes):
        ts = t / 100
        busy = len(names) * task_ms / 1000 + p['wake_s']
        awake += busy
        radio_s = 0.0
        if i == 0:
            next_pub = t + cycle  # the cycle begins at the first event
            if radio == 'kept':  # associated from the start
                connects += 1
                radio_s += p['connect_s']
                up = True
        if t >= next_pub:  # (in ticks: no rounding of floats)
            # as the MQTT writer's duty cycle (`every`): the next batch is due
            # at the first wake-up `publish` s after this one, not on a fixed
            # grid (wake-ups every 70 s with every=300: one batch per 350 s)
            publishes += 1
            radio_s += p['publish_s']
            next_pub = t + cycle
            # batch: a connection per batch; but a writer without a duty
            # cycle (publish 0) in deep mode keeps its connection across
            # the gaps slept awake (below min_ms): only a reset loses it
            if not up:
                connects += 1
                radio_s += p['connect_s']
                relinks += lost
            lost = False
            up = radio == 'kept' or mode == 'deep' and not publish and not duty
        nxt = wakes[i + 1][0] / 100 if i + 1 < len(wakes) else seconds
        gap = max(nxt - ts - busy, 0.0)
        boot = 0.0  # the boot before the next wake-up
        if mode == 'deep' and gap * 1000 >= min_ms and gap > p['boot_s']:
            sleep['deep'] += gap - p['boot_s']
            up = lost = False  # the reset loses the connection
            if i + 1 < len(wakes):
                boots += 1
                boot = p['boot_s']
            else:
                sleep['deep'] += p['boot_s']  # the day ends asleep
        elif mode == 'light' or (mode == 'deep' and short == 'light'):
            sleep['light'] += gap
            if up and drops and gap:  # machine.lightsleep drops the association
                up = False
                lost = True
        else:
            sleep['modem'] += gap
        # the radio time is counted on top of the states (profiles.energy):
        # it must fit, with the wake-up and the next boot, before the next one
        if i + 1 < len(wakes) and busy + radio_s + boot > nxt - ts:
            overruns += 1
            overrun = overrun or (busy + radio_s + boot, nxt - ts)
            excess += busy + radio_s + boot - (nxt - ts)
    return {
        'seconds': seconds, 'wakeups': len(wakes), 'sleep_s': sleep, 'awake_s': awake,
        'boot_s': boots * p['boot_s'], 'boots': boots, 'publishes': publishes,
        'connects': connects, 'relinks': relinks, 'overruns': overruns, 'overrun': overrun,
        'excess_s': excess,
        'radio': radio, 'mode': mode, 'wakes': wakes,
    }


def svg(wakes, tasks, minutes=10, width=960):
    """An SVG timeline of the first minutes: one row per task, a mark per run,
    each wake-up a vertical band. Returns the SVG text."""
    names = []
    for name, iv, sl in tasks:
        if name not in names:
            names.append(name)
    end = minutes * 6000  # ticks
    left, row, top = 110, 28, 30
    h = top + row * len(names) + 30
    sx = (width - left - 10) / end
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
           'font-size="12">' % (width, h),
           '<title>first %d minutes: %d wake-ups</title>' % (minutes, sum(1 for t, n in wakes if t <= end))]
    for t, ns in wakes:
        if t > end:
            break
        x = left + t * sx
        out.append('<rect class="wake" x="%.1f" y="%d" width="%.1f" height="%d" fill="#dde8ff"/>'
                   % (x - 1.5, top - 8, 3, row * len(names) + 8))
    for i, n in enumerate(names):
        y = top + row * i + row // 2
        out.append('<text x="4" y="%d">%s</text>' % (y + 4, _esc(n)))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ccc"/>' % (left, y, width - 10, y))
        for t, ns in wakes:
            if t > end:
                break
            if n in ns:
                out.append('<circle class="run" cx="%.1f" cy="%d" r="4" fill="#c03"/>' % (left + t * sx, y))
    for m in range(minutes + 1):
        x = left + m * 6000 * sx
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%dm</text>' % (x, h - 8, m))
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def _esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def add_arguments(parser):
    """The options of `thingflow-mpy plan`."""
    parser.add_argument('app', nargs='?', help='an app file (main.py style); or use --intervals')
    parser.add_argument('--intervals', help='task intervals in s, e.g. 7,11,13 or 7:0.1,60 (interval:slack)')
    parser.add_argument('--slack', type=float, default=0.0,
                        help='slack for --intervals, a fraction of each interval (default 0: exact)')
    parser.add_argument('--board', choices=sorted(PROFILES), default='esp8266', help='board profile (default esp8266)')
    parser.add_argument('--battery-mah', type=float, default=2500.0, help='battery capacity (default 2500 mAh)')
    parser.add_argument('--mode', choices=MODES + ('all',), default=None,
                        help="sleep mode (default: the app's clock; 'all' for --intervals)")
    parser.add_argument('--publish', type=float, default=None,
                        help="seconds between publish batches (0: at every wake-up; default: the app's "
                             "MQTT writer's `every`, else 0)")
    parser.add_argument('--radio', choices=('kept', 'batch'), default=None,
                        help='radio kept connected, or connected per batch (default: batch in deep sleep, and '
                             "for an app whose MQTT writer has every= or batch=: it disconnects after each batch)")
    parser.add_argument('--min-ms', type=int, default=None,
                        help="shortest deep sleep in ms (default: the app's DeepSleepClock.min_ms, else 2000)")
    parser.add_argument('--task-ms', type=float, default=5.0, help='CPU time of one task run (default 5 ms)')
    parser.add_argument('--hours', type=float, default=24.0, help='simulated time (default 24 h)')
    parser.add_argument('--svg', help='write a timeline of the first minutes to this SVG file')
    parser.add_argument('--svg-minutes', type=int, default=10, help='minutes in the SVG (default 10)')


def report(tasks, args, notes=None):
    """Simulate and return (lines of the report, results per mode). notes:
    a list that gets the warnings about the figures: a board whose light
    sleep drops the wifi association (a connection per batch counted), a
    Pico W whose light sleep with the wifi on is not what its profile
    says, and wake-ups whose radio time does not fit before the next."""
    prof = PROFILES[args.board]
    modes = MODES if args.mode in (None, 'all') else (args.mode,)
    secs = args.hours * 3600
    short = getattr(args, 'short', 'modem')
    lines = ['board %s (%s), battery %g mAh, %g h simulated, publish %s' % (
                 args.board, prof['name'], args.battery_mah, args.hours,
                 'every %g s' % args.publish if args.publish else 'at every wake-up'),
             'tasks: ' + ', '.join('%s every %g s%s' % (n, iv, ' slack %g' % sl if sl else '') for n, iv, sl in tasks),
             '%-6s %10s %12s %9s %9s %10s %9s' % ('mode', 'wakeups/h', 'awake s/day', 'connects', 'boots',
                                                  'avg mA', 'days')]
    res = {}
    for m in modes:
        radio = args.radio
        if m == 'deep':
            radio = 'batch'
        r = simulate(tasks, prof, m, secs, args.publish, radio, args.min_ms, args.task_ms,
                     short, getattr(args, 'duty', False))
        e = energy(prof, r, args.battery_mah)
        res[m] = (r, e)
        day = 86400 / secs
        lines.append('%-6s %10.1f %12.1f %9d %9d %10.3f %9.1f' % (
            m, r['wakeups'] * 3600 / secs, (r['awake_s'] + r['boot_s']) * day, r['connects'],
            r['boots'], e['avg_ma'], e['days']))
        if notes is None:
            continue
        if r['relinks']:
            notes.append('%s: %s: machine.lightsleep drops the wifi association (ESP-IDF, Sleep Modes: connections are '
                         'not maintained in light sleep), so %d of the %d connections counted are new ones after a '
                         'light sleep, %g s at %g mA each; a writer with every= disconnects before it sleeps and '
                         'connects per batch' % (m, args.board, r['relinks'], r['connects'], prof['connect_s'],
                                                 prof['radio_ma']))
        # (rp2: machine.deepsleep is machine.lightsleep, then a reset; deep_light)
        dl = m == 'deep' and prof.get('deep_light')
        light = m == 'light' or m == 'deep' and short == 'light' or dl
        if light and prof.get('light_wifi') == 'unreliable' and not (
                r['radio'] == 'batch' and getattr(args, 'hook', False)):
            notes.append('%s: %s: the %s figures (%g mA) assume the wifi is off while the board sleeps: %s'
                         'machine.lightsleep stops only the RP2040 (ports/rp2/modmachine.c), the CYW43 keeps its '
                         'association on a current of its own (not counted), and with the wifi active lightsleep '
                         'has been reported to return at once (micropython issues #16181, #17204: %s); turn the '
                         'WLAN off %s (the writer\'s %s= and a radio= hook calling WLAN.active(False))' % (
                             m, args.board, 'deep-sleep' if dl else 'light-sleep',
                             prof['deep_ma' if dl else 'light_ma'],
                             'machine.deepsleep is machine.lightsleep followed by a reset there '
                             '(mp_machine_deepsleep), and ' if dl else '',
                             'the board then resets at once, and each boot runs the tasks due at the end of the sleep '
                             'it did not sleep' if dl else 'the board then stays awake, %g mA' % prof['modem_ma'],
                             'before each deep sleep' if dl else 'between batches', 'batch' if dl else 'every'))
        if r['excess_s'] >= secs / 100:  # (not a first connection, nor a batch now and then: 1 % of the time)
            need, have = r['overrun']
            notes.append('%s: %d of %d wake-ups need more time awake than there is before the next one (the first: '
                         '%.3f s of tasks, connection, batch and boot in %g s; connect %g s, publish %g s on %s): the '
                         'figures count %.1f s (%.2f %% of the time simulated) that does not exist; publish less '
                         'often (--publish, the writer\'s every=) or wake less often' % (
                             m, r['overruns'], r['wakeups'], need, have, prof['connect_s'], prof['publish_s'],
                             args.board, r['excess_s'], 100 * r['excess_s'] / secs))
    return lines, res


def main(args):
    """Run `thingflow-mpy plan` with parsed args; returns the exit status."""
    try:
        for name, v, low in (('--svg-minutes', args.svg_minutes, 1), ('--task-ms', args.task_ms, 0),
                             ('--min-ms', args.min_ms, 0), ('--publish', args.publish, 0)):
            # (not <: nan passes no comparison; inf, or 1e307 once in ticks, would make a count or a time inf)
            if v is not None and not low <= v <= 1e9:
                raise ValueError('%s %r: want a number from %d to 1e9' % (name, v, low))
        for name, v, top in (('--hours', args.hours, 8784), ('--battery-mah', args.battery_mah, 1e9)):
            if not 0 < v <= top:  # (--hours: a year at most, the simulation's time grows with it)
                raise ValueError('%s %r: want a number > 0 and at most %g' % (name, v, top))
        if args.svg and not os.path.isdir(os.path.dirname(os.path.abspath(args.svg))):
            raise ValueError('--svg %s: no such folder' % args.svg)
        if args.intervals:
            if args.app:
                raise ValueError('give an app or --intervals, not both')
            tasks = parse_intervals(args.intervals, args.slack)
            if args.publish is None:
                args.publish = 0.0
        elif args.app:
            notes = []
            info = {}
            tasks, clock, pub = load_app(args.app, notes, args.publish, info)
            args.duty = info['duty']
            args.hook = info['hook']
            if args.radio is None and info['duty']:
                args.radio = 'batch'  # the writer disconnects after each batch (mqtt_rare.close)
            for n in notes:
                print('thingflow-mpy plan: warning: %s' % n, file=sys.stderr)
            if args.publish is None:
                args.publish = pub or 0.0
            if not tasks:
                raise ValueError('%s: schedules no task' % args.app)
            m, mm, args.short = app_mode(clock)
            if args.mode is None:
                args.mode = m
            if args.min_ms is None:  # an explicit --min-ms wins over the app's
                args.min_ms = mm
        else:
            raise ValueError('give an app file or --intervals')
        if args.min_ms is None:
            args.min_ms = 2000
        notes = []
        lines, res = report(tasks, args, notes)
    except ValueError as e:
        print('thingflow-mpy plan: %s' % e, file=sys.stderr)
        return 2
    for n in notes:
        print('thingflow-mpy plan: warning: %s' % n, file=sys.stderr)
    print('\n'.join(lines))
    if args.svg:
        wakes = next(iter(res.values()))[0]['wakes']
        with open(args.svg, 'w') as f:
            f.write(svg(wakes, tasks, args.svg_minutes))
        print('timeline of the first %d minutes: %s' % (args.svg_minutes, args.svg))
    return 0


if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(prog='thingflow-mpy plan', description=__doc__.splitlines()[0])
    add_arguments(ap)
    sys.exit(main(ap.parse_args()))
