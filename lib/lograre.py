# The logger's rarely run code, imported by logger.py only when it is
# needed: the aliases warn and close, error messages, the check of a log
# file's directory when it could not be opened, the report of dropped
# lines, the cut of a line longer than max_len, the clean-up after a failed
# write, and LogWriter's old place as logger.LogWriter. Not for apps: use logger.py and logwriter.py.
# Kept out of logger.py to save heap: a program that never meets these
# cases never loads this module (RAM: see README.md (logger)).
import os

import logger

_FILE = 'log file %r: want a path in an existing directory'
_NOT = 'initialize_logging() not called yet'


def err(k, v=None, n=None):
    # The exception to raise: k 0 initialize_logging(v, n) called when
    # initialised or with a bad max_len n or file name v; 2 get_logger()
    # before initialize_logging(); 3 a bad level v; 4 a line for a closed
    # (or never opened) log.
    if k == 0:
        if logger.max_len:
            return RuntimeError('logging already initialized (%r); close_logging() first' % (logger.name,))
        if type(n) is not int or n < 100:
            return ValueError('max_len %r: want an int of at least 100 (bytes)' % (n,))
        return ValueError(_FILE % (v,))
    if k == 3:
        return ValueError('level %r: want DEBUG, INFO, WARNING or ERROR (10 to 40)' % (v,))
    if k == 4 and logger.name:
        return RuntimeError('log %r is closed' % (logger.name,))
    return RuntimeError(_NOT)


def where(name):
    # The log file name could not be opened at initialize_logging(): a
    # ValueError (and logging not initialised, no log name: a line then
    # raises "not called yet", not "log ... is closed") when its directory
    # does not exist or it is a directory; else (a full flash) the first
    # line retries.
    i = name.rfind('/')
    if _mode(name) & 0x4000 or i > 0 and not _mode(name[:i]) & 0x4000:
        logger.max_len = 0
        logger.name = None
        raise ValueError(_FILE % (name,))


def _mode(p):
    # st_mode of path p, 0 when it does not exist
    try:
        return os.stat(p)[0]
    except OSError:
        return 0


def drop(d, msg):
    # msg with the report of d lines lost before it
    return '(%d lines dropped) %s' % (d, msg)


def esc(s):
    # A line with a lone surrogate (CPython's str may hold one; its UTF-8
    # encoding fails): the same line with it written as \udXXX
    return s.encode('utf-8', 'backslashreplace').decode()


def cut(s, n):
    # Line s (bytes with its newline, longer than n) cut to n bytes ending
    # in "...\n", never in the middle of a UTF-8 character.
    n -= 4
    while s[n] & 0xC0 == 0x80:
        n -= 1
    return s[:n] + b'...\n'


def fail():
    # An OSError in logger._put(): close the file (the next line reopens
    # it); the first retry after a success in the file rotates it when it
    # is not empty (logger._rot 0 -> 1; 2 stays: nothing written in the
    # file since it was started, so the backup is kept).
    # Returns False: the line is dropped.
    f = logger._f
    logger._f = None
    if f:
        try:
            f.close()
        except OSError:
            pass
    if not logger._rot:
        logger._rot = 1
    return False


def attr(a):
    # logger.<a> for a name the logger does not have: its aliases warn
    # (warning) and close (close_logging), kept out of its globals (fewer
    # names: a smaller table); LogWriter (now in logwriter.py) for old
    # code; else AttributeError.
    if a == 'warn':
        return logger.warning
    if a == 'close':
        return logger.close_logging
    if a == 'LogWriter':
        from logwriter import LogWriter
        return LogWriter
    raise AttributeError("module 'logger' has no attribute %r" % (a,))
