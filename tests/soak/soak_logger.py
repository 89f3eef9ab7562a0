# Soak of the logger (logger.py, lograre.py, logwriter.py) on real files in
# a fresh directory (tmpfs when there is one): 100,000 lines with rotation
# (max_len 4000: a rotation every ~60 lines), through the level functions
# and a LogWriter, lines below the level, a line longer than max_len, full
# flash episodes (every write, the rename of a rotation, or the open fails
# with OSError(28) for a while: lines dropped, then reported), and a
# close_logging() / initialize_logging() every 10,000 lines. The heap is
# marked (soakkit.mark) every 1,000 lines.
#
#   micropython soak_logger.py
import os
import sys

import logger
from logger import initialize_logging, close_logging, get_logger
from logwriter import LogWriter

from soakkit import mark

_open = open


class Faults:
    """os and open for the logger: while `fail` names an operation
    ('write', 'rename', 'open'), it raises OSError(28) (ENOSPC), as a full
    flash does. failed counts the faults raised. (Not test_logger's FakeOs:
    it records every write and flush in a list, which grows the heap that
    this soak must find flat.)"""
    fail = None
    failed = 0

    def __init__(self):
        self.stat = os.stat
        self.remove = os.remove

    def rename(self, a, b):
        self._check('rename')
        os.rename(a, b)

    def _check(self, op):
        if self.fail == op:
            self.failed += 1
            raise OSError(28)

    def open(self, p, mode):
        self._check('open')
        return File(self, _open(p, mode))


class File:
    """A real file whose writes fail while the flash is 'full'."""

    def __init__(self, fs, f):
        self.fs = fs
        self.f = f

    def write(self, b):
        self.fs._check('write')
        return self.f.write(b)

    def flush(self):
        self.f.flush()

    def seek(self, n, w=0):
        return self.f.seek(n, w)

    def read(self, n):
        return self.f.read(n)

    def close(self):
        self.f.close()


def base():
    for d in ('/dev/shm', '/tmp'):
        try:
            os.stat(d)
            return d
        except OSError:
            pass
    return '.'


def main():
    d = '%s/tfsoak-%s' % (base(), ''.join('%02x' % b for b in os.urandom(4)))
    os.mkdir(d)
    path = d + '/app.log'
    fs = Faults()
    logger.os = fs
    logger.open = fs.open
    try:
        run(path, fs)
    finally:
        close_logging()
        logger.os = os
        logger.open = _open
        for f in os.listdir(d):
            os.remove(d + '/' + f)
        os.rmdir(d)


def run(path, fs):
    initialize_logging(path, max_len=4000)
    log = get_logger()
    lw = LogWriter()
    big = 'x' * 5000
    modes = (None, 'write', None, 'rename', None, 'open')
    k = 0
    for i in range(100000):
        j = i % 1000
        if j == 500:  # a full flash for 20 lines, each kind in turn
            fs.fail = modes[(i // 1000) % len(modes)]
        elif j == 520:
            fs.fail = None
        r = i % 10
        if r < 5:
            log.info('reading %d: %s', i, 21.5 + r)
        elif r == 5:
            lw.on_next(('temp', 1714564800.0 + i, 20.0 + r / 8))
        elif r == 6:
            log.warning('wifi %r: %s', 'home', 'no AP')
        elif r == 7:
            log.debug('not written: %d', i)
        elif r == 8:
            lw.on_error(OSError(5))
        else:
            log.error(big if j == 999 else 'sample failed')
        if j == 999:
            if i % 10000 == 9999:  # close and open again (dropped goes on)
                close_logging()
                initialize_logging(path, max_len=4000)
                log = get_logger()
                lw = LogWriter()
            k += 1
            mark(k)
    print('dropped', logger.dropped, 'faults', fs.failed, 'size', os.stat(path)[6], os.stat(path + '.1')[6])


main()
