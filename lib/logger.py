# A rotating file logger for flash that can fill up and power that can go at
# any instant: a subset of Python's logging API with one global level.
#
#   from logger import initialize_logging, get_logger, LogWriter, DEBUG
#   initialize_logging('/app.log', max_len=16000)   # level=INFO, echo=False
#   log = get_logger()
#   log.info('booted, %d sensors', 3)   # 2024-05-01 12:00:00 [INF] booted, 3 sensors
#   log.debug('not written: below the level')
#   sched.schedule_sensor(sensor, 60, LogWriter())   # logs every event
#
# Lines are "YYYY-MM-DD HH:MM:SS [LVL] message" (time.localtime(); LVL is
# DBG, INF, WRN or ERR), each flushed, so a reset loses at most the line
# being written.
#
# Rotation: when the next line would take the file past max_len bytes, the
# backup <file>.1 is removed, the file renamed to <file>.1 and a new file
# started: the two files never hold more than 2*max_len bytes. A line
# longer than max_len is cut to fit, ending in "...". A non-empty log file
# that exists at start is rotated first, so a restart never appends to a
# half-written file.
#
# Power loss at any step of a rotation (after the remove, after the rename,
# before or after the new file is created) loses no log: at the next start
# a missing or empty <file> is not rotated, so <file>.1, the newest log,
# is kept.
#
# Full flash: an OSError from a write, rename or open never leaves the
# logger. The line is counted in .dropped and the file closed; the next
# line tries again, rotating a non-empty file once first (which frees the
# space of the old backup), and the first line that gets written starts
# with "(N lines dropped) ".
#
# RAM (MicroPython Unix port, .mpy, thingflow already imported): see
# docs/logger-wifi.md; the figures come from bench/bench_logger.py.
import os
import time

from thingflow import InputThing

DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40
_logger = None  # the global logger


def _level(v):
    # v when it is one of the four levels, else ValueError.
    if type(v) is not int or v not in (10, 20, 30, 40):
        raise ValueError('level %r: want DEBUG, INFO, WARNING or ERROR (10 to 40)' % (v,))
    return v


class Logger:
    """Lines to the file name (a path), rotated at max_len bytes (an int,
    at least 100) to name + '.1'. level: the lowest level written (INFO).
    echo: also print each line. Counter: dropped (lines lost to OSError).
    Made by initialize_logging(); get_logger() returns it."""

    def __init__(self, name, max_len=32000, level=INFO, echo=False):
        if type(max_len) is not int or max_len < 100:
            raise ValueError('max_len %r: want an int of at least 100 (bytes)' % (max_len,))
        i = name.rfind('/') if isinstance(name, str) else -2
        if not name or i == -2 or i > 0 and _size(name[:i]) < 0:
            raise ValueError('log file %r: want a path in an existing directory' % (name,))
        self.name = name
        self.max_len = max_len
        self.level = _level(level)
        self.echo = echo
        self.dropped = 0  # lines lost to OSError (full flash...) since the start
        self._rep = 0  # the value of dropped when a line last reported it
        self._f = None  # the open file; None until (re)opened
        self._size = 0  # bytes in the file, as far as we wrote them
        self._rot = 1  # 1: rotate a non-empty file when (re)opening; 2: rotated since a failure
        self._put(b'')  # open (rotating an old log); after an OSError the first line retries

    def debug(self, msg, *args):
        """Log msg, or msg % args, at DEBUG."""
        self._log(10, msg, args)

    def info(self, msg, *args):
        """Log msg, or msg % args, at INFO."""
        self._log(20, msg, args)

    def warning(self, msg, *args):
        """Log msg, or msg % args, at WARNING."""
        self._log(30, msg, args)

    warn = warning

    def error(self, msg, *args):
        """Log msg, or msg % args, at ERROR."""
        self._log(40, msg, args)

    def set_level(self, level):
        """Write only lines of level (DEBUG, INFO, WARNING, ERROR) or above."""
        self.level = _level(level)

    def close(self):
        """Close the file. The logger cannot be used afterwards (RuntimeError);
        initialize_logging() may be called again."""
        global _logger
        self.max_len = 0  # marks it closed
        self._put(None)
        if _logger is self:
            _logger = None

    def _log(self, lvl, msg, args):
        if lvl < self.level:
            return
        if not self.max_len:
            raise RuntimeError('log %r is closed' % (self.name,))
        if args:
            msg = msg % args
        t = time.localtime()
        d = self.dropped - self._rep
        s = '%d-%02d-%02d %02d:%02d:%02d [%s] %s%s' % (
            t[0], t[1], t[2], t[3], t[4], t[5], 'DBGINFWRNERR'[lvl // 10 * 3 - 3:lvl // 10 * 3],
            '(%d lines dropped) ' % d if d else '', msg)
        if self.echo:
            print(s)
        s = s.encode()
        n = self.max_len - 4  # room for "...\n"
        if len(s) > n + 3:  # cut to fit, on a character boundary
            while s[n] & 0xC0 == 0x80:
                n -= 1
            s = s[:n] + b'...'
        if self._put(s + b'\n'):
            self._rep += d
        else:
            self.dropped += 1

    def _put(self, b):
        # Append b (bytes) and flush; True when done. b'' only (re)opens,
        # None closes.
        f = self._f
        try:
            if b is None:  # close(): the except clause closes the file
                raise OSError
            if f is None:  # (re)open: look at the file as it is now
                s = max(0, _size(self.name))
                if s and self._rot == 1:
                    s = self.max_len + 1  # rotate it
                elif s and s != self._size and b:
                    b = b'\n' + b  # end a line that a failed write cut short
                self._size = s
            if self._size + len(b) > self.max_len:
                if b[:1] == b'\n':
                    b = b[1:]  # the cut line goes to the backup; no need to end it
                self._f = None
                if f:
                    f.close()
                f = self.name
                try:
                    os.remove(f + '.1')
                except OSError:  # no backup yet
                    pass
                os.rename(f, f + '.1')
                f = None
                self._size = 0
                if self._rot:
                    self._rot = 2
            if f is None:
                self._f = f = open(self.name, 'ab')
            if b:
                if f.write(b) not in (None, len(b)):
                    raise OSError(28)  # a short write: the flash is full
                f.flush()
                self._size += len(b)
                self._rot = 0
            return True
        except OSError:
            f = self._f
            self._f = None
            if f:
                try:
                    f.close()
                except OSError:
                    pass
            if not self._rot:
                self._rot = 1
            return False


def _size(name):
    # Bytes in a file (0 for a directory), -1 when it does not exist.
    try:
        return os.stat(name)[6]
    except OSError:
        return -1


def initialize_logging(filename, max_len=32000, level=INFO, echo=False):
    """Start the global log in filename, rotated at max_len bytes; lines
    below level are not written; echo=True also prints them. Returns the
    logger. RuntimeError when logging is already initialised."""
    global _logger
    if _logger:
        raise RuntimeError('logging already initialized (%r); close_logging() first' % (_logger.name,))
    _logger = Logger(filename, max_len, level, echo)
    return _logger


def get_logger():
    """The global logger; RuntimeError before initialize_logging()."""
    if not _logger:
        raise RuntimeError('initialize_logging() not called yet')
    return _logger


def close_logging():
    """Close the global log, if any, so that it can be initialised again."""
    if _logger:
        _logger.close()


class LogWriter(InputThing):
    """An input thing that logs each event it receives at level (INFO), the
    end of the stream at level and an error at ERROR, in the global log
    (which must be initialised first: RuntimeError otherwise)."""

    def __init__(self, level=INFO):
        self.level = _level(level)
        get_logger()

    def on_next(self, x):
        get_logger()._log(self.level, x, ())

    def on_completed(self):
        get_logger()._log(self.level, 'completed', ())

    def on_error(self, e):
        get_logger()._log(ERROR, 'error %r', (e,))
