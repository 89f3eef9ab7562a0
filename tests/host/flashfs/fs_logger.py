# The logger (lib/logger.py, lograre.py) on a real littlefs v2 or FAT file
# system in RAM (ramdev.py), run by tests/host/test_flash_filesystems.py:
#   micropython fs_logger.py full lfs2|fat SPARE   the flash fills, then room again
#   micropython fs_logger.py cut lfs2|fat          a power cut after each change
#                                                  of the chip during a rotation
# Checks what README.md ("logger": Power loss, Full flash) says; an
# AssertionError (or any exception) ends the run with a traceback; the last
# line is "ok ..." with the figures the test compares exactly.
import os
import sys

import ramdev

LOG = ramdev.MNT + '/app.log'
STAMP = b'2024-05-01 12:00:00 [INF] '


class FixedTime:
    @staticmethod
    def localtime():
        return (2024, 5, 1, 12, 0, 0, 2, 122)


def start():
    # a (re)start of the board: the logger module afresh, its state lost
    for m in ('logger', 'lograre', 'logwriter'):
        sys.modules.pop(m, None)
    import logger
    logger.time = FixedTime
    return logger


def msg(i):
    return 'line %03d ' % i + 'x' * 20


def files():
    return ramdev.read(LOG + '.1'), ramdev.read(LOG)


def lines(b):
    # the lines of b; a last one without its newline is kept as it is
    if not b:
        return []
    out = b.split(b'\n')
    if out[-1] == b'':
        out.pop()
    else:
        out[-1] = out[-1] + b'<cut>'
    return out


def full(kind, spare):
    # The flash holds a filler that leaves `spare` blocks free (0: fill it
    # to the last byte, after the log is opened); the logger writes until
    # it fails for a while, the filler goes, and the log goes on.
    n = 32 if kind == 'lfs2' else 64
    ramdev.fresh(kind, n)
    free = os.statvfs(ramdev.MNT)[3]
    if spare:
        with open(ramdev.MNT + '/fill', 'wb') as f:
            f.write(b'z' * (ramdev.BS * (free - spare)))
    logger = start()
    logger.initialize_logging(LOG, max_len=1000)
    if not spare:  # fill the rest: every block, every byte
        ramdev.fill_up(open(ramdev.MNT + '/fill', 'wb'))
    written = []  # (i, the line as it must be on flash)
    dropped = []  # (i, the line it would have been)
    rep = kept = 0
    for i in range(106):
        if i == 100:
            os.remove(ramdev.MNT + '/fill')  # room again (the app removed a file)
        d = logger.dropped
        try:
            logger.info(msg(i))
        except Exception as e:  # never: the README says nothing leaves the logger
            raise AssertionError('line %d raised %r' % (i, e))
        text = msg(i)
        if logger.dropped - rep and logger.dropped == d:
            text = '(%d lines dropped) %s' % (logger.dropped - rep, text)
        if logger.dropped == d:
            if dropped and dropped[-1][0] == i - 1 and written:
                # the first line after a run of failures: the log up to the
                # failure is the backup now (its last line may be one cut short)
                g = [x for x in lines(ramdev.read(LOG + '.1')) if not x.endswith(b'<cut>')]
                assert g and g[-1] == written[-1][1], ('the log up to the failure is not the backup', i, g[-1:])
                kept += 1
            rep = logger.dropped
            written.append((i, STAMP + text.encode()))
        else:
            assert logger.dropped == d + 1, (i, d, logger.dropped)
            dropped.append((i, STAMP + text.encode()))
    assert dropped, 'the flash never filled: no test'
    assert all(i < 100 for i, t in dropped), dropped  # room again: nothing lost
    assert dropped[-1][0] < 100 and written[-1][0] == 105
    b1, b0 = files()
    logger.close_logging()
    assert len(b1 or b'') <= 1000 and len(b0 or b'') <= 1000, (len(b1), len(b0))
    got = lines(b1) + lines(b0)
    # fragments: a line a failed write cut short (a prefix of a dropped line);
    # within a file it is ended with a newline before the next line (the last
    # line of the backup may stay cut: it has no next line in that file)
    frag = 0
    whole = []
    texts = [t for i, t in written]
    cut_ends = 0
    for j, ln in enumerate(got):
        if ln in texts:
            whole.append(ln)
            continue
        c = ln[:-5] if ln.endswith(b'<cut>') else ln
        assert any(t.startswith(c) and len(c) < len(t) for i, t in dropped), ('not a line of the log', ln)
        if ln.endswith(b'<cut>'):
            assert j == len(lines(b1)) - 1, ('a cut line not ended before the next line', got)
            cut_ends += 1
        frag += 1
    # what is on flash is the log's newest part, every written line in order
    assert whole == texts[len(texts) - len(whole):], (whole, texts)
    first = dropped[0][0]
    # the first line written after the failures reports them, exactly
    after = [t for i, t in written if i > dropped[-1][0]]
    assert after[0].startswith(STAMP + b'(%d lines dropped) ' % (len(dropped) - _reported(written))), after[0]
    print('ok full %s spare=%d dropped=%d first_drop=%d backups_kept=%d fragments=%d backup_ends_cut=%d files=%d+%d' % (
        kind, spare, len(dropped), first, kept, frag, cut_ends, len(b1 or b''), len(b0 or b'')))


def _reported(written):
    # the drops that the reports before the last one accounted for
    tot = 0
    reps = [t for i, t in written if t.startswith(STAMP + b'(')]
    for t in reps[:-1]:
        tot += int(t[len(STAMP) + 1:t.index(b' ', len(STAMP))])
    return tot


def cut(kind):
    # A log of two full files (8 lines of 35 bytes a file); lines 16 to 33
    # are written while the chip records its changes: two rotations (lines
    # 16 and 24) and the lines after them. Every change is a point where the
    # power may go: at each, the board restarts on the chip as it was then,
    # continues the log and writes line R.
    n = 32 if kind == 'lfs2' else 64
    dev = ramdev.fresh(kind, n)
    logger = start()
    logger.initialize_logging(LOG, max_len=300)
    for i in range(16):
        logger.info('line %03d' % i)
    L = [STAMP + b'line %03d' % i for i in range(34)]
    R = STAMP + b'R'
    b1, b0 = files()
    assert lines(b1) == L[:8] and lines(b0) == L[8:16], (b1, b0)
    base = bytes(dev.data)
    dev.rec = ops = []
    ends = {}  # line i is on the chip when the first ends[i] changes are
    for i in range(16, 34):
        logger.info('line %03d' % i)
        ends[i] = len(ops)
    dev.rec = None
    logger.close_logging()
    ramdev.umount()
    seen = {}
    for k, torn in ramdev.cuts(ops, kind):
        where = 'cut %d%s' % (k, ' torn' if torn else '')
        d = ramdev.RAMDev(n, ramdev.image(base, ops, k, torn))
        try:
            ramdev.mount(kind, d)
        except OSError as e:
            raise AssertionError('%s: the file system does not mount: %r' % (where, e))
        logger = start()
        try:
            logger.initialize_logging(LOG, max_len=300)
            logger.info('R')
        except Exception as e:
            raise AssertionError('%s: the restart raised %r' % (where, e))
        assert logger.dropped == 0, (where, logger.dropped)
        b1, b0 = files()
        logger.close_logging()
        ramdev.umount()
        g1, g0 = lines(b1), lines(b0)
        assert g0 and g0[-1] == R, ('%s: the log does not go on in <file>' % where, g1, g0)
        got = g1 + g0[:-1]
        # every line on flash is whole, in order, one run of the log
        assert got and got[0] in L, (where, got)
        j = L.index(got[0])
        assert got == L[j:j + len(got)], ('%s: not the log in order' % where, got)
        # m: the last line written before the cut: it is there, and the rest
        # of its file too (no good line lost); the one being written at the
        # cut is there whole or not at all
        m = 15
        for i in range(16, 34):
            if ends[i] <= k:
                m = i
        last = j + len(got) - 1
        assert last in (m, m + 1), ('%s: line %d was written before the cut' % (where, m), got)
        assert j <= m - m % 8, ('%s: the newest log before the cut lost lines' % where, got)
        assert len(b1 or b'') <= 300 and len(b0) <= 300, (where, len(b1), len(b0))
        w = 'being' if last > m else 'done'
        seen[w] = seen.get(w, 0) + 1
    print('ok cut %s changes=%d restarts=%d with_line_being_written=%d without=%d' % (
        kind, len(ops), len(ramdev.cuts(ops, kind)), seen.get('being', 0), seen.get('done', 0)))


if __name__ == '__main__':
    a = sys.argv
    if a[1] == 'full':
        full(a[2], int(a[3]))
    else:
        cut(a[2])
