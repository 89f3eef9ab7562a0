# The device side of `thingflow-mpy run` (MicroPython and CPython; it goes
# on the path of the run, never to a board):
#
#   micropython -c "$LAUNCH" [-w] [-c] [-t] APP [SETUP]   (lib/ and sim/ on MICROPYPATH)
#   python -c "$LAUNCH_CPYTHON" [-w] [-c] APP.py [SETUP.py]   (PYTHONPATH: the sources)
#
# (LAUNCH: thingflow_mpy.runner.LAUNCH, which notes the heap in use before
# this module loads and calls main(); LAUNCH_CPYTHON sets SIGINT to raise
# KeyboardInterrupt first, and calls main().)
# Runs SETUP (the simulated wiring, e.g. examples/sim_wiring.py: chips put
# on the simulated I2C bus), then APP as a board runs main.py, and reports
# the app's counters on stdout as machine-readable lines, at most once a
# second (before the scheduler sleeps) and once at the end:
#
#   @tf <wakeups> <sampled> <published> <queued> <dropped> <refused> <errors>
#   @tf end <same seven> <heap bytes in use> <heap bytes free> <how it ended>
#
# APP and SETUP are module names, imported from the .mpy files the runner
# compiled (APP as __main__, as a board runs main.py), or absolute paths of
# .py files, run from source (CPython; on MicroPython a file mpy-cross
# refused, so that its SyntaxError shows). -w: the app uses mqtt_writer (the runner looked
# at its source): every MQTTWriter it makes is counted, also one that is not
# connected directly (behind a filter or an adapter). -c: the app imports
# config. Both are imported first, before the runner's part (hooks, SETUP),
# in the same order in a run and in its measurement: -t, which prints
# "@tool <bytes>", the heap of the runner (this module, main()'s frame and
# arguments, the hooks) and of SETUP (what `run --heap` adds on top of the
# app's heap), and ends before APP. thingflow (which this module imports),
# config and mqtt_writer count as the app's.
# wakeups: Scheduler.wakeups summed over every scheduler the app made;
# sampled: readings returned by sensors (SensorAsOutputThing._sample);
# published, queued, dropped, refused, errors: summed over every connected
# input thing that has a `published` counter (the MQTT writer); -1 where none
# has it. How it ended: 'done' (the app returned), 'stopped' (Ctrl-C / --for:
# a KeyboardInterrupt), 'error' (an exception; its traceback is on stderr).
# Nothing is changed in lib/: the counters are read through small wrappers
# put on the classes of the thingflow module before the app starts. This
# module's heap counts as the runner's (`run --heap` adds it on top), so it
# is kept small: few names, no class. While the runner and SETUP load, the
# heap is collected every 2 KB allocated, so that their garbage leaves no
# holes between what they keep (which a board would not have); the app then
# runs with the port's default (a collection only when the heap is full),
# or what it sets itself.
import gc
import sys

_th = gc.threshold() if hasattr(gc, 'threshold') else None
if _th is not None:
    gc.collect()
    _own = gc.mem_alloc()  # with this module's code: the runner's from here on
    gc.threshold(2048)

import thingflow as _tf  # noqa: E402

if _th is not None:
    gc.collect()
    _app = gc.mem_alloc()  # with thingflow, the app's module: main()'s frame is the runner's

_scheds = []  # every Scheduler the app made
_things = []  # every connected thing with a `published` counter
_n = [0, 0]  # sampled readings, ticks_ms of the last report (0: none yet)


def _line():
    w = 0
    for s in _scheds:
        w += s.wakeups
    out = '%d %d' % (w, _n[0])
    for k in ('published', 'queued', 'dropped', 'refused', 'errors'):
        v = -1
        for t in _things:
            x = getattr(t, k, None)
            if x is not None:
                v = (0 if v < 0 else v) + x
        out += ' %d' % v
    return out


def _keep(t):
    if hasattr(t, 'published') and t not in _things:
        _things.append(t)


def _wrap(cls, name, before=None, after=None):
    # cls.name becomes a function that calls before(self, positional
    # arguments), the original method, then after(self, its result)
    f = getattr(cls, name)

    def w(self, *a, **k):
        if before:
            before(self, a)
        r = f(self, *a, **k)
        if after:
            after(self, r)
        return r
    setattr(cls, name, w)


def _report(s, a):
    # before the scheduler sleeps: at most one line a second
    now = _tf.ticks_ms()
    if not _n[1] or _tf.ticks_diff(now, _n[1]) >= 1000:
        _n[1] = now or 1
        print('@tf ' + _line())


def _sampled(t, v):
    if v is not t:
        _n[0] += 1


def _hook(writer=False):
    S = _tf.Scheduler
    _wrap(S, '__init__', after=lambda s, r: _scheds.append(s))
    _wrap(S, '_get_next_sleep_interval', _report)
    _wrap(_tf.OutputThing, 'connect', lambda s, a: a and _keep(a[0]))
    _wrap(_tf.SensorAsOutputThing, '_sample', after=_sampled)
    if writer:
        import mqtt_writer
        _wrap(mqtt_writer.MQTTWriter, '__init__', after=lambda s, r: _keep(s))


def _run(x, main=False):
    # a module name: import it (as __main__ for the app); a path: run the
    # source, compiled under its path (tracebacks name the file)
    if x[-3:] != '.py':
        return __import__(x, None, None, False if main else ())
    with open(x) as f:
        src = f.read()
    exec(compile(src, x, 'exec'), {'__name__': '__main__' if main else 'sim_setup', '__file__': x})


def _scrub(n):
    # overwrite the C stack below us, so that no stale word keeps garbage
    # alive in MicroPython's conservative collector
    a = b = c = d = None
    if n:
        _scrub(n - 1)


def _mem():
    _scrub(40)
    gc.collect()
    return gc.mem_alloc()


def main(args, base=None):
    # args: flags, APP [, SETUP]; base: the heap in use before this module
    # loaded (the measurement -t needs it)
    how = 'done'
    code = 0
    try:
        if '-t' in args:
            a = _mem() - _app  # main()'s frame and arguments: the runner's
        if '-c' in args:
            __import__('config')  # the app's, first as in every run (no name kept: the app may unload it)
        if '-w' in args:
            __import__('mqtt_writer')
        if '-t' in args:
            a = _mem() - a
        m = [x for x in args if x[0] != '-']
        _hook('-w' in args)
        if len(m) > 1:
            _run(m[1])
        if '-t' in args:
            print('@tool %d' % (_mem() - a + _own - base))
            return 0
        gc.collect()  # the heap as the app finds it: collected, the threshold as before
        if _th is not None:
            gc.threshold(_th)
        _run(m[0], True)
    except KeyboardInterrupt:
        how = 'stopped'
    except SystemExit as e:
        code = e.args[0] if e.args else 0
        how = 'done' if not code else 'error'
    except Exception as e:
        if hasattr(sys, 'print_exception'):
            sys.print_exception(e, sys.stderr)
        else:
            import traceback
            traceback.print_exception(type(e), e, e.__traceback__)
        how = 'error'
        code = 1
    gc.collect()
    a = f = -1  # CPython has no heap figures
    if hasattr(gc, 'mem_alloc'):
        a = gc.mem_alloc()
        f = gc.mem_free()
    print('@tf end %s %d %d %s' % (_line(), a, f, how))
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
