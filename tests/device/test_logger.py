# Device tests of logger.py (with lograre.py) and logwriter.py: line format,
# levels, rotation bound, restart, power cuts at each step of a rotation,
# full flash (ENOSPC at write, at rename, at open), echo, LogWriter, and
# that the rarely run code stays out of the normal path. Real files in a fresh directory under
# /dev/shm or /tmp (or the current directory); os, open, time and print are replaced in
# the logger module only where a test needs a fault or a fixed clock.
import os
import sys

import logger
from logger import (initialize_logging, get_logger, close_logging,
                    DEBUG, INFO, WARNING, ERROR)
from logwriter import LogWriter
from thingflow import SensorAsOutputThing
import tcheck
from tcheck import raises, msg

T = (2024, 5, 1, 12, 3, 7, 2, 122)  # the time every line gets
STAMP = '2024-05-01 12:03:07'
_real_open = open


class FixedTime:
    @staticmethod
    def localtime():
        return T


class Cut(Exception):
    """The power goes: raised by FakeOs at a chosen step; the logger lets it through."""


class FakeFile:
    """A real file whose writes can fail as on a full flash; with full
    'buffer' as CPython's buffered file on a full disk: write() takes the
    bytes, flush() and close() raise (close() closes all the same)."""

    def __init__(self, fs, f):
        self.fs = fs
        self.f = f
        self.buf = b''

    def write(self, b):
        fs = self.fs
        fs.seq.append('w')
        fs.count('write')
        if fs.full == 'buffer':
            self.buf += b
            return len(b)
        if fs.full:
            if fs.full == 'short':  # part of the line gets in, as on a posix file system
                return self.f.write(b[:len(b) // 2])
            raise OSError(28)
        return self.f.write(b)

    def _out(self):
        if self.buf:
            if self.fs.full:
                raise OSError(28)
            self.f.write(self.buf)
            self.buf = b''

    def flush(self):
        self.fs.seq.append('f')
        self._out()
        self.f.flush()

    def seek(self, n, w=0):
        return self.f.seek(n, w)

    def read(self, n):
        return self.f.read(n)

    def close(self):
        try:
            self._out()
        finally:
            self.buf = b''
            self.f.close()


class FakeOs:
    """The real os, except: fail[op] = n raises OSError(28) at the n-th call
    of op from now on (op in stat, remove, rename, open, write); cut = (op, n,
    when) raises Cut before or after the n-th call of op; full: every write
    fails (True), writes half the line ('short'), or is buffered and fails
    at flush or close ('buffer', until a remove makes room)."""

    def __init__(self):
        self.calls = {}
        self.seq = []  # 'w' for each write, 'f' for each flush, in order
        self.fail = {}
        self.cut = None
        self.full = False

    def count(self, op, after=False):
        n = self.calls.get(op, 0) + (0 if after else 1)
        if not after:
            self.calls[op] = n
        c = self.cut
        if c and c[0] == op and c[1] == n and c[2] == ('after' if after else 'before'):
            raise Cut(op)
        if not after and self.fail.get(op) == n:
            raise OSError(28)

    def stat(self, p):
        return os.stat(p)

    def remove(self, p):
        self.count('remove')
        os.remove(p)
        self.count('remove', True)
        if self.full == 'buffer':
            self.full = False  # the space of what was removed

    def rename(self, a, b):
        self.count('rename')
        os.rename(a, b)
        self.count('rename', True)

    def open(self, p, mode):
        self.count('open')
        f = FakeFile(self, _real_open(p, mode))
        self.count('open', True)
        return f


def _base():
    # tmpfs first: MicroPython's flush() is an fsync, slow on a disk
    for d in ('/dev/shm', '/tmp'):
        try:
            os.stat(d)
            return d
        except OSError:
            pass
    return '.'


_n = [0]


def fresh(fs=None, out=None):
    """A new empty directory; the logger module set up to use fs (a FakeOs or
    None), the fixed time, and print appending to out. Returns the log path."""
    close_logging()
    logger.dropped = logger._rep = 0  # a new program
    _n[0] += 1
    d = '%s/tflog-%s-%d' % (_base(), ''.join('%02x' % b for b in os.urandom(4)), _n[0])
    os.mkdir(d)
    logger.time = FixedTime
    logger.os = fs or os
    logger.open = fs.open if fs else _real_open
    logger.print = out.append if out is not None else print
    return d + '/app.log'


def done(path):
    """Close the log, undo the patches, remove the directory."""
    close_logging()
    logger.os = os
    logger.open = _real_open
    logger.print = print
    d = path[:path.rfind('/')]
    for f in os.listdir(d):
        os.remove(d + '/' + f)
    os.rmdir(d)


def restart():
    """The board restarts after a power cut: the logger's state is lost and
    os and open are the real ones again."""
    f = logger._f
    if f:
        f.close()
    logger._f = None
    logger.max_len = 0
    logger.dropped = logger._rep = 0
    logger.os = os
    logger.open = _real_open


def read(path):
    try:
        with _real_open(path, 'rb') as f:
            return f.read().decode()
    except OSError:
        return None


def size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return 0


def line(lvl, text):
    return '%s [%s] %s\n' % (STAMP, lvl, text)


def write(path, text):
    with _real_open(path, 'wb') as f:
        f.write(text.encode())


# ---- API, levels, format ----

def test_level_values_as_in_logging():
    assert (DEBUG, INFO, WARNING, ERROR) == (10, 20, 30, 40)


def test_line_format_and_level_filtering():
    # set level -> the lines written by debug, info, warning, warn, error
    cases = [
        (DEBUG, ['DBG', 'INF', 'WRN', 'WRN', 'ERR']),
        (INFO, ['INF', 'WRN', 'WRN', 'ERR']),
        (WARNING, ['WRN', 'WRN', 'ERR']),
        (ERROR, ['ERR']),
    ]
    for lvl, want in cases:
        p = fresh()
        try:
            log = initialize_logging(p, level=lvl)
            assert get_logger() is log
            log.debug('d %d', 1)
            log.info('i %s', 'x')
            log.warning('w')
            log.warn('w')
            log.error('e %d%%', 5)
            texts = {'DBG': 'd 1', 'INF': 'i x', 'WRN': 'w', 'ERR': 'e 5%'}
            assert read(p) == ''.join(line(x, texts[x]) for x in want), (lvl, read(p))
            assert read(p + '.1') is None
            assert log.dropped == 0
        finally:
            done(p)


def test_set_level_changes_the_one_global_level():
    p = fresh()
    try:
        log = initialize_logging(p)
        log.debug('no')
        log.set_level(DEBUG)
        get_logger().debug('yes')
        log.set_level(ERROR)
        log.warning('no')
        log.error('E')
        assert read(p) == line('DBG', 'yes') + line('ERR', 'E')
        assert log.level == ERROR
    finally:
        done(p)


def test_message_without_args_is_not_formatted_and_any_object_is_logged():
    p = fresh()
    try:
        log = initialize_logging(p)
        log.info('100% done')
        log.info(('t', 1.5, 20))
        log.info(42)
        assert read(p) == line('INF', '100% done') + line('INF', "('t', 1.5, 20)") + line('INF', '42')
    finally:
        done(p)


def test_get_logger_before_initialize_raises():
    close_logging()
    e = raises(RuntimeError, get_logger)
    assert msg(e) == 'initialize_logging() not called yet'
    e = raises(RuntimeError, LogWriter)
    assert msg(e) == 'initialize_logging() not called yet'


def test_initialize_twice_raises_and_close_allows_again():
    p = fresh()
    try:
        initialize_logging(p)
        e = raises(RuntimeError, initialize_logging, p)
        assert msg(e) == "logging already initialized (%r); close_logging() first" % (p,)
        close_logging()
        close_logging()  # a second close does nothing
        raises(RuntimeError, get_logger)
        log = initialize_logging(p)
        log.close()
        raises(RuntimeError, get_logger)
        initialize_logging(p).info('again')
        assert read(p) == line('INF', 'again')
    finally:
        done(p)


def test_closed_logger_raises():
    p = fresh()
    try:
        log = initialize_logging(p)
        close_logging()
        e = raises(RuntimeError, log.info, 'x')
        assert msg(e) == 'log %r is closed' % (p,)
        log.debug('below the level: not an error')
    finally:
        done(p)


def test_bad_arguments_name_the_value():
    p = fresh()
    d = p[:p.rfind('/')]
    try:
        cases = [
            ((p, 99), "max_len 99: want an int of at least 100 (bytes)"),
            ((p, '2000'), "max_len '2000': want an int of at least 100 (bytes)"),
            ((p, 1000.0), "max_len 1000.0: want an int of at least 100 (bytes)"),
            ((p, None), "max_len None: want an int of at least 100 (bytes)"),
            ((p, 1000, 15), "level 15: want DEBUG, INFO, WARNING or ERROR (10 to 40)"),
            ((p, 1000, '20'), "level '20': want DEBUG, INFO, WARNING or ERROR (10 to 40)"),
            ((p, 1000, 20.0), "level 20.0: want DEBUG, INFO, WARNING or ERROR (10 to 40)"),
            ((p, 1000, None), "level None: want DEBUG, INFO, WARNING or ERROR (10 to 40)"),
            (('',), "log file '': want a path in an existing directory"),
            ((None,), "log file None: want a path in an existing directory"),
            ((5,), "log file 5: want a path in an existing directory"),
            # a NUL: CPython's open() raised ValueError, MicroPython's cut the path
            (('a\x00b',), "log file 'a\\x00b': want a path in an existing directory"),
            ((d + '/app.log\x00.txt',), "log file %r: want a path in an existing directory" % (d + '/app.log\x00.txt',)),
            ((d + '/no/app.log',), "log file %r: want a path in an existing directory" % (d + '/no/app.log',)),
        ]
        for c in 'qjxzkw':  # a relative path in a missing directory of one character
            try:
                os.stat(c)
            except OSError:
                cases.append(((c + '/app.log',), "log file '%s/app.log': want a path in an existing directory" % c))
                break
        for args, want in cases:
            e = raises(ValueError, initialize_logging, *args)
            assert msg(e) == want, (args, msg(e))
            raises(RuntimeError, get_logger)  # nothing initialised
        log = initialize_logging(p)
        for bad in (0, 25, 50, '10', True):
            e = raises(ValueError, log.set_level, bad)
            assert msg(e) == 'level %r: want DEBUG, INFO, WARNING or ERROR (10 to 40)' % (bad,)
            assert log.level == INFO
        for bad in (5, 50, 20.0, '20', True):  # 50 (CRITICAL) and 20.0: not ERROR nor an int
            e = raises(ValueError, LogWriter, bad)
            assert msg(e) == 'level %r: want DEBUG, INFO, WARNING or ERROR (10 to 40)' % (bad,), msg(e)
    finally:
        done(p)


def test_echo_prints_each_line_written():
    out = []
    p = fresh(out=out)
    try:
        log = initialize_logging(p, echo=True)
        log.info('one')
        log.debug('not written, not printed')
        log.error('two')
        assert out == [line('INF', 'one')[:-1], line('ERR', 'two')[:-1]]
        assert read(p) == line('INF', 'one') + line('ERR', 'two')
    finally:
        done(p)


def test_a_lone_surrogate_is_logged_never_raised():
    # CPython's str may hold a lone surrogate (a file name from os.listdir
    # with bytes that are not UTF-8): the line is written and echoed with it
    # escaped, not an exception out of the caller. MicroPython's str holds
    # the UTF-8 bytes of the literal (ED A0 80) and writes them as they are.
    out = []
    p = fresh(out=out)
    try:
        log = initialize_logging(p, echo=True)
        log.error('file %s', 'a\ud800b')
        log.info('next')
        cp = sys.implementation.name == 'cpython'
        with _real_open(p, 'rb') as f:
            data = f.read()
        head = ('%s [ERR] file ' % STAMP).encode()
        assert data == head + (b'a\\ud800b' if cp else b'a\xed\xa0\x80b') + b'\n' + line('INF', 'next').encode()
        assert len(out) == 2 and out[1] == line('INF', 'next')[:-1]
        if cp:
            assert out[0] == line('ERR', 'file a\\ud800b')[:-1]
        assert log.dropped == 0
    finally:
        done(p)


def test_no_echo_prints_nothing():
    out = []
    p = fresh(out=out)
    try:
        initialize_logging(p).info('one')
        assert out == []
    finally:
        done(p)


# ---- rotation ----

def test_rotation_exact_contents():
    p = fresh()
    try:
        log = initialize_logging(p, max_len=100)
        a = line('INF', 'a' * 20)  # 47 bytes
        assert len(a) == 47
        log.info('a' * 20)
        log.info('a' * 20)  # 94 bytes: fits
        assert read(p) == a + a and read(p + '.1') is None
        log.info('b' * 20)  # 141 > 100: rotate first
        assert read(p + '.1') == a + a
        assert read(p) == line('INF', 'b' * 20)
        log.info('c' * 26)  # 47 + 53 = 100: fits exactly
        assert size(p) == 100
        log.info('d')
        assert read(p + '.1') == line('INF', 'b' * 20) + line('INF', 'c' * 26)
        assert read(p) == line('INF', 'd')
        assert log.dropped == 0
    finally:
        done(p)


def test_long_message_is_cut_to_max_len():
    p = fresh()
    try:
        log = initialize_logging(p, max_len=100)
        log.info('x' * 300)
        t = read(p)
        assert len(t) == 100
        assert t == line('INF', 'x' * (100 - 26 - 4) + '...')  # header 26 bytes
        # a cut never splits a UTF-8 character: e with acute accent is 2 bytes
        log.info('a' + '\u00e9' * 100)  # byte 96 falls inside a character
        b = _real_open(p, 'rb').read()
        assert len(b) == 99 and b.endswith(b'...\n'), len(b)
        assert b.decode() == line('INF', 'a' + '\u00e9' * 34 + '...')
        assert read(p + '.1') == t
    finally:
        done(p)


class Lcg:
    """A small random generator that gives the same numbers on both runtimes."""

    def __init__(self, seed):
        self.x = seed

    def below(self, n):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.x >> 8) % n


def test_rotation_bound_over_10000_random_messages():
    p = fresh()
    ml = 1000
    r = Lcg(7)
    try:
        log = initialize_logging(p, max_len=ml)
        rotations = 0
        last1 = 0
        for i in range(10000):
            n = r.below(1200)  # sometimes longer than max_len
            log.info('%d %s', i, 'm' * n)
            a, b = size(p), size(p + '.1')
            assert a <= ml and b <= ml and a + b <= 2 * ml, (i, a, b)
            if b != last1:
                rotations += 1
                last1 = b
        assert log.dropped == 0
        assert rotations > 500, rotations
        # nothing but the oldest is lost: the files hold the newest messages
        # in order, every line complete
        lines = (read(p + '.1') + read(p)).split('\n')
        assert lines[-1] == ''
        nums = [int(x[len(STAMP) + 7:].split(' ')[0]) for x in lines[:-1]]
        assert nums == list(range(nums[0], 10000)), nums[:5]
        for x in lines[:-1]:
            assert x.startswith(STAMP + ' [INF] ') and (x.endswith('m') or x.endswith('...') or x.endswith(' '))
    finally:
        done(p)


def test_restart_continues_the_log_and_ends_a_cut_line():
    # (file before, backup before) -> (file after start, backup after start)
    old = line('INF', 'old')
    cases = [
        ((None, None), ('', None)),
        (('', None), ('', None)),
        (('', 'B'), ('', 'B')),  # a cut right after a rotation created the file
        ((None, 'B'), ('', 'B')),  # a cut after the rename
        ((old, None), (old, None)),
        ((old, 'B'), (old, 'B')),
        ((old + 'half a li', 'B'), (old + 'half a li\n', 'B')),  # a cut in the middle of a line
        (('half a li', 'B'), ('half a li\n', 'B')),  # in the first line after a rotation: B kept
    ]
    for before, after in cases:
        p = fresh()
        try:
            if before[0] is not None:
                write(p, before[0])
            if before[1] is not None:
                write(p + '.1', before[1])
            initialize_logging(p, max_len=200)
            assert (read(p), read(p + '.1')) == after, (before, read(p), read(p + '.1'))
            get_logger().info('new')
            assert read(p) == after[0] + line('INF', 'new')
        finally:
            done(p)


def test_a_board_that_restarts_at_each_wake_up_keeps_its_log():
    # a deep-sleeping board starts afresh at each wake-up: the log goes on
    # (it was rotated at each start: only the last two wake-ups were kept)
    p = fresh()
    try:
        for i in range(5):
            restart()
            initialize_logging(p, max_len=16000).info('wake-up %d', i)
        assert read(p) == ''.join(line('INF', 'wake-up %d' % i) for i in range(5))
        assert read(p + '.1') is None
    finally:
        done(p)


# ---- power loss ----

# step of the rotation at which the power goes: (op, n-th call, before/after)
CUTS = [
    ('remove', 1, 'before'),  # nothing done yet
    ('remove', 1, 'after'),  # the backup is gone
    ('rename', 1, 'before'),  # same state as after the remove
    ('rename', 1, 'after'),  # the log is the backup, no new file
    ('open', 2, 'before'),  # before the new file exists
    ('open', 2, 'after'),  # the new file exists, empty
    ('write', 2, 'before'),  # the new line not yet written
]


def test_power_cut_at_each_step_of_a_rotation_keeps_the_newest_log():
    old = line('INF', 'o' * 60)  # 87 bytes
    newest = line('INF', 'n' * 60)
    for cut in CUTS:
        fs = FakeOs()
        p = fresh(fs)
        try:
            write(p + '.1', old)
            log = initialize_logging(p, max_len=100)  # open 1, no rotation: the file does not exist
            log.info('n' * 60)  # write 1
            assert read(p) == newest and read(p + '.1') == old
            fs.cut = cut
            raises(Cut, log.info, 'x' * 60)  # rotates: remove, rename, open 2, write 2
            restart()
            initialize_logging(p, max_len=100)  # nothing rotated at start
            assert newest in (read(p), read(p + '.1')), (cut, read(p), read(p + '.1'))
            get_logger().info('after')  # rotates now, if the cut came before the rename
            assert read(p + '.1') == newest, (cut, read(p), read(p + '.1'))
            assert read(p) == line('INF', 'after')
        finally:
            done(p)


def test_power_cut_in_the_middle_of_a_line_keeps_the_log_and_the_backup():
    # the first line after a rotation is cut by the power: at the next start
    # the cut line is ended and the log goes on; the backup (the newest
    # whole log) stays
    newest = line('INF', 'n' * 60)
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=100)
        log.info('n' * 60)
        fs.full = 'short'  # half of the next line gets in, then the power goes
        log.info('x' * 60)  # rotates, then half a line
        cut = read(p)
        assert cut == line('INF', 'x' * 60)[:len(cut)] and 0 < len(cut) < 87
        restart()
        initialize_logging(p, max_len=100).info('after')
        assert read(p + '.1') == newest
        assert read(p) == cut + '\n' + line('INF', 'after')
    finally:
        done(p)


def test_power_cut_at_start_changes_nothing():
    newest = line('INF', 'newest')
    for c in [('open', 1, 'before'), ('open', 1, 'after')]:
        fs = FakeOs()
        p = fresh(fs)
        try:
            write(p, newest)
            write(p + '.1', 'older')
            fs.cut = c
            raises(Cut, initialize_logging, p)
            assert fs.calls.get(c[0]) == c[1], (c, fs.calls)  # the cut happened where meant
            restart()
            initialize_logging(p)
            assert (read(p), read(p + '.1')) == (newest, 'older')
        finally:
            done(p)


# ---- full flash ----

def test_enospc_at_write_counts_retries_and_reports():
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=1000)
        log.info('kept')
        fs.full = True
        log.info('lost 0')  # never raises
        assert log.dropped == 1
        assert read(p) == line('INF', 'kept') and read(p + '.1') is None
        log.info('lost 1')  # the retry rotates the non-empty log once, freeing the old backup
        log.info('lost 2')  # no second rotation
        assert log.dropped == 3
        assert read(p + '.1') == line('INF', 'kept') and read(p) == ''
        fs.full = False
        log.info('back')
        assert read(p + '.1') == line('INF', 'kept')
        assert read(p) == line('INF', '(3 lines dropped) back')
        log.info('more')
        assert read(p) == line('INF', '(3 lines dropped) back') + line('INF', 'more')
        assert log.dropped == 3
    finally:
        done(p)


def test_lines_dropped_before_close_logging_are_reported_by_the_next_log():
    # dropped counts since the start of the program: a close_logging() and
    # initialize_logging() again (the same file or another) neither forgets
    # the lines lost to a full flash nor leaves them unreported
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=1000)
        log.info('kept')
        fs.full = True
        log.info('lost 0')
        log.info('lost 1')
        assert log.dropped == 2
        close_logging()
        fs.full = False
        log = initialize_logging(p, max_len=1000)
        assert log.dropped == 2
        log.info('back')
        assert read(p) == line('INF', '(2 lines dropped) back')
        close_logging()
        initialize_logging(p, max_len=1000).info('again')  # reported once
        assert read(p) == line('INF', '(2 lines dropped) back') + line('INF', 'again')
        assert log.dropped == 2
    finally:
        done(p)


def test_every_line_is_flushed_before_the_next_is_written():
    # the README: each line is written and flushed at once, so a reset loses
    # at most the line being written (a line below the level writes nothing)
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p)
        log.info('a')
        log.warning('b')
        log.debug('c')
        log.error('d')
        assert fs.seq == ['w', 'f', 'w', 'f', 'w', 'f'], fs.seq
        assert read(p) == line('INF', 'a') + line('WRN', 'b') + line('ERR', 'd')
    finally:
        done(p)


def test_a_short_write_is_ended_and_counted():
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=1000)
        log.info('kept')
        fs.full = 'short'  # half of each line gets in
        log.info('abcdefghijklmnopqrstuvwxyz')
        half1 = line('INF', 'abcdefghijklmnopqrstuvwxyz')
        half1 = half1[:len(half1) // 2]
        assert read(p) == line('INF', 'kept') + half1
        log.info('(1 lines dropped) 0123456789')  # rotates, then half gets in again
        half2 = line('INF', '(1 lines dropped) (1 lines dropped) 0123456789')
        half2 = half2[:len(half2) // 2]
        assert read(p + '.1') == line('INF', 'kept') + half1
        assert read(p) == half2
        assert log.dropped == 2
        fs.full = False
        log.info('next')  # no second rotation; the cut line is ended first
        assert read(p + '.1') == line('INF', 'kept') + half1
        assert read(p) == half2 + '\n' + line('INF', '(2 lines dropped) next'), read(p)
        assert log.dropped == 2
    finally:
        done(p)


def test_a_cut_line_and_a_full_length_line_keep_the_bound():
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=100)
        log.info('kept')
        fs.full = 'short'
        log.info('x' * 60)  # rotates (the backup is the kept line); 43 bytes get in
        log.info('y' * 60)  # cut to 100 bytes; no room after the cut x line, whose
        # file is removed to make room (the backup is kept); 50 bytes get in
        assert size(p) == 50 and log.dropped == 2
        fs.full = False
        log.info('z' * 300)  # cut to 100 bytes: with the cut line it does not fit
        assert size(p) == 100 and read(p) == line('INF', '(2 lines dropped) ' + 'z' * 52 + '...')
        assert read(p + '.1') == line('INF', 'kept'), read(p + '.1')
    finally:
        done(p)


def test_a_failure_before_the_first_line_of_a_new_file_keeps_the_backup():
    # The backup is the log up to the failure: when the write that fails is
    # the first one into a new (or empty) file, the retries must not rotate
    # it out for a file that holds only cut lines.
    def half(text, end=''):
        # what a short write leaves: half of the bytes, with the newline
        # that ends a cut line before them when end is '\n'
        x = end + line('INF', text)
        return x[:len(x) // 2]

    def after_a_rotation(fs, p):
        log = initialize_logging(p, max_len=100)
        log.info('a' * 60)
        log.info('b' * 60)  # rotates: the backup is the a line
        fs.full = 'short'
        log.info('c')  # rotates (the backup is now the b line); half of c gets in
        log.info('d')  # the retry: no rotation, the cut line is ended
        assert read(p + '.1') == line('INF', 'b' * 60), read(p + '.1')
        assert read(p) == half('c') + half('(1 lines dropped) d', '\n'), read(p)
        assert log.dropped == 2

    def at_start_with_an_empty_file(fs, p):
        # the last run's log in the backup (a power cut right after a rotation)
        write(p + '.1', line('INF', 'last run'))
        write(p, '')
        log = initialize_logging(p, max_len=1000)
        fs.full = 'short'
        log.info('one')
        log.info('two')
        assert read(p + '.1') == line('INF', 'last run'), read(p + '.1')
        assert read(p) == half('one') + half('(1 lines dropped) two', '\n'), read(p)
        assert log.dropped == 2

    def when_the_new_file_cannot_be_made(fs, p):
        # the first retry rotates, but the open of the new file fails; the
        # next open makes it and a write is cut short again
        log = initialize_logging(p, max_len=1000)  # open 1
        log.info('kept')
        fs.full = 'short'
        log.info('x')  # half of x after kept
        fs.fail['open'] = 3
        log.info('y')  # open 2 (reopen), rotation, open 3 fails
        log.info('z')  # open 4 makes the new file; half of z gets in
        log.info('w')  # the retry: no second rotation
        assert read(p + '.1') == line('INF', 'kept') + half('x'), read(p + '.1')
        assert read(p) == half('(2 lines dropped) z') + half('(3 lines dropped) w', '\n'), read(p)
        assert log.dropped == 4

    for case in (after_a_rotation, at_start_with_an_empty_file, when_the_new_file_cannot_be_made):
        fs = FakeOs()
        p = fresh(fs)
        try:
            case(fs, p)
        finally:
            done(p)


def test_a_cut_line_that_goes_to_the_backup_is_ended_there():
    # A write cut short (a full flash) left half a line; the next line does
    # not fit after it and rotates: the backup ends the cut line, so the
    # backup and the log read on as whole lines (before: the cut line ran
    # into the log's first line when the two were read one after the other).
    # With full 'buffer' (CPython's buffered file on a full disk, room again
    # once the old backup is removed) the newline fails at close(), which
    # was outside the try: every line after it was dropped and the backup
    # stayed for good. Now the rotation goes on, the backup ending in the
    # cut line as when the newline's write itself fails.
    for full, end in ((False, '\n'), ('buffer', '')):
        fs = FakeOs()
        p = fresh(fs)
        try:
            if full:
                write(p + '.1', 'old backup\n')
            log = initialize_logging(p, max_len=200)
            log.info('a' * 60)
            fs.full = 'short'
            log.info('b' * 60)  # half of it gets in
            b = line('INF', 'b' * 60)
            fs.full = full
            log.info('c' * 60)  # does not fit after the cut b line: rotates
            assert read(p + '.1') == line('INF', 'a' * 60) + b[:len(b) // 2] + end, (full, read(p + '.1'))
            assert read(p) == line('INF', '(1 lines dropped) ' + 'c' * 60), read(p)
            log.info('d')
            assert read(p) == line('INF', '(1 lines dropped) ' + 'c' * 60) + line('INF', 'd')
            assert log.dropped == 1
        finally:
            done(p)


def test_a_file_of_cut_lines_makes_room_without_pushing_out_the_backup():
    # A new file holds only the cut part of a line that was dropped, and the
    # next line does not fit after it: that file is removed, not rotated,
    # so the backup (the log up to the failure) stays.
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=200)
        log.info('a' * 100)
        log.info('b' * 100)  # rotates: the backup is the a line
        fs.full = 'short'
        log.info('c' * 150)  # rotates: the backup is the b line; half of c gets in
        c = line('INF', 'c' * 150)
        assert read(p + '.1') == line('INF', 'b' * 100) and read(p) == c[:len(c) // 2]
        fs.full = False
        log.info('d' * 150)  # does not fit after the cut c line
        assert read(p + '.1') == line('INF', 'b' * 100), read(p + '.1')
        assert read(p) == line('INF', '(1 lines dropped) ' + 'd' * 150), read(p)
        assert log.dropped == 1
        log.info('e' * 150)  # a written line: the next rotation is the usual one
        assert read(p + '.1') == line('INF', '(1 lines dropped) ' + 'd' * 150)
        assert read(p) == line('INF', 'e' * 150)
        # a failure when the file of cut lines is removed: counted, retried
        fs.full = 'short'
        log.info('f' * 150)  # rotates; half of f gets in
        fs.full = False
        fs.fail['remove'] = fs.calls['remove'] + 1
        log.info('g' * 150)  # the remove fails: dropped, both files as they were
        f = line('INF', 'f' * 150)
        assert read(p + '.1') == line('INF', 'e' * 150) and read(p) == f[:len(f) // 2]
        assert log.dropped == 3
        log.info('h' * 150)  # the report counts the lines lost since the last one
        assert read(p + '.1') == line('INF', 'e' * 150), read(p + '.1')
        assert read(p) == line('INF', '(2 lines dropped) ' + 'h' * 150), read(p)
    finally:
        done(p)


def test_enospc_at_rename_drops_the_line_and_retries():
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=100)
        log.info('a' * 60)
        log.info('b' * 60)  # needs a rotation: no backup, so the rename is call 1
        assert read(p + '.1') == line('INF', 'a' * 60)
        fs.fail['rename'] = 2
        log.info('c' * 60)  # backup removed, rename fails
        assert log.dropped == 1
        assert read(p) == line('INF', 'b' * 60) and read(p + '.1') is None
        assert size(p) + size(p + '.1') <= 200
        log.info('d')  # rename 3 succeeds
        assert read(p + '.1') == line('INF', 'b' * 60)
        assert read(p) == line('INF', '(1 lines dropped) d')
        assert log.dropped == 1
    finally:
        done(p)


def test_enospc_at_open_of_the_new_file_drops_and_retries():
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=100)  # open 1
        log.info('a' * 60)
        fs.fail['open'] = 2
        log.info('b' * 60)  # rotated, the new file cannot be made
        log.info('c' * 40)  # open 3 ok
        assert log.dropped == 1
        assert read(p + '.1') == line('INF', 'a' * 60)
        assert read(p) == line('INF', '(1 lines dropped) ' + 'c' * 40)
    finally:
        done(p)


def test_enospc_at_start_does_not_raise_and_the_first_line_retries():
    fs = FakeOs()
    p = fresh(fs)
    try:
        write(p, 'old\n')
        fs.fail['open'] = 1
        log = initialize_logging(p)  # the open at start fails
        assert read(p) == 'old\n' and log.dropped == 0
        log.info('first')  # opens now, rotating the file (frees the backup's room)
        assert read(p + '.1') == 'old\n'
        assert read(p) == line('INF', 'first')
        assert log.dropped == 0
    finally:
        done(p)
    # a cut line whose end cannot be written at start: the first line retries
    fs = FakeOs()
    p = fresh(fs)
    try:
        write(p, 'old\nhal')
        fs.full = True
        log = initialize_logging(p)
        assert read(p) == 'old\nhal' and log.dropped == 0
        fs.full = False
        log.info('first')
        assert read(p + '.1') == 'old\nhal' and read(p) == line('INF', 'first')
    finally:
        done(p)


def test_flash_full_for_good_never_raises_and_keeps_the_bound():
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p, max_len=100)
        log.info('x' * 60)
        log.info('y' * 60)
        fs.full = True
        fs.fail['rename'] = fs.calls.get('rename', 0) + 1
        for i in range(50):
            log.info('z %d', i)
        assert log.dropped == 50
        assert size(p) + size(p + '.1') <= 200
    finally:
        done(p)


# ---- LogWriter ----

def Seq(values):
    return tcheck.Seq(values, 'temp')


class Clk:
    @staticmethod
    def time():
        return 60.5


def test_log_writer_logs_events_completion_and_errors():
    p = fresh()
    try:
        initialize_logging(p, level=DEBUG)
        for lvl, tag in ((INFO, 'INF'), (DEBUG, 'DBG'), (WARNING, 'WRN')):
            s = SensorAsOutputThing(Seq([21.5, 22]), Clk)
            s.connect(LogWriter(lvl) if lvl != INFO else LogWriter())
            for i in range(3):
                s._observe()
            s2 = SensorAsOutputThing(Seq([ValueError('bad')]), Clk)
            s2.connect(LogWriter(lvl))
            s2._observe()
            # the error line as CPython writes it, on MicroPython too (whose repr is ValueError('bad',))
            assert read(p) == (line(tag, "('temp', 60.5, 21.5)") + line(tag, "('temp', 60.5, 22)") +
                               line(tag, 'completed') + line('ERR', "error ValueError('bad')")), read(p)
            write(p, '')
            close_logging()
            initialize_logging(p, level=DEBUG)
    finally:
        done(p)


def test_log_writer_below_the_level_writes_nothing():
    p = fresh()
    try:
        initialize_logging(p, level=WARNING)
        s = SensorAsOutputThing(Seq([1]), Clk)
        s.connect(LogWriter(INFO))
        s._observe()
        s._observe()
        assert read(p) == ''
    finally:
        done(p)


def test_log_writer_on_full_flash_never_raises_into_the_pipeline():
    fs = FakeOs()
    p = fresh(fs)
    try:
        log = initialize_logging(p)
        s = SensorAsOutputThing(Seq([1, 2, 3]), Clk)
        s.connect(LogWriter())
        fs.full = True
        for i in range(4):
            s._observe()  # three events and the completion
        assert log.dropped == 4
        fs.full = False
        log.info('ok')
        assert read(p) == line('INF', '(4 lines dropped) ok')
    finally:
        done(p)


def test_log_writer_after_close_raises_and_below_the_level_does_nothing():
    p = fresh()
    try:
        initialize_logging(p)
        w = LogWriter()
        d = LogWriter(DEBUG)
        close_logging()
        e = raises(RuntimeError, w.on_next, ('temp', 1.0, 2))
        assert msg(e) == 'log %r is closed' % (p,)
        d.on_next(('temp', 1.0, 2))  # below INFO: nothing, no error
        assert read(p) == ''
    finally:
        done(p)


# ---- the module is the logger; the rarely run code stays out ----

def test_the_logger_is_the_module_with_its_attributes():
    # (arguments) -> (name, max_len, level, echo) read back from the logger
    p = fresh()
    try:
        cases = [
            ((p,), (p, 32000, INFO, False)),
            ((p, 100, DEBUG, True), (p, 100, DEBUG, True)),
            ((p, 5000, ERROR), (p, 5000, ERROR, False)),
        ]
        for args, want in cases:
            log = initialize_logging(*args)
            assert log is logger and get_logger() is logger
            assert (log.name, log.max_len, log.level, log.echo, log.dropped) == want + (0,), args
            log.close()
            assert log.max_len == 0
        raises(RuntimeError, get_logger)
    finally:
        done(p)


def test_logwriter_is_still_importable_from_logger():
    from logger import LogWriter as old
    assert old is LogWriter
    e = raises(AttributeError, getattr, logger, 'no_such_name')
    assert 'no_such_name' in msg(e), msg(e)
    assert getattr(logger, 'Logger', None) is None


def test_a_directory_as_the_log_file_is_a_value_error():
    p = fresh()
    d = p[:p.rfind('/')]
    try:
        e = raises(ValueError, initialize_logging, d)
        assert msg(e) == 'log file %r: want a path in an existing directory' % (d,)
        raises(RuntimeError, get_logger)
    finally:
        done(p)


def test_a_line_after_a_failed_initialize_does_not_name_a_log_never_opened():
    # (was: RuntimeError("log '<dir>/no/app.log' is closed") for a file
    # that was never opened, and logger.name kept the bad path)
    p = fresh()
    d = p[:p.rfind('/')]
    try:
        for bad in (d + '/no/app.log', d):
            raises(ValueError, initialize_logging, bad)
            assert logger.name is None and logger.max_len == 0, logger.name
            e = raises(RuntimeError, logger.info, 'x')
            assert msg(e) == 'initialize_logging() not called yet', msg(e)
            e = raises(RuntimeError, get_logger)
            assert msg(e) == 'initialize_logging() not called yet'
        initialize_logging(p).info('ok')  # a good name afterwards works
        assert read(p) == line('INF', 'ok') and logger.name == p
    finally:
        done(p)


def test_close_ignores_an_oserror_of_the_file():
    class Bad:
        def close(self):
            raise OSError(28)

    p = fresh()
    try:
        log = initialize_logging(p)
        log.info('a')
        logger._f.close()
        logger._f = Bad()
        close_logging()  # no error: every line was flushed
        assert logger._f is None
        raises(RuntimeError, get_logger)
    finally:
        done(p)


def test_rarely_run_code_is_not_loaded_on_the_normal_path():
    # start with an old log (rotated at start), lines with rotations, echo,
    # a filtered debug line, LogWriter events, close: lograre.py is never
    # imported. A long line, a bad level, a full flash each load it.
    out = []
    p = fresh(out=out)
    try:
        write(p, 'old\n')
        sys.modules.pop('lograre', None)
        log = initialize_logging(p, max_len=200, echo=True)
        for i in range(20):
            log.info('line %d', i)
            log.debug('filtered')
        s = SensorAsOutputThing(Seq([1, 2]), Clk)
        s.connect(LogWriter())
        for i in range(3):
            s._observe()
        log.warning('w')
        log.error('e')
        close_logging()
        assert 'lograre' not in sys.modules
        assert len(out) == 20 + 3 + 2
        assert read(p).endswith(line('WRN', 'w') + line('ERR', 'e')) and 'old' not in read(p + '.1')
        loads = [
            lambda: initialize_logging(p, max_len=200).info('x' * 300),  # a long line is cut
            lambda: initialize_logging(p).set_level(11),  # ValueError
            lambda: initialize_logging(p, 99),  # ValueError
            get_logger,  # RuntimeError: not initialised
        ]
        for f in loads:
            sys.modules.pop('lograre', None)
            close_logging()
            try:
                f()
            except (ValueError, RuntimeError):
                pass
            assert 'lograre' in sys.modules, f
    finally:
        done(p)
