# Soak of the sleep clocks (lightsleep.py, deepsleep.py) with the recording
# fake machine (sim/machine_power.py), in virtual time. The fake records
# every call in its `calls` list (a test aid, not the library's): it is
# emptied before each mark.
#
#   micropython soak_sleep.py light   a scheduler on a LightSleepClock whose
#       ticks stop (added back) and one whose ticks run with early wake-ups,
#       three sensors: 50 marks of 1,000 wake-ups (past the ticks period)
#   micropython soak_sleep.py deep    deep-sleep cycles in one process: each
#       a new DeepSleepClock (RTC memory, or a file every other 100;
#       min_ms 3500), a new scheduler with sensors at 7, 11 and 300 s (gaps
#       under min_ms slept awake), resume(), run_forever() up to the deep
#       sleep, reboot;
#       5,000 cycles, a mark every 100
import os
import sys

from deepsleep import DeepSleepClock
from lightsleep import LightSleepClock
from machine_power import FakeMachine, PortClock, DeepSleepReset
from thingflow import InputThing, Scheduler

from soakkit import mark


class Sensor:
    def __init__(self, sid):
        self.sensor_id = sid
        self.n = 0

    def sample(self):
        self.n += 1
        return self.n


class Sink(InputThing):
    n = 0

    def on_next(self, x):
        self.n += 1


def light():
    for stops, early in ((True, None), (False, 7000)):
        pc = PortClock(period=1 << 26)  # the ticks wrap every 18.6 hours
        m = FakeMachine(pc, stops=stops, early=early)
        c = LightSleepClock(m, pc)
        s = Scheduler(c)
        out = Sink()
        for sid, iv in (('t', 10), ('l', 60), ('h', 300)):
            s.schedule_sensor(Sensor(sid), iv, out)
        stop = [0]

        class Hook:
            def _observe(self):
                if s.wakeups >= stop[0]:
                    s.stop()
        s.schedule_periodic(Hook(), 10)
        for k in range(25):
            stop[0] += 1000
            s.run_forever()
            m.calls.clear()
            mark('%s%d' % ('s' if stops else 'r', k + 1))
        print('light', stops, 'wakeups', s.wakeups, 'events', out.n, 'sleeps', c.sleeps,
              'added', c.added, 'early', c.early, 'faults', s.clock_faults)


def deep():
    d = '/tmp/tfsoak-deep-%s' % ''.join('%02x' % b for b in os.urandom(4))
    os.mkdir(d)
    f = d + '/sched.dat'
    m = FakeMachine(PortClock())
    out = Sink()
    st = {}
    try:
        for k in range(5000):
            if k:
                m.reboot(120 + k % 7 * 10)
            clk = DeepSleepClock(m, m.clock, file=f if k // 100 & 1 else None, min_ms=3500)
            s = Scheduler(clk)
            # gaps 7, 4, 3, 7, 1, 6 s ...: those under min_ms slept awake
            s.schedule_sensor(Sensor('t'), 7, out)
            s.schedule_sensor(Sensor('l'), 11, out)
            s.schedule_sensor(Sensor('h'), 300, out)
            clk.resume(s)
            st[clk.status] = st.get(clk.status, 0) + 1
            try:
                s.run_forever()
            except DeepSleepReset:
                pass
            if k % 100 == 99:
                m.calls.clear()
                del clk, s
                mark(k // 100 + 1)
    finally:
        try:
            os.remove(f)
        except OSError:
            pass
        os.rmdir(d)
    print('deep', sorted(st.items()), 'events', out.n)


if sys.argv[1] == 'light':
    light()
else:
    deep()
