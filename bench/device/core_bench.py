# Core figures measured on the device side; prints "key value" lines.
#   micropython core_bench.py three_sensors | dispatch | wakeups INTERVAL|AT@INTERVAL ...
#   (wakeups needs vclock on the path: lib/ has it)
import gc
import sys

import thingflow
from benchkit import Sensor, Sink, rate


def three_sensors():
    gc.collect()
    a = gc.mem_alloc()
    s = thingflow.Scheduler()
    for sid, iv in (('a', 10), ('b', 30), ('c', 60)):
        s.schedule_sensor(Sensor(sid), iv, Sink())
    gc.collect()
    print('three_sensors_bytes', gc.mem_alloc() - a)


def dispatch():
    t = thingflow.SensorAsOutputThing(Sensor('s'))
    a, b = Sink(), Sink()
    t.connect(a)
    t.connect(b)
    n = 20000
    best = rate(t, n)
    assert a.n == b.n == 5 * n
    print('dispatch_events_per_s', best)


def wakeups(adds):
    # adds: [(seconds, interval s)]. The measure: run_forever on the
    # virtual clock for one day, [0, 86400) s, each task scheduled through
    # the public layer at its time (run_for up to it, then
    # schedule_periodic); prints the scheduler's wake-ups. Then, as
    # 'internal', the same day driven on the internal layer, each task added
    # at its exact logical time.
    from vclock import VirtualClock, run_for
    s = thingflow.Scheduler(VirtualClock())
    now = 0  # ms
    for t, iv in sorted(adds):
        t = round(t * 1000)
        if t > now:
            run_for(s, (t - now) / 1000)
            now = t
        s.schedule_sensor(Sensor(iv), iv, Sink())
    run_for(s, (86400000 - 10 - now) / 1000)  # the last tick of the day
    print('wakeups', s.wakeups)
    print('clock_faults', s.clock_faults)
    s = thingflow.Scheduler()
    day = 8640000
    adds = sorted([(round(t * 100), round(iv * 100)) for t, iv in adds])
    now = 0  # ticks, not wrapped
    n = 0
    while True:
        sl = s._get_next_sleep_interval()
        if adds and (sl is None or now + sl >= adds[0][0]):
            t, iv = adds.pop(0)
            s._advance_time(t - now)
            now = t
            s._add_task(Sensor(iv), iv)
            continue
        if sl is None or now + sl >= day:
            break
        s._advance_time(sl)
        now += sl
        if s._get_tasks():
            n += 1
    print('internal', n)


if __name__ == '__main__':
    w = sys.argv[1]
    if w == 'three_sensors':
        three_sensors()
    elif w == 'dispatch':
        dispatch()
    elif w == 'wakeups':
        adds = []
        for a in sys.argv[2:]:
            t, iv = a.split('@') if '@' in a else ('0', a)
            adds.append((float(t), float(iv)))
        wakeups(adds)
