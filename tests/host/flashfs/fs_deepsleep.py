# DeepSleepClock(file=...) (lib/deepsleep.py) on a real littlefs v2 or FAT
# file system in RAM (ramdev.py), run by tests/host/test_flash_filesystems.py:
#   micropython fs_deepsleep.py full lfs2|fat   the flash full at the deep sleep and at the wake-up
#   micropython fs_deepsleep.py cut lfs2|fat    a power cut after each change of the chip
#                                               while the state is stored and cleared
# README (deepsleep): a deep sleep whose store fails sleeps all the same and
# the wake-up says 'nostate'; a state cut short is refused ('nostate');
# resume() restores a whole state. The last line is "ok ...".
import os
import sys

import ramdev
from thingflow import Scheduler, InputThing
from deepsleep import DeepSleepClock
from machine_power import FakeMachine, BootClock, DeepSleepReset

STATE = ramdev.MNT + '/sched.dat'


class Sensor:
    def __init__(self, sid):
        self.sensor_id = sid

    def sample(self):
        return 1


class Rec(InputThing):
    def __init__(self):
        self.n = 0

    def on_next(self, x):
        self.n += 1


def app(m):
    # main.py: a 30 s sensor, the state in a file; returns the scheduler,
    # the clock and resume()'s exception, if any
    clk = DeepSleepClock(m, m.clock, file=STATE)
    s = Scheduler(clk)
    s.schedule_sensor(Sensor('x'), 30, Rec())
    try:
        clk.resume(s)
    except Exception as e:
        return s, clk, e
    return s, clk, None


def sleep(s):
    try:
        s.run_forever()
    except DeepSleepReset:
        return True
    return False


def fill_up():
    ramdev.fill_up(open(ramdev.MNT + '/fill', 'ab'))


def full(kind):
    n = 32 if kind == 'lfs2' else 64
    out = []
    # 1. the flash full before the first deep sleep: no state file can be made
    ramdev.fresh(kind, n)
    fill_up()
    m = FakeMachine(BootClock(0, 50))
    s, clk, e = app(m)
    assert e is None and clk.status == 'cold', (e, clk.status)
    assert sleep(s) and clk.deeps == 1, 'the board did not sleep'
    st = ramdev.read(STATE)
    m.reboot(50)
    s, clk, e = app(m)
    assert e is None, ('resume() raised on a full flash', e)
    out.append('nofile:%s,%s' % ('stored' if st else 'none', clk.status))
    assert clk.status == ('resumed' if st else 'nostate'), (st, clk.status)
    ramdev.umount()
    # 2. a state stored, then the flash fills: the wake-up reads it and
    # clears it (a write) on the full flash
    ramdev.fresh(kind, n)
    m = FakeMachine(BootClock(0, 50))
    s, clk, e = app(m)
    assert sleep(s)
    assert ramdev.read(STATE) == b'tf2 3000 0 0 30000 3000 3000 ', ramdev.read(STATE)
    fill_up()
    m.reboot(50)
    s, clk, e = app(m)
    assert e is None, ('resume() raised on a full flash', e)
    assert clk.status == 'resumed' and s.time_in_ticks == 3000, (clk.status, s.time_in_ticks)
    left = ramdev.read(STATE)
    out.append('cleared:%s' % ('yes' if left == b'' else 'no'))
    # the next deep sleep, still full: it sleeps all the same
    assert sleep(s) and clk.deeps == 1
    m.reboot(50)
    s, clk, e = app(m)
    assert e is None, e
    out.append('next:%s' % clk.status)
    assert clk.status in ('resumed', 'nostate'), clk.status
    ramdev.umount()
    print('ok full %s %s' % (kind, ' '.join(out)))


def cut(kind):
    n = 32 if kind == 'lfs2' else 64
    dev = ramdev.fresh(kind, n)
    m = FakeMachine(BootClock(0, 50))
    s, clk, e = app(m)
    assert sleep(s)  # the first state: b'tf2 3000 ...'
    m.reboot(50)
    base = bytes(dev.data)
    dev.rec = ops = []
    s, clk, e = app(m)  # reads and clears it
    assert clk.status == 'resumed' and e is None
    cleared = len(ops)
    assert sleep(s)  # stores the next one
    want = ramdev.read(STATE)
    assert want == b'tf2 6000 0 50 60000 3000 6000 ', want
    t2 = 6000
    dev.rec = None
    ramdev.umount()
    seen = {}
    for k, torn in ramdev.cuts(ops, kind):
        where = 'cut %d%s' % (k, ' torn' if torn else '')
        ramdev.mount(kind, ramdev.RAMDev(n, ramdev.image(base, ops, k, torn)))
        m2 = FakeMachine(BootClock(0, 50))
        m2.reboot(50)
        s, clk, e = app(m2)
        assert e is None, ('%s: resume() raised' % where, e)
        st = clk.status
        if st == 'resumed':
            # a whole state: the first one (the cut came before it was
            # cleared) or the next one, never another
            assert s.time_in_ticks in (3000, t2), (where, s.time_in_ticks)
            if k >= len(ops):
                assert s.time_in_ticks == t2
        else:
            assert st == 'nostate', (where, st)
        seen[st] = seen.get(st, 0) + 1
        ramdev.umount()
    print('ok cut %s changes=%d clear=%d restarts=%d %s' % (
        kind, len(ops), cleared, len(ramdev.cuts(ops, kind)),
        ' '.join('%s:%d' % (x, seen[x]) for x in sorted(seen))))


if __name__ == '__main__':
    (full if sys.argv[1] == 'full' else cut)(sys.argv[2])
