# The battery user's journey, as a board's main.py would be, except for the
# simulated clock (simboard) and what the test sets through the environment:
# a reading (a counter) every $TF_IV s (default 60) into an MQTTWriter with a
# duty cycle ($TF_EVERY s, default 300; $TF_BATCH events, default 0) and a
# spool that carries the outbox across the deep sleeps. The radio hook notes
# each call ("on|off world_ms") in $TF_POWER_DIR/radio. While the file
# $TF_POWER_DIR/full holds a number, the flash has that many bytes of room
# left for the spool's files (then write raises OSError(28), ENOSPC). Before
# each deep sleep it appends "connects published queued errors dropped
# reconnects" to $TF_POWER_DIR/writer.
import os

import simboard  # test only: a board's clock is the time module (no clock= below)
import machine
from thingflow import Scheduler
from deepsleep import DeepSleepClock
from mqtt_writer import MQTTWriter

D = os.getenv('TF_POWER_DIR')
SPOOL = D + '/spool'
room = machine._read('full', None)
if room is not None:  # a nearly full flash for the spool's files
    import builtins
    room = [int(room)]
    real = builtins.open

    class Full:
        def __init__(self, f):
            self.f = f

        def write(self, b):
            n = min(len(b), room[0])
            self.f.write(b[:n])
            room[0] -= n
            if n < len(b):
                raise OSError(28)  # ENOSPC
            return n

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.f.close()

    def fopen(p, m='r'):
        f = real(p, m)
        return Full(f) if p.startswith(SPOOL) and ('w' in m or 'a' in m) else f
    builtins.open = fopen


def radio(on):
    with open(D + '/radio', 'a') as f:
        f.write('%s %d\n' % ('on' if on else 'off', simboard.clock.world()))


class Reading:
    sensor_id = 'temp'

    def sample(self):
        n = int(machine._read('seq', b'0'))
        machine._write('seq', b'%d' % (n + 1))
        return n


def env(k, d):
    return int(os.getenv(k) or d)


w = MQTTWriter('journey', '127.0.0.1', env('TF_PORT', 0), 'bat/{sensor_id}', every=env('TF_EVERY', 300),
               batch=env('TF_BATCH', 0), outbox=env('TF_OUTBOX', 50), spool=SPOOL, status=False,
               clock=simboard.clock, radio=radio, timeout=env('TF_TIMEOUT', 3))


def note():
    with open(D + '/writer', 'a') as f:
        f.write('%d %d %d %d %d %d\n' % (w.connects, w.published, w.queued, w.errors, w.dropped,
                                          w.reconnects))


clk = DeepSleepClock(clock=simboard.clock)
clk.before.append(note)
sched = Scheduler(clk)
sched.schedule_sensor(Reading(), env('TF_IV', 60), w)
clk.resume(sched)
sched.run_forever()
