# Power figures measured on the device side; prints "key value" lines.
#   micropython power_bench.py wakeups SLACK INTERVAL ...  (one day, the scheduler's internal layer)
#   micropython power_bench.py clock_bytes                  (heap of the two sleep clocks)
#   micropython power_bench.py import_bytes PAD MOD ...
#       heap bytes of importing each MOD after thingflow (not counted), one
#       "MOD bytes" line each, counted after the ones before. PAD -1: nothing
#       else first (the bench takes its cold figures from mem_import.py, as
#       for every module). PAD >= 0 (warm): first make the interpreter grow
#       its qstr pool (by interning 8 throw-away names), so that the pool
#       block the first new module would pay for is not counted (an app has
#       grown it already), then intern one name of PAD characters, which
#       moves where the module's names fall in the 128-byte blocks that hold
#       qstr text (a jitter of one block).
import gc
import sys

import thingflow


class Task:
    def _observe(self):
        pass


def wakeups(slack, ivs):
    s = thingflow.Scheduler()
    for iv in ivs:
        s.schedule_periodic(Task(), iv, slack)
    day = 8640000
    now = 0
    n = 0
    while True:
        if s._get_tasks():
            n += 1
        sl = s._get_next_sleep_interval()
        if now + sl >= day:
            break
        s._advance_time(sl)
        now += sl
    print('wakeups', n)


def clock_bytes():
    from machine_power import FakeMachine
    from lightsleep import LightSleepClock
    from deepsleep import DeepSleepClock
    m = FakeMachine()
    out = []
    for name, cls, kw in (('light_clock_bytes', LightSleepClock, {}),
                          ('deep_clock_bytes', DeepSleepClock, {}),
                          ('deep_file_clock_bytes', DeepSleepClock, {'file': 'sched.dat'})):
        gc.collect()
        a = gc.mem_alloc()
        out.append(cls(m, **kw))
        gc.collect()
        print(name, gc.mem_alloc() - a)
    return out


def _scrub(n):
    # overwrite the C stack below us (see mem_import.py): no stale word
    # left by an import keeps garbage alive in the conservative collector
    a = b = c = d = None
    if n:
        _scrub(n - 1)


def import_bytes(pad, mods):
    __import__('thingflow')
    if pad >= 0:
        for i in range(8):
            getattr(sys, 'wq%d' % i, None)  # interns a new qstr
        getattr(sys, 'p' * pad, None)
    for name in mods:
        _scrub(40)
        gc.collect()
        a = gc.mem_alloc()
        __import__(name)
        _scrub(40)
        gc.collect()
        print(name, gc.mem_alloc() - a)


if __name__ == '__main__':
    w = sys.argv[1]
    if w == 'wakeups':
        wakeups(float(sys.argv[2]), [float(x) for x in sys.argv[3:]])
    elif w == 'clock_bytes':
        clock_bytes()
    elif w == 'import_bytes':
        import_bytes(int(sys.argv[2]), sys.argv[3:])
