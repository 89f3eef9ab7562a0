# An MQTTWriter's spool (lib/mqtt_spool.py) on a real littlefs v2 or FAT
# file system in RAM (ramdev.py), run by tests/host/test_flash_filesystems.py:
#   micropython fs_spool.py full lfs2|fat SPARE   the flash fills while the broker
#                                                 is away; room again; a reset; delivery
#   micropython fs_spool.py cut lfs2|fat          a power cut after each change of
#                                                 the chip while events are spooled
#                                                 (appends, count lines, a rewrite)
#                                                 and while a start compacts it
# Checks what README.md (MQTT, "Spool") says; the last line is "ok ..." with
# the figures the test compares exactly.
import os
import sys

import ramdev
from mqtt_writer import MQTTWriter
from vclock import VirtualClock

SPOOL = ramdev.MNT + '/sp'
PAD = 'x' * 60  # 86-byte records: the flash fills sooner


class Client:
    """umqtt's API over a pretend broker: up says whether it answers; got
    holds the payloads it took, in order; fails counts refused connects."""

    def __init__(self, up=False):
        self.up = up
        self.sock = None
        self.got = []
        self.fails = 0
        self.timeout = 3

    def set_last_will(self, *a, **k):
        pass

    def connect(self, clean=True):
        if not self.up:
            self.fails += 1
            raise OSError(111)
        self.sock = 1
        return 0

    def publish(self, topic, msg, retain=False, qos=0):
        if not self.up or self.sock is None:
            self.sock = None
            raise OSError(104)
        self.got.append(num(msg))

    def ping(self):
        pass

    def disconnect(self):
        self.sock = None


def writer(cap, up=False, clk=None):
    """A writer on the spool, as at a (re)start of the board; the outbox
    replayed from the file. Payloads are the event numbers."""
    for m in ('mqtt_spool',):
        sys.modules.pop(m, None)
    c = Client(up)
    clk = clk or VirtualClock()
    w = MQTTWriter('dev1', None, None, 'home/{sensor_id}', client=c, clock=clk,
                   spool=SPOOL, outbox=cap, status=False)
    return w, c, clk


def event(w, clk, i):
    clk.advance(100000)  # past any back-off: each event is a connect attempt
    w.on_next(('s', PAD, i))


def num(p):
    # the event number of a payload: b'["s", 0, 7]' -> 7
    return int(bytes(p).decode().split(',')[-1].strip(' ]'))


def nums(w):
    return [num(p) for t, p in w.outbox]


def full(kind, spare):
    # outbox=20 (86-byte records); the broker is away; events 0..59 come while the flash holds
    # a filler that leaves `spare` blocks (0: every byte used); the filler
    # goes before event 40; a reset after event 49 (a new writer replays
    # the spool); the broker is back for events 50..59.
    n = 32 if kind == 'lfs2' else 64
    dev = ramdev.fresh(kind, n)
    free = os.statvfs(ramdev.MNT)[3]
    fill = open(ramdev.MNT + '/fill', 'wb')
    if spare:
        fill.write(b'z' * (ramdev.BS * (free - spare)))
        fill.close()
    else:
        ramdev.fill_up(fill)
    w, c, clk = writer(20)
    fails = []  # events whose spooling failed
    synced = []
    for i in range(50):
        if i == 40:
            os.remove(ramdev.MNT + '/fill')  # room again
        e = w.errors
        try:
            event(w, clk, i)
        except Exception as x:  # never: the README says the flow goes on
            raise AssertionError('event %d raised %r' % (i, x))
        # each event: one refused connect (counted), plus one when the spool failed
        k = w.errors - e
        assert k in (1, 2), (i, k)
        if k == 2:
            fails.append(i)
            assert type(w.last_error) is OSError and w.last_error.args[0] == 28, (i, w.last_error)
        assert nums(w) == list(range(max(0, i - 19), i + 1)), (i, nums(w))
        if i not in fails:
            synced = nums(w)  # what the spool holds now
        if i == 30:  # the board as it is now, to be reset later: the flash full
            snap = (bytes(dev.data), synced, nums(w))
    assert c.fails == 50 and w.errors == 50 + len(fails), (c.fails, w.errors, fails)
    assert w.dropped == 30, w.dropped  # outbox full: 30 oldest dropped, counted
    assert all(i < 40 for i in fails), fails  # room again: the spool is whole again
    assert fails, 'the flash never filled: no test'
    held = nums(w)
    # a reset: the outbox as the spool kept it, nothing damaged
    w, c, clk = writer(20, up=True)
    assert nums(w) == held and w.dropped == 0 and w.errors == 0, (nums(w), w.dropped, w.errors)
    for i in range(50, 60):
        event(w, clk, i)
    # every event delivered, or counted as dropped: 30 above, and 30 now
    # (the outbox was full when event 50 came, before the connect)
    assert c.got == list(range(31, 60)) and w.dropped == 1, (c.got, w.dropped)
    assert ramdev.read(SPOOL) is None, 'the spool stays after the outbox emptied'
    # a reset at event 30, the flash full: the start does not fail; it holds
    # what the last spooling that worked wrote, in order (and whole records
    # of later failed appends); a record cut short is counted in dropped
    ramdev.umount()
    ramdev.mount(kind, ramdev.RAMDev(n, snap[0]))
    try:
        w, c, clk = writer(20)
    except Exception as x:
        raise AssertionError('the start on a full flash raised %r' % (x,))
    got = nums(w) or [-1]
    held, now = snap[1], snap[2]
    assert got == [-1] or got == list(range(got[0], got[0] + len(got))), got
    assert all(x in got for x in held if x in now) and got[-1] <= 30, (got, held, now)
    assert w.dropped <= 1 and w.errors <= 1, (w.dropped, w.errors)
    snap_note = 'reset_when_full=%d..%d,dropped=%d,errors=%d' % (got[0], got[-1], w.dropped, w.errors)
    print('ok full %s spare=%d spool_failures=%d first=%d delivered=29 dropped=31 %s' % (
        kind, spare, len(fails), fails[0] if fails else -1, snap_note))


def cut(kind):
    # outbox=3, the broker away. Events 0..4 are spooled; then, while the
    # chip records its changes, events 5..8 (count lines and appends, a
    # rewrite to <spool>.new and its rename at event 6) and a start that
    # replays and compacts the file. At each change the power may go: the
    # board starts on the chip as it was, and its writer must hold what the
    # spool held: no exception, the events in order, the newest state the
    # file had reached (or the one being written), damage counted.
    n = 32 if kind == 'lfs2' else 64
    dev = ramdev.fresh(kind, n)
    w, c, clk = writer(3)
    for i in range(5):
        event(w, clk, i)
    assert nums(w) == [2, 3, 4] and w.dropped == 2
    base = bytes(dev.data)
    dev.rec = ops = []
    states = [(0, [2, 3, 4])]  # (changes made, the outbox then)
    for i in range(5, 9):
        event(w, clk, i)
        assert w.errors == i + 1, (i, w.errors)  # the refused connects only
        states.append((len(ops), nums(w)))
    end_events = len(ops)
    w, c, clk = writer(3)  # a start: replays, then compacts the file
    assert nums(w) == [6, 7, 8] and w.dropped == 0 and w.errors == 0, (nums(w), w.dropped)
    states.append((len(ops), [6, 7, 8]))
    dev.rec = None
    ramdev.umount()
    bad = []
    damaged = 0
    for k, torn in ramdev.cuts(ops, kind):
        where = 'cut %d%s' % (k, ' torn' if torn else '')
        d = ramdev.RAMDev(n, ramdev.image(base, ops, k, torn))
        ramdev.mount(kind, d)
        try:
            w, c, clk = writer(3)
        except Exception as e:
            raise AssertionError('%s: the start raised %r' % (where, e))
        got = nums(w)
        # the state the file had reached at the cut, and the next one
        j = 0
        while j + 1 < len(states) and states[j + 1][0] <= k:
            j += 1
        old = states[j][1]
        new = states[j + 1][1] if j + 1 < len(states) else old
        ok = got and got == list(range(got[0], got[0] + len(got))) and \
            all(x in old or x in new for x in got) and all(x in got for x in old if x in new)
        if not ok or w.errors:
            bad.append('%s (%s): %s (errors %d, dropped %d), want %s or %s' % (
                where, 'writing events' if k < end_events else 'compacting at start',
                got, w.errors, w.dropped, old, new))
        damaged += w.dropped
        ramdev.umount()
    print('%s cut %s changes=%d restarts=%d damaged_records_counted=%d' % (
        'BAD' if bad else 'ok', kind, len(ops), len(ramdev.cuts(ops, kind)), damaged))
    for b in bad:
        print('  ' + b)
    if bad:
        raise SystemExit(1)


if __name__ == '__main__':
    a = sys.argv
    if a[1] == 'full':
        full(a[2], int(a[3]))
    else:
        cut(a[2])
