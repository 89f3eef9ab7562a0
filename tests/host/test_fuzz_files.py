"""Fuzz of the two files that must survive power loss and a full flash on a
board: the MQTT writer's spool (mqtt_spool, through MQTTWriter(spool=...))
and the rotating log (logger, lograre). One device script (SCRIPT, below)
runs on CPython and on the MicroPython Unix port (lib/ as .mpy), both at
once; each run must find no failure and the two must print the same.

- power loss at every byte: each prefix of the spool as a wake-up appends to
  it, the old spool beside each prefix of <spool>.new, each prefix of the
  log and of its backup and the steps of a rotation; a fresh writer/logger
  starts on it: no exception, every whole record replayed in order (as the
  README's format says), a cut record counted in dropped and never
  published, no duplicate unless the cut hit the count line; a cut log line
  ended with a newline, the backup kept.
- a full flash at every call: OSError(28) from the k-th (to k+span-1-th)
  open for writing, write, rename or remove (also after writing half), then
  room again: nothing lost without being counted, the order kept, the
  failure counted, the files whole again.
- odd content: bytes that are not UTF-8, NUL, CRLF, a long line, an empty
  file, a directory.
"""
import os
import shutil
import subprocess
import sys
import tempfile

from thingflow_mpy import mpy

_RUNS = {}


def _run(part, mpy_lib):
    # the script on both runtimes at once; returns (cpython stdout, micropython stdout)
    if part in _RUNS:
        return _RUNS[part]
    base = tempfile.mkdtemp(prefix='tffuzz-', dir='/dev/shm' if os.path.isdir('/dev/shm') else None)
    try:
        script = os.path.join(base, 'fuzz.py')
        with open(script, 'w') as f:
            f.write(SCRIPT)
        for d in ('c', 'm'):
            os.mkdir(os.path.join(base, d))
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join([str(mpy.LIB), str(mpy.SIM)])
        cp = subprocess.Popen([sys.executable, script, os.path.join(base, 'c'), part], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        mp = mpy.run_micropython([script, os.path.join(base, 'm'), part], [mpy_lib, mpy.SIM], timeout=120)
        out, err = cp.communicate(timeout=120)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert cp.returncode == 0, out + err
    assert mp.returncode == 0, mp.stdout + mp.stderr
    _RUNS[part] = (out, mp.stdout)
    return _RUNS[part]


def _lines(part, mpy_lib, *want):
    # the lines the script printed, the same on both runtimes, no failure
    # found; first: each of want printed by each runtime
    c, m = _run(part, mpy_lib)
    for rt, out in (('CPython', c), ('MicroPython', m)):
        for w in want:
            assert w in out.splitlines(), '%s: %r not in:\n%s' % (rt, w, out)
    assert c == m, 'CPython and MicroPython differ:\n' + c + '\n----\n' + m
    assert 'FAILS 0' in c.splitlines(), c
    return c.splitlines()


def test_spool_records_whose_topic_is_not_utf8_are_dropped_and_counted(mpy_lib):
    # was: UnicodeDecodeError (CPython) / UnicodeError (MicroPython) out of
    # MQTTWriter(): the app could not start while the file stayed.
    # The damaged record still counts for the count line: in the second file
    # [1] is gone, [2] damaged (counted), [3] waits
    _lines('odd', mpy_lib,
           "b'h/\\xff\\x00[1]\\nh/a\\x00[2]\\n': [b'[2]'] dropped 1 errors 0",
           "b'h/a\\x00[1]\\nh/\\xc3\\x00[2]\\n\\x001\\nh/a\\x00[': [b'[3]'] dropped 1 errors 0")


def test_spool_that_is_a_directory_starts_alike_on_both_runtimes(mpy_lib):
    # was: MicroPython opens a directory, so MQTTWriter() raised OSError(21)
    # there while CPython started (and counted each failed sync: 3 network
    # failures, 3 spool failures, the last one EISDIR)
    _lines('odd', mpy_lib, 'dir: [] dropped 0 errors 0 then 3 6 21')


def test_spool_start_with_a_full_flash_goes_on_when_nothing_waits(mpy_lib):
    # was: the removal of a spool with nothing to send (a cut record, empty,
    # all counted gone) raised OSError(28) out of MQTTWriter(); now counted
    # in errors, and the file goes at the next sync with room
    _lines('odd', mpy_lib,
           "full b'h/s\\x00[\"s\", 1': [] dropped 1 errors 1 then None",
           "full b'': [] dropped 0 errors 1 then None",
           "full b'h/s\\x00[1]\\n\\x001\\n': [] dropped 0 errors 1 then None")


def test_spool_and_log_odd_content_alike_on_both_runtimes(mpy_lib):
    ln = _lines('odd', mpy_lib,
                "b'\\n\\n': [] dropped 2 errors 0",  # lines without a NUL: cut records
                "b'ab\\xff': (b'ab\\xff\\n2024-05-01 12:03:07 [INF] x\\n', 0, 0)",  # ended, not decoded
                "b'yyyyyyyy': (b'2024-05-01 12:03:07 [INF] x\\n', 501, 0)",  # past max_len: rotated, its line ended
                "backup dir: b'2024-05-01 12:03:07 [INF] line 0 " + 'z' * 40 + "\\n' 5")  # counted
    assert len(ln) == 25, ln


def test_spool_power_loss_at_every_byte_and_full_flash_at_every_call(mpy_lib):
    # 63 file operations in a run without faults (61 before a start without
    # a spool file tried to rename a <spool>.new back: two starts do), each
    # failed in 4 ways (span 1 or 3, a short write or none): 4 x 64 runs
    assert _lines('spool', mpy_lib) == ['spool power 672', 'spool flash 63 256', 'FAILS 0']


def test_log_power_loss_at_every_byte_and_full_flash_at_every_call(mpy_lib):
    assert _lines('log', mpy_lib) == ['log power 373', 'log flash 77 312', 'FAILS 0']


SCRIPT = r'''
# Fuzz of the spool (mqtt_spool via MQTTWriter(spool=...)) and the log
# (logger, lograre): power loss at every byte, ENOSPC at the k-th
# open/write/rename/remove, odd content. Runs unchanged on CPython and
# MicroPython: micropython fz.py DIR PART; prints results, then FAILS n.
import builtins
import json
import os
import sys

import logger
from mqtt_writer import MQTTWriter
from vclock import VirtualClock

D = sys.argv[1]
PART = sys.argv[2]
_os = os
_open = builtins.open
fails = []


def rm(p):
    try:
        os.remove(p)
    except OSError:
        try:
            os.rmdir(p)
        except OSError:
            pass


def rd(p):
    try:
        with _open(p, 'rb') as f:
            return f.read()
    except OSError:
        return None


def wr(p, b):
    rm(p)
    if b is not None:
        with _open(p, 'wb') as f:
            f.write(b)


class Lcg:
    def __init__(self, s):
        self.s = s

    def __call__(self, n):
        self.s = (self.s * 1103515245 + 12345) & 0x7fffffff
        return (self.s >> 8) % n


# ---------------------------------------------------------------- spool
P = D + '/sp'
CAP = 4


def clean():
    for s in ('', '.new', '.cyc'):
        rm(P + s)


class Sock:
    def close(self):
        pass


class FC:
    """umqtt's API; up: the broker answers; left: publishes until it fails."""

    def __init__(self):
        self.up = True
        self.left = -1
        self.got = []
        self.sock = None
        self.timeout = 3

    def set_last_will(self, *a):
        pass

    def connect(self, clean=True):
        if not self.up:
            raise OSError(111)
        self.sock = Sock()

    def publish(self, t, m, retain=False, qos=0):
        if self.left == 0:
            self.up = False
        if self.sock is None or not self.up:
            self.sock = None
            raise OSError(104)
        self.left -= 1
        self.got.append(idx(m))

    def ping(self):
        pass

    def disconnect(self):
        self.sock = None


def idx(m):
    return json.loads(bytes(m).decode())[1]


def mk(clk=None, fc=None, **kw):
    clk = clk or VirtualClock()
    fc = fc or FC()
    w = MQTTWriter('d', None, None, 'h/{sensor_id}', client=fc, clock=clk, spool=P,
                   status=False, outbox=kw.pop('outbox', CAP), **kw)
    return w, fc, clk


def scenario(seed, n):
    r = Lcg(seed)
    out = []
    for i in range(n):
        up = r(3) == 0
        out.append((up, r(4) if up and r(2) else -1))
    return out


def ref_parse(s):
    # the README's format: records "topic NUL json", count lines "NUL n";
    # the last whole count line says how many records have gone; a line
    # without its newline is cut: a record then counts in dropped
    recs = []
    cnt = cut = 0
    ls = s.split(b'\n')
    last = ls.pop()
    for ln in ls:
        if ln[:1] == b'\x00':
            if ln[1:].isdigit():
                cnt = int(ln[1:])
        elif b'\x00' in ln:
            recs.append(ln)
    if last and last[:1] != b'\x00':
        cut = 1
    q = recs[cnt:]
    over = max(0, len(q) - CAP)
    q = q[over:]
    return ([idx(x[x.index(b'\x00') + 1:]) for x in q], over + cut,
            [idx(x[x.index(b'\x00') + 1:]) for x in recs])


def spool_state(s, x, u, dlv, dup_ok, tag):
    # the board starts on spool s (None: no file) and <spool>.new x
    clean()
    wr(P, s)
    wr(P + '.new', x)
    fc = FC()
    fc.up = False
    try:
        w, fc, clk = mk(fc=fc)
        q = [idx(m) for t, m in w.outbox]
    except Exception as e:
        fails.append((tag, 'start', repr(e)))
        return
    # no spool but a <spool>.new: a rewrite cut short (or, on FAT, cut
    # between the old file's removal and the rename): the start renames it
    # back and loads it, a record cut short counted in dropped
    f = s if s is not None else x
    ref, rd_, whole = ref_parse(f) if f is not None else ([], 0, [])
    if (q, w.dropped) != (ref, rd_):
        fails.append((tag, 'load', q, w.dropped, ref, rd_))
    lost = [i for i in u if i in whole and i not in q]
    if lost:
        fails.append((tag, 'lost', lost))
    if not dup_ok and [i for i in q if i in dlv]:
        fails.append((tag, 'duplicate', [i for i in q if i in dlv]))
    fc.up = True
    clk.advance(70000)
    w.on_completed()
    if fc.got != q or rd(P) is not None:
        fails.append((tag, 'replay', fc.got, q, rd(P)))


def spool_power(seed, n):
    # Record each wake-up's file; the states a power loss can leave are every
    # prefix of an append, and the old file beside every prefix of <spool>.new
    clean()
    w, fc, clk = mk()
    prev = None
    todo = []
    for j, (up, left) in enumerate(scenario(seed, n)):
        clk.advance(70000)
        fc.up = up
        fc.left = left
        w.on_next(('s', j, j))
        cur = rd(P)
        u = [idx(m) for t, m in w.outbox]
        dlv = list(fc.got)
        tag = 's%d j%d' % (seed, j)
        if cur is not None and prev is not None and cur.startswith(prev) and cur != prev:
            cl = cur.index(b'\n', len(prev)) + 1 if cur[len(prev):len(prev) + 1] == b'\x00' else len(prev)
            for p in range(len(prev), len(cur) + 1):
                todo.append((cur[:p], None, u, dlv, p < cl, tag + ' p%d' % p))
        elif cur != prev:
            if cur is not None:  # a rewrite: <spool>.new, then a rename
                for p in range(len(cur) + 1):
                    todo.append((prev, cur[:p], u, dlv, True, tag + ' new p%d' % p))
            todo.append((prev, None, u, dlv, True, tag + ' before'))
            todo.append((cur, None, u, dlv, False, tag + ' after'))
        prev = cur
    for a in todo:
        spool_state(*a)
    return len(todo)


class FailOs:
    """os for mqtt_spool and logger: the k-th (to k+span-1-th) open for
    writing, write, rename, remove of our files raises OSError(28) (short:
    after writing half); trash keeps what a remove or rename throws away."""

    def __init__(self, k, span, short, pre):
        self.k = k
        self.span = span
        self.short = short
        self.pre = pre
        self.n = self.hit = 0
        self.trash = []

    def tick(self):
        self.n += 1
        if self.k <= self.n < self.k + self.span:
            self.hit += 1
            return True
        return False

    def __getattr__(self, a):
        return getattr(_os, a)

    def remove(self, p):
        if p.startswith(self.pre) and self.tick():
            raise OSError(28)
        b = rd(p)
        _os.remove(p)
        if b:
            self.trash.append(b)

    def rename(self, a, b):
        if a.startswith(self.pre) and self.tick():
            raise OSError(28)
        x = rd(b)
        _os.rename(a, b)
        if x:
            self.trash.append(x)

    def open(self, p, m='r'):
        if p.startswith(self.pre) and m in ('ab', 'wb', 'a+b', 'w'):
            if self.tick():
                raise OSError(28)
            return FailFile(self, _open(p, m))
        return _open(p, m)


class FailFile:
    def __init__(self, fs, f):
        self.fs = fs
        self.f = f

    def write(self, b):
        if self.fs.tick():
            if self.fs.short:
                self.f.write(b[:len(b) // 2])
            raise OSError(28)
        return self.f.write(b)

    def flush(self):
        self.f.flush()

    def seek(self, *a):
        return self.f.seek(*a)

    def read(self, n):
        return self.f.read(n)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.f.close()


def spool_flash(seed, k, span, short, n=16):
    # ENOSPC at the k-th op, a reset in the middle (once the file is whole),
    # then room: each event is published once, in order, or counted in dropped
    clean()
    fs = FailOs(k, span, short, P)
    sys.modules['os'] = fs
    builtins.open = fs.open
    sys.modules.pop('mqtt_spool', None)
    reset = drop = err = 0
    try:
        w, fc, clk = mk()
        for j, (up, left) in enumerate(scenario(seed, n)):
            clk.advance(70000)
            fc.up = up
            fc.left = left
            if j >= n // 2 and not reset and w._fn >= 0:
                reset = 1
                drop += w.dropped
                err += w.errors
                w, fc, clk = mk(clk, fc)
            w.on_next(('s', j, j))
        ops = fs.n
        fs.k = 1 << 30  # room again
        clk.advance(70000)
        fc.up = False
        w.on_next(('s', n, n))
        drop += w.dropped
        err += w.errors
        w, fc, clk = mk(clk, fc)  # a reset: the spool is replayed
        fc.up = True
        clk.advance(70000)
        w.on_completed()
        drop += w.dropped
        err += w.errors
    except Exception as e:
        fails.append(('spool flash', seed, k, span, short, 'raised', repr(e)))
        return 0
    finally:
        sys.modules['os'] = _os
        builtins.open = _open
        sys.modules.pop('mqtt_spool', None)
    got = fc.got
    tag = ('spool flash', seed, k, span, short)
    if got != sorted(got) or len(set(got)) != len(got):
        fails.append(tag + ('order', got))
    missing = [i for i in range(n + 1) if i not in got]
    if len(missing) != drop:
        fails.append(tag + ('lost silently', missing, drop))
    if fs.hit and not err:
        fails.append(tag + ('failure not counted',))
    if rd(P) is not None:
        fails.append(tag + ('spool left', rd(P)))
    return ops


def spool_odd():
    # spool files a writer never writes: each start goes on
    out = []
    for c in (b'', b'h/a\x00[1]\n', b'h/\xff\x00[1]\nh/a\x00[2]\n', b'h/a\x00[1]\r\nh/a\x00[2]\n',
              b'\x00\x00\x00', b'h/a\x00[1]\n\x00\x00\x00\x00\n', b'h/a\x00[1]\n\x00\xd9\xa0\nh/a\x00[2]\n',
              b'h/a\x00[' + b'7' * 3000 + b']\n', b'\n\n', b'h/a\x00[1]\nh/\xc3\x00[2]\n\x001\nh/a\x00[3]\n'):
        clean()
        wr(P, c)
        out.append(spool_start(repr(c[:24])))
    clean()
    _os.mkdir(P)  # a directory as the spool
    r = spool_start('dir')
    fc = FC()
    fc.up = False
    try:
        w, fc, clk = mk(fc=fc)
        for i in range(3):
            clk.advance(70000)
            w.on_next(('s', i, i))
        r += ' then %d %d %d' % (w.queued, w.errors, w.last_error.args[0])
    except Exception as e:
        r += ' then raised %r' % (e,)
    out.append(r)
    clean()
    # the flash is full at start: the removal of a spool that holds nothing
    # to send fails; the start goes on, counted, and the file goes later
    for c in (b'h/s\x00["s", 1', b'', b'h/s\x00[1]\n\x001\n'):
        wr(P, c)
        fs = FailOs(1, 1 << 30, False, P)
        sys.modules.pop('mqtt_spool', None)
        sys.modules['os'] = fs
        try:
            r = spool_start('full ' + repr(c))
            fs.k = 1 << 30
            w, fc, clk = mk()
            r += ' then %r' % (rd(P),)
        finally:
            sys.modules['os'] = _os
            sys.modules.pop('mqtt_spool', None)
        out.append(r)
        clean()
    return out


def spool_start(tag):
    fc = FC()
    fc.up = False
    try:
        w, fc, clk = mk(fc=fc)
    except Exception as e:
        return '%s: raised %s %s' % (tag, type(e).__name__, e.args[:1])
    return '%s: %r dropped %d errors %d' % (tag, [bytes(m)[:8] for t, m in w.outbox], w.dropped, w.errors)


# ---------------------------------------------------------------- log
L = D + '/a.log'
ML = 300
STAMP = b'2024-05-01 12:03:07 [INF] '


class T:
    @staticmethod
    def localtime():
        return (2024, 5, 1, 12, 3, 7, 2, 122)


def msg(i):
    return 'm%d %s' % (i, 'abcdefghij\u00e9' * (i * 7 % 9))


def log_reset(fs=None):
    logger.close_logging()
    logger.dropped = logger._rep = 0  # a new program
    logger.time = T
    logger.os = fs or _os
    logger.open = fs.open if fs else _open
    rm(L)
    rm(L + '.1')


def log_power():
    # the log and its backup after 12 lines; every prefix of each, the steps
    # of a rotation; each start then writes one line
    log_reset()
    logger.initialize_logging(L, max_len=ML)
    for i in range(12):
        logger.info(msg(i))
    logger.close_logging()
    f, f1 = rd(L), rd(L + '.1')
    new = STAMP + b'after\n'
    cases = [(f[:p], f1, 'F[:%d]' % p) for p in range(len(f) + 1)]
    cases += [(f, f1[:p], 'F1[:%d]' % p) for p in range(len(f1) + 1)]
    cases += [(None, f, 'no file'), (b'', f, 'empty file'), (f, None, 'no backup')]
    for a, b, tag in cases:
        wr(L, a)
        wr(L + '.1', b)
        try:
            logger.initialize_logging(L, max_len=ML)
            logger.info('after')
            logger.close_logging()
        except Exception as e:
            fails.append(('log power', tag, repr(e)))
            logger.close_logging()
            continue
        base = a or b''
        if base and base[-1:] != b'\n':
            base += b'\n'  # a cut line is ended
        want = (new, a) if len(base) + len(new) > ML else (base + new, b)  # rotated / kept
        got = (rd(L), rd(L + '.1'))
        if got != want or logger.dropped:
            fails.append(('log power', tag, got, want, logger.dropped))
    return len(cases)


def log_flash(k, span, short, n=40):
    # ENOSPC at the k-th open/write/rename/remove: every line is in the files
    # whole, in order, or counted in dropped (and reported by the next line
    # written); the rest of the files is only the cut lines, each ended
    fs = FailOs(k, span, short, L)
    log_reset(fs)
    tag = ('log flash', k, span, short)
    try:
        logger.initialize_logging(L, max_len=ML)
        for i in range(n):
            logger.info(msg(i))
            if len(rd(L) or b'') + len(rd(L + '.1') or b'') > 2 * ML:
                fails.append(tag + ('bound', i))
    except Exception as e:
        fails.append(tag + ('raised', repr(e)))
        return 0
    drop = logger.dropped
    logger.close_logging()
    got = []
    rep = 0
    texts = [msg(i).encode() for i in range(n)]
    for b in fs.trash + [rd(L + '.1') or b'', rd(L) or b'']:
        for ln in b.split(b'\n'):
            body = ln[len(STAMP):]
            if ln.startswith(STAMP + b'(') and b' lines dropped) ' in body:
                j = body.index(b' lines dropped) ')
                rep += int(body[1:j])
                body = body[j + 16:]
            if ln.startswith(STAMP) and body in texts:
                got.append(texts.index(body))
            elif ln and not [t for t in texts if (STAMP + t).startswith(ln)]:
                fails.append(tag + ('junk', ln))
    last = rd(L) or b''
    if last[-1:] not in (b'', b'\n') and (n - 1) in got:
        fails.append(tag + ('not ended', last[-40:]))
    if got != sorted(got) or len(set(got)) != len(got):
        fails.append(tag + ('order', got))
    missing = [i for i in range(n) if i not in got]
    if len(missing) != drop:
        fails.append(tag + ('lost silently', missing, drop))
    if got and rep != len([i for i in missing if i < got[-1]]):
        fails.append(tag + ('not reported', rep, missing))
    if fs.hit and not drop and fs.k > 1:
        # (a failure at the first open is retried by the first line)
        pass
    return fs.n


def log_odd():
    out = []
    for c in (b'', b'ab\xff', b'a\r\n', b'a\r', b'\x00', b'\x00\x00\n', b'y' * 500, b'\xe2\x82', None):
        log_reset()
        wr(L, c)
        try:
            logger.initialize_logging(L, max_len=200)
            logger.info('x')
            r = (rd(L), len(rd(L + '.1') or b''), logger.dropped)
        except Exception as e:
            r = 'raised %r' % (e,)
        out.append('%r: %r' % (c and c[:8], r))
    log_reset()
    _os.mkdir(L + '.1')  # a directory where the backup goes: lines counted, never raised
    logger.initialize_logging(L, max_len=100)
    for i in range(6):
        logger.info('line %d %s', i, 'z' * 40)
    out.append('backup dir: %r %d' % (rd(L), logger.dropped))
    log_reset()
    return out


if PART == 'odd':
    for ln in spool_odd() + log_odd():
        print(ln)
elif PART == 'log':
    print('log power', log_power())
    log_reset(FailOs(1 << 30, 0, False, L))
    total = 0
    fs = FailOs(1 << 30, 0, False, L)
    log_reset(fs)
    logger.initialize_logging(L, max_len=ML)
    for i in range(40):
        logger.info(msg(i))
    total = fs.n
    c = 0
    for short in (False, True):
        for span in (1, 3):
            for k in range(1, total + 2):
                log_flash(k, span, short)
                c += 1
    log_reset()
    print('log flash', total, c)
else:
    print('spool power', sum(spool_power(s, 20) for s in (1, 2)))
    total = spool_flash(1, 1 << 30, 0, False)
    c = 0
    for short in (False, True):
        for span in (1, 3):
            for k in range(1, total + 2):
                spool_flash(1, k, span, short)
                c += 1
    print('spool flash', total, c)
    clean()
print('FAILS', len(fails))
for f in fails[:10]:
    print(repr(f)[:300])
'''
