# Power figures measured on the device side; prints "key value" lines.
#   micropython power_bench.py wakeups SLACK INTERVAL ...  (one day, the scheduler's internal layer)
#   micropython power_bench.py clock_bytes                  (heap of the two sleep clocks)
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
    import power
    m = FakeMachine()
    gc.collect()
    a = gc.mem_alloc()
    c1 = power.LightSleepClock(m)
    gc.collect()
    b = gc.mem_alloc()
    c2 = power.DeepSleepClock(m)
    gc.collect()
    print('light_clock_bytes', b - a)
    print('deep_clock_bytes', gc.mem_alloc() - b)
    return c1, c2


if __name__ == '__main__':
    w = sys.argv[1]
    if w == 'wakeups':
        wakeups(float(sys.argv[2]), [float(x) for x in sys.argv[3:]])
    elif w == 'clock_bytes':
        clock_bytes()
