# The spool of an MQTTWriter: its outbox as an append-only file on flash,
# kept across a reset and replayed in order at start. Imported by
# mqtt_writer only for a writer made with spool=... (no RAM otherwise):
#
#   w = MQTTWriter('board1', host, 1883, 'home/{sensor_id}', spool='/outbox.txt')
#
# One line per message, topic NUL payload; a line NUL count says that the
# first count records of the file have left the outbox. When the outbox is
# empty the file is removed; when it holds more than twice `outbox` records
# it is rewritten (to <spool>.new, then renamed). A record cut short by a
# reset (or damaged: its topic not UTF-8) is dropped and counted in
# `dropped`; a count line cut short is ignored (the records it counted are
# sent again: duplicates, no loss).
# After a failed write (flash full) the file may end in part of a line:
# the next sync rewrites it whole.
#
# RAM: while the file is empty and nothing waits (the broker takes every
# event as it comes) this module is not needed: it unloads itself then
# (leaves sys.modules; about 1.5 KB back to the heap), and the writer
# imports it again only when a message waits at the end of a wake-up. At
# construction mqtt_init imports it only when a spool file exists.
import os
import sys

from mqtt_client import _err

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_N_SPOOL = const(6)  # log line: the spool failed


def sync(w):
    """Bring the file up to date with w's outbox (at the end of a wake-up);
    an OSError (flash full or gone) is counted in errors and logged, and the
    RAM outbox goes on; the next sync rewrites the file whole (the write may
    have left part of a line, and the records' marks are unsure)."""
    try:
        _sync(w)
    except OSError as e:
        w._fn = -1  # damaged: rewrite
        w.errors += 1
        w.last_error = e
        _err(_N_SPOOL, e, w)


def _sync(w):
    # A message in the file is a list in the outbox, one not yet written a
    # tuple (as on_next puts it): the lists are the oldest, at the front.
    q = w.outbox
    if not q:
        if w._fn:
            if w._fn < 0:
                _rewrite(w)  # (the file may not exist: an empty one first)
            os.remove(w.spool)
            w._fn = w._fd = 0
        return _unload()
    k = 0
    while k < len(q) and type(q[k]) is list:
        k += 1
    u = len(q) - k  # not yet written
    gone = w._fn - k  # records of the file that have left the outbox
    if gone == w._fd and not u:
        return
    if w._fn < 0 or w._fn + u > 2 * w._cap:
        return _rewrite(w)  # after a failed write, or compact: only what is left
    with open(w.spool, 'ab') as f:
        if gone != w._fd:
            f.write(b'\x00%d\n' % gone)
            w._fd = gone
        _write(w, f, k)
    w._fn += u


def _write(w, f, i):
    # write the outbox from its i-th oldest message on, one line each
    q = w.outbox
    while i < len(q):
        m = q[i]
        f.write(m[0].encode())
        f.write(b'\x00')
        f.write(m[1])
        f.write(b'\n')
        q[i] = list(m)  # in the file now
        i += 1


def _rewrite(w):
    # the whole outbox to a new file that replaces the spool at once
    p = w.spool + '.new'
    with open(p, 'wb') as f:
        _write(w, f, 0)
    os.rename(p, w.spool)
    w._fn = len(w.outbox)
    w._fd = 0


def load(w):
    """Replay the spool into w's outbox (at start, when the file exists),
    then rewrite it compactly (as sync does: a failure is counted in errors
    and logged, and the next sync tries again)."""
    # (w._fn, records in the file, and w._fd, how many of those have left
    # the outbox: both 0 here, set by mqtt_init)
    try:
        f = open(w.spool, 'rb')
    except OSError:
        return _unload()
    q = w.outbox
    with f:
        gone = 0
        try:
            for ln in f:
                if _kind(ln) == 0:
                    gone = int(ln[1:-1].decode())
        except OSError:  # not a file (MicroPython opens a directory): as none
            return _unload()
        f.seek(0)
        i = 0
        for ln in f:
            k = _kind(ln)
            if k > 0:
                i += 1
                if i > gone:
                    # into the outbox, as on_next puts it: when it is full,
                    # the oldest message is dropped (or this one, with
                    # drop='newest'), and counted
                    try:
                        t = ln[:k].decode()
                    except:  # noqa: E722 (not UTF-8: damaged, as a cut record; bare: less RAM)
                        k = -1
                    else:
                        m = (w.topic if t == w.topic else t, ln[k + 1:-1])
                        if len(q) < w._cap:
                            q.append(m)
                        else:
                            w.dropped += 1
                            if w.drop == 'oldest':
                                q.pop(0)
                                q.append(m)
            if k == -1:
                w.dropped += 1  # a record cut short by a reset (or damaged)
    # rewritten now (removed when nothing waits); with the flash full,
    w._fn = -1  # counted, logged and retried at the next sync: a start
    sync(w)  # never fails for it


def _unload():
    # the file is empty and nothing waits: out of sys.modules until needed
    sys.modules.pop(__name__, None)


def _kind(ln):
    # a spool line: -1 a damaged record, 0 a count line, -2 a damaged count
    # line (ignored), else the index of the NUL that ends a record's topic
    # (a topic never begins with NUL)
    k = ln.find(b'\x00')
    if k == 0:
        return 0 if ln[-1:] == b'\n' and ln[1:-1].isdigit() else -2
    return k if k > 0 and ln[-1:] == b'\n' else -1
