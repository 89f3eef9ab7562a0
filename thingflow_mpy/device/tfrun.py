# The device side of `thingflow-mpy run` (MicroPython and CPython; it goes
# on the path of the run, never to a board):
#
#   micropython -m tfrun APP.py [SETUP.py]     (lib/ and sim/ on MICROPYPATH)
#
# Runs SETUP (the simulated wiring, e.g. examples/sim_wiring.py: chips put
# on the simulated I2C bus), then APP as a board runs main.py, and reports the app's counters on stdout
# as machine-readable lines, at most once a second (before the scheduler
# sleeps) and once at the end:
#
#   @tf <wakeups> <sampled> <published> <queued> <dropped> <refused> <errors>
#   @tf end <same seven> <heap bytes in use> <heap bytes free> <how it ended>
#
# wakeups: Scheduler.wakeups summed over every scheduler the app made;
# sampled: readings returned by sensors (SensorAsOutputThing._sample);
# published, queued, dropped, refused, errors: summed over every connected input thing
# that has a `published` counter (the MQTT writer); -1 where none has it.
# How it ended: 'done' (the app returned), 'stopped' (Ctrl-C / --for: a
# KeyboardInterrupt), 'error' (an exception; its traceback is on stderr).
# Nothing is changed in lib/: the counters are read through small wrappers
# put on the classes of the thingflow module before the app starts.
import gc
import sys

import thingflow

_scheds = []  # every Scheduler the app made
_things = []  # every connected thing with a `published` counter
_n = [0, 0]  # sampled readings, ticks_ms of the last report (0: none yet)
_NAMES = ('published', 'queued', 'dropped', 'refused', 'errors')


def _line():
    w = 0
    for s in _scheds:
        w += s.wakeups
    out = '%d %d' % (w, _n[0])
    for k in _NAMES:
        v = -1
        for t in _things:
            x = getattr(t, k, None)
            if x is not None:
                v = (0 if v < 0 else v) + x
        out += ' %d' % v
    return out


def _report():
    now = thingflow.ticks_ms()
    if _n[1] and thingflow.ticks_diff(now, _n[1]) < 1000:
        return
    _n[1] = now or 1
    print('@tf ' + _line())


class _Clock:
    # the scheduler's clock, reporting before each sleep
    def __init__(self, c):
        self.c = c
        self.ticks_ms = c.ticks_ms
        self.ticks_diff = c.ticks_diff
        if hasattr(c, 'time'):
            self.time = c.time

    def sleep_ms(self, ms):
        _report()
        self.c.sleep_ms(ms)


def _keep(thing):
    if hasattr(thing, 'published') and thing not in _things:
        _things.append(thing)


def _hook_writer():
    # every MQTTWriter the app makes, also one not connected directly
    # (behind a filter or an adapter); imported only for an app that uses it
    import mqtt_writer
    W = mqtt_writer.MQTTWriter
    init = W.__init__

    def w_init(self, *a, **k):
        init(self, *a, **k)
        _keep(self)
    W.__init__ = w_init


def _hook():
    S = thingflow.Scheduler
    init = S.__init__

    def s_init(self, clock=None):
        init(self, clock)
        self.clock = _Clock(self.clock)
        _scheds.append(self)
    S.__init__ = s_init

    O = thingflow.OutputThing
    conn = O.connect

    def connect(self, thing, port_map=None):
        _keep(thing)
        return conn(self, thing, port_map)
    O.connect = connect

    T = thingflow.SensorAsOutputThing
    samp = T._sample

    def sample(self):
        v = samp(self)
        if v is not self:
            _n[0] += 1
        return v
    T._sample = sample


def _print_exc(e):
    if hasattr(sys, 'print_exception'):
        sys.print_exception(e, sys.stderr)
    else:
        import traceback
        traceback.print_exception(type(e), e, e.__traceback__)


def _exec(path, name):
    with open(path) as f:
        src = f.read()
    if 'mqtt_writer' in src:
        _hook_writer()
    exec(src, {'__name__': name, '__file__': path})


def main(app, setup=None):
    _hook()
    how = 'done'
    code = 0
    try:
        if setup:
            _exec(setup, 'sim_setup')
        _exec(app, '__main__')
    except KeyboardInterrupt:
        how = 'stopped'
    except SystemExit as e:
        code = e.args[0] if e.args else 0
        how = 'done' if not code else 'error'
    except Exception as e:
        _print_exc(e)
        how = 'error'
        code = 1
    gc.collect()
    a = f = -1  # CPython has no heap figures
    if hasattr(gc, 'mem_alloc'):
        a = gc.mem_alloc()
        f = gc.mem_free()
    print('@tf end %s %d %d %s' % (_line(), a, f, how))
    return code


def tool_bytes(setup=None):
    # Heap bytes this runner and the simulated hardware take, which a board
    # does not spend: run with only thingflow (and config) imported before,
    # as `run --heap` adds them on top of the board's heap.
    try:
        import config
    except ImportError:
        pass
    gc.collect()
    a = gc.mem_alloc()
    _hook()
    if setup:
        _exec(setup, 'sim_setup')
    gc.collect()
    return gc.mem_alloc() - a


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
