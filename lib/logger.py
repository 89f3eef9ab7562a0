# A rotating file logger for flash that can fill up and power that can go at
# any instant: a subset of Python's logging API with one global level.
#
#   from logger import initialize_logging, get_logger, DEBUG
#   initialize_logging('/app.log', max_len=16000)   # level=INFO, echo=False
#   log = get_logger()
#   log.info('booted, %d sensors', 3)   # 2024-05-01 12:00:00 [INF] booted, 3 sensors
#   log.debug('not written: below the level')
#
#   from logwriter import LogWriter     # an input thing: logs every event
#   sched.schedule_sensor(sensor, 60, LogWriter())
#
# There is one log, so the logger is this module itself: get_logger() and
# initialize_logging() return it, and its functions debug, info, warning
# (warn), error, set_level and close, and its attributes name, max_len,
# level, echo and dropped are the logger's API (no class, no instance:
# that saves about 400 bytes of heap).
#
# Lines are "YYYY-MM-DD HH:MM:SS [LVL] message" (time.localtime(); LVL is
# DBG, INF, WRN or ERR), each flushed, so a reset loses at most the line
# being written.
#
# Rotation: when the next line would take the file past max_len bytes, the
# backup <file>.1 is removed, the file renamed to <file>.1 and a new file
# started: the two files never hold more than 2*max_len bytes. A line
# longer than max_len is cut to fit, ending in "...". A log file that
# exists at start is continued (a board that deep-sleeps restarts at each
# wake-up): a line that a reset cut short is ended with a newline first.
#
# Power loss at any step of a rotation (after the remove, after the rename,
# before or after the new file is created, in the middle of a line) loses no
# log: at the next start nothing is rotated, so <file>.1 is kept.
#
# Full flash: an OSError from a write, rename or open never leaves the
# logger. The line is counted in dropped and the file closed; the next
# line tries again, rotating a non-empty file once first (which frees the
# space of the old backup) unless no line was written in the file since it
# was started (then the backup is the log up to the failure: it is kept;
# when the next line does not fit after the cut lines such a file holds, the
# file is removed, not rotated), and the first line that gets written starts
# with "(N lines dropped) ".
#
# Rarely run code (error messages, the cut of a long line, the report of
# dropped lines, the clean-up after a failed write, the aliases warn and
# close and LogWriter as module attributes) lives in lograre.py, imported
# only when it is needed.
# RAM (MicroPython Unix port, .mpy, thingflow already imported): see
# README.md (logger); the figures come from bench/bench_logger.py.
import os
import time

DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40
# The logger's attributes, set by initialize_logging():
name = None  # the log file (a path); None before the first initialize_logging()
max_len = 0  # bytes per file; 0 while logging is not initialised (or closed)
level = INFO  # the lowest level written
echo = False  # print each line too
dropped = 0  # lines lost to OSError (full flash...) since the start
# private state
_rep = 0  # the value of dropped when a line last reported it
_f = None  # the open file; None until (re)opened
_size = 0  # bytes in the file, as far as we wrote them
_rot = 0  # 1: rotate a non-empty file when reopening after a failure; 2: no line written in the file
# since it was started (rotated, or found empty): a retry keeps the backup, the log up to the failure;
# 0: written (or found not empty at start)


def initialize_logging(filename, max_len=32000, level=INFO, echo=False):
    """Start the global log in filename (a path in an existing directory),
    rotated at max_len bytes (an int, at least 100); lines below level
    (DEBUG, INFO, WARNING, ERROR) are not written; echo=True also prints
    them. Returns the logger. RuntimeError when logging is already
    initialised; ValueError naming a bad argument. An OSError while opening
    (full flash) is not raised: the first line tries again."""
    global name, _f, _size, _rot
    g = globals()
    if g['max_len'] or type(max_len) is not int or max_len < 100 or type(filename) is not str or not filename or '\0' in filename:
        raise __import__('lograre').err(0, filename, max_len)
    set_level(level)
    name = filename
    g['echo'] = echo
    _size = 0  # (dropped and _rep go on: lines lost before a close_logging() are still reported)
    _f = None
    _rot = 0
    g['max_len'] = max_len
    if not _put(b''):  # open (ending a cut line of an old log); after an OSError the first line retries
        __import__('lograre').where(filename)  # ValueError when the directory is missing
    return get_logger()


def get_logger():
    """The global logger (this module); RuntimeError before initialize_logging()."""
    if not max_len:
        raise __import__('lograre').err(2)
    return __import__('sys').modules[__name__]


def close_logging():
    """Close the global log, if any, so that it can be initialised again.
    Lines at or above the level then raise RuntimeError."""
    global max_len, _f
    max_len = 0
    f = _f
    _f = None
    if f:
        try:
            f.close()  # every line was flushed: nothing is lost if this fails
        except OSError:
            pass


def debug(msg, *args):
    """Log msg, or msg % args, at DEBUG."""
    _log(10, msg, args)


def info(msg, *args):
    """Log msg, or msg % args, at INFO."""
    _log(20, msg, args)


def warning(msg, *args):
    """Log msg, or msg % args, at WARNING."""
    _log(30, msg, args)


def error(msg, *args):
    """Log msg, or msg % args, at ERROR."""
    _log(40, msg, args)


def set_level(level):
    """Write only lines of level (DEBUG, INFO, WARNING, ERROR) or above;
    ValueError for any other value."""
    if type(level) is not int or level % 10 or not 0 < level < 50:
        raise __import__('lograre').err(3, level)
    globals()['level'] = level


def _log(n, msg, args):
    # Write a line of level n (10, 20, 30, 40): msg, or msg % args.
    global _rep, dropped
    if n < level:
        return
    if not max_len:
        raise __import__('lograre').err(4)
    if args:
        msg = msg % args
    t = time.localtime()
    d = dropped - _rep
    if d:
        msg = __import__('lograre').drop(d, msg)
    n = n * 3 // 10 - 3
    s = '%d-%02d-%02d %02d:%02d:%02d [%s] %s\n' % (
        t[0], t[1], t[2], t[3], t[4], t[5], 'DBGINFWRNERR'[n:n + 3], msg)
    try:
        b = s.encode()
    except UnicodeError:  # (CPython) a lone surrogate, e.g. a file name's: written escaped
        s = __import__('lograre').esc(s)
        b = s.encode()
    if echo:
        print(s[:-1])  # before the flash, so the console shows it even when the flash is full
    if len(b) > max_len:
        b = __import__('lograre').cut(b, max_len)
    if _put(b):
        _rep += d
    else:
        dropped += 1


def _put(s):
    # Append s (bytes) and flush; True when done. b'' only (re)opens.
    global _f, _size, _rot
    f = _f
    n = name
    try:
        if not f:  # (re)open: look at the file as it is now
            _f = f = open(n, 'a+b')
            k = f.seek(0, 2)
            if not k:
                _rot = 2  # empty: the backup is the log up to here; a retry keeps it
            elif k != _size:  # at start, or after a failed write: end a line that was cut short
                f.seek(k - 1)
                if f.read(1) != b'\n':
                    s = b'\n' + s
            if _rot == 1:
                k = max_len + 1  # rotate it
            _size = k
        if _size + len(s) > max_len:
            _f = None
            if s[:1] == b'\n':  # a cut line: ended in the file that becomes the backup, so
                if _rot < 2:  # <file>.1 and <file> read on as whole lines
                    try:
                        f.write(s[:1])
                        f.close()  # (CPython writes the byte here, from its buffer)
                    except OSError:  # a full flash: the rotation makes room all the same
                        pass
                s = s[1:]
            f.close()  # (closed already: nothing)
            if _rot > 1:  # it holds only cut lines (counted in dropped): the backup is the log, keep it
                os.remove(n)
            else:
                try:
                    os.remove(n + '.1')
                except OSError:  # no backup yet
                    pass
                os.rename(n, n + '.1')
            _f = f = open(n, 'ab')
            _size = 0
            _rot = 2  # no line in the new file yet: a retry does not rotate it
        if s:
            if f.write(s) != len(s):
                raise OSError(28)  # a short write: the flash is full
            f.flush()
            _size += len(s)
            _rot = 0
        return True
    except OSError:
        return __import__('lograre').fail()


def __getattr__(a):
    # warn and close (aliases of warning and close_logging), and
    # LogWriter, which lives in logwriter.py now: lograre.py hands them out
    return __import__('lograre').attr(a)
